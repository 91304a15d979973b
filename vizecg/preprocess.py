"""Image and signal -> model input, one definition shared by training, evaluation, predict, export and explain.

Numpy and OpenCV only at import: torch and scipy are imported by the functions that need them, so the ONNX
Runtime engine of `vizecg predict` runs without either installed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np

if TYPE_CHECKING:
    import torch

IMAGE_MEAN, IMAGE_STD = 0.5, 0.25       # fixed normalisation: paper backgrounds are bright, traces dark


@dataclass(frozen=True)
class InputSpec:
    """What the model consumes: image size (H, W) and signal rate/length (CODE-15%: 400 Hz x 4096)."""

    image_height: int = 272
    image_width: int = 352
    signal_fs: float = 400.0
    signal_samples: int = 4096

    def __post_init__(self) -> None:
        if not (32 <= self.image_height <= 4096 and 32 <= self.image_width <= 4096):
            raise ValueError(f"image size must be within 32..4096 px, got {self.image_height}x{self.image_width}")
        if not (50 <= self.signal_fs <= 2000 and 256 <= self.signal_samples <= 100_000):
            raise ValueError(f"signal must be 50..2000 Hz and 256..100000 samples, got {self.signal_fs}, "
                             f"{self.signal_samples}")


def image_array(image: np.ndarray, spec: InputSpec) -> np.ndarray:
    """RGB uint8 page -> float32 [3, H, W], area-resized (keeps thin traces) and normalised."""
    resized = cv2.resize(image, (spec.image_width, spec.image_height), interpolation=cv2.INTER_AREA)
    array = resized.transpose(2, 0, 1).astype(np.float32) / np.float32(255.0)
    return (array - np.float32(IMAGE_MEAN)) / np.float32(IMAGE_STD)


def image_tensor(image: np.ndarray, spec: InputSpec) -> torch.Tensor:
    """image_array as a torch tensor [3, H, W] (training, explain and the PyTorch engine)."""
    import torch
    return torch.from_numpy(image_array(image, spec))


def fit_signal(signal: np.ndarray, fs: float, spec: InputSpec) -> np.ndarray:
    """[n, 12] at `fs` -> [12, spec.signal_samples] at spec.signal_fs (ecgprint's resample + centred crop/pad)."""
    from ecgprint.dataset.signal import fit_length
    return np.ascontiguousarray(fit_length(signal, fs, spec.signal_fs, spec.signal_samples).T)
