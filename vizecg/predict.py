"""Image-only prediction from ECG page images (PNG/JPEG scans, photos, renders) with a checkpoint's image path in
PyTorch, gated by the trace-presence check: an image without an ECG trace gets no positive label."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from vizecg.evaluation.scoring import model_streams
from vizecg.prediction import FileError, ImagePredictor, Prediction, read_image
from vizecg.presence import PresenceCheck
from vizecg.training.checkpoint import load_model, resolve_checkpoint

__all__ = ["FileError", "Prediction", "Predictor", "predict_images", "read_image"]


class Predictor(ImagePredictor):
    """A checkpoint loaded once for image-only prediction (the bundled one by default), with the bundled
    trace-presence check deciding whether an image shows an ECG at all."""

    def __init__(self, ckpt: str | Path | None = None, device: torch.device | str = "cpu", batch_size: int = 8):
        path = resolve_checkpoint(ckpt)
        self.model, self.meta = load_model(path, device)
        if "image" not in model_streams(self.model.config):
            raise ValueError(f"{path}: a signal-only model cannot predict from images")
        if "image" not in self.meta.thresholds:
            raise ValueError(f"{path}: the checkpoint stores no image-stream decision thresholds")
        self.device, self.batch_size = device, batch_size
        self.labels, self.spec = self.meta.labels, self.meta.spec
        self.thresholds = np.asarray(self.meta.thresholds["image"])
        self.presence = PresenceCheck(device=device)

    @torch.no_grad()
    def run(self, batch: np.ndarray) -> np.ndarray:
        return self.model.predict_image(torch.from_numpy(batch).to(self.device)).cpu().numpy()


def predict_images(images: Sequence[np.ndarray | str | Path], ckpt: str | Path | None = None,
                   device: torch.device | str = "cpu") -> np.ndarray:
    """[N, 6] label probabilities (columns in ecgprint.labels.LABELS order) for RGB uint8 arrays or image
    files, with a checkpoint's image-only path; a bad file raises ValueError naming it."""
    predictor = Predictor(ckpt, device)
    return predictor.probabilities(image if isinstance(image, np.ndarray) else read_image(image)
                                   for image in images)
