"""The trace-presence check without its network: input size, the two-channel model input and the scoring rule
around the network. Torch-free, shared by the PyTorch check (vizecg.presence) and the ONNX Runtime engine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

MIN_SIDE = 64          # px: a smaller side cannot hold a 12-lead ECG, so such an image is "not found" without a model
STRIDE = 8             # input px per cell of the trace map (three stride-2 stages)
POOL = 4               # the input's second channel: darkest of POOL x POOL pixels at POOL times the input size


@dataclass(frozen=True)
class PresenceConfig:
    """Input size (H, W), stage widths and the share of map cells whose mean logit is the image logit."""

    height: int = 136
    width: int = 176
    widths: tuple[int, ...] = (12, 24, 40)
    top_fraction: float = 0.04

    def __post_init__(self) -> None:
        if self.height % STRIDE or self.width % STRIDE or not 32 <= min(self.height, self.width) <= 1024:
            raise ValueError(f"presence input must be multiples of {STRIDE} within 32..1024 px, "
                             f"got {self.height}x{self.width}")
        object.__setattr__(self, "widths", tuple(int(w) for w in self.widths))
        if len(self.widths) != 3 or not all(1 <= w <= 128 for w in self.widths):
            raise ValueError(f"presence widths must be three channel counts within 1..128, got {self.widths}")
        if not 0 < self.top_fraction <= 1:
            raise ValueError(f"top_fraction must be within (0, 1], got {self.top_fraction}")

    @property
    def map_size(self) -> tuple[int, int]:
        return self.height // STRIDE, self.width // STRIDE


def presence_input(image: np.ndarray, config: PresenceConfig) -> np.ndarray:
    """RGB uint8 [H, W, 3] -> uint8 [2, h, w]: the grey image area-resized, and the darkest pixel of each POOL x POOL
    block of it area-resized to POOL times that size. Area averaging alone fades a 0.1 mm trace on a 300 dpi page
    to a few grey levels; the second channel keeps ~POOL times more of its contrast, while a speck of dust or
    scanner noise smaller than the fine pixel is still averaged away (a plain minimum filter keeps every speck)."""
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"need an RGB uint8 image [H, W, 3], got {image.dtype} {list(image.shape)}")
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    h, w = config.height, config.width
    fine = cv2.resize(grey, (w * POOL, h * POOL), interpolation=cv2.INTER_AREA)
    darkest = fine.reshape(h, POOL, w, POOL).min(axis=(1, 3))
    return np.stack([cv2.resize(grey, (w, h), interpolation=cv2.INTER_AREA), darkest])


class PresenceScorer:
    """The scoring rule around a presence network, whatever runs it: an engine sets `config` and `threshold`
    (chosen on held-out generated pages) and implements `run`."""

    config: PresenceConfig
    threshold: float

    def run(self, x: np.ndarray) -> np.ndarray:
        """uint8 [B, 2, h, w] batch of presence_input -> probabilities [B]."""
        raise NotImplementedError

    def scores(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """Probability that each RGB uint8 image shows a printed ECG trace; 0 for an image under MIN_SIDE px,
        which is not run."""
        out = np.zeros(len(images))
        big = [i for i, image in enumerate(images) if min(image.shape[:2]) >= MIN_SIDE]
        if big:
            out[big] = self.run(np.stack([presence_input(images[i], self.config) for i in big]))
        return out

    def found(self, scores: np.ndarray) -> np.ndarray:
        """True where a score reaches the threshold."""
        return np.asarray(scores) >= self.threshold
