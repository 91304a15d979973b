"""Trace-presence check ("ECG found"): a tiny CNN maps a page image to a coarse map of where an ECG trace is
printed; the mean of its strongest cells, as a probability, is the image's score, found when >= a stored threshold."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from torch import nn

from ecgprint.atomic import atomic_path

BUNDLED = Path(__file__).resolve().parent / "weights" / "presence.pt"
FORMAT = "vizecg-presence/1"
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


def _block(c_in: int, c_out: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class PresenceNet(nn.Module):
    """uint8-valued [B, 2, H, W] input -> trace-map logits [B, H/8, W/8]; `image_logit` pools them to [B]."""

    def __init__(self, config: PresenceConfig = PresenceConfig()):
        super().__init__()
        self.config = config
        layers, c_in = [], 2
        for width in config.widths:
            layers += [_block(c_in, width, 2), _block(width, width, 1)]
            c_in = width
        self.features = nn.Sequential(*layers)
        self.head = nn.Conv2d(c_in, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x.float().div(255.0).sub(0.5).div(0.25)))[:, 0]

    def image_logit(self, cell_logits: torch.Tensor) -> torch.Tensor:
        """Mean of the top `top_fraction` of cell logits: a trace spans many cells, a stray mark only a few."""
        flat = cell_logits.flatten(1)
        k = max(1, round(self.config.top_fraction * flat.shape[1]))
        return flat.topk(k, dim=1).values.mean(1)


def save_presence(path: str | Path, model: PresenceNet, threshold: float, info: dict[str, Any]) -> None:
    """Write a plain-data file (weights_only-loadable): format, meta JSON (config, threshold, info), state dict."""
    meta = {"config": asdict(model.config), "threshold": float(threshold), **info}
    with atomic_path(path) as tmp:
        torch.save({"format": FORMAT, "meta": json.dumps(meta), "model": model.state_dict()}, tmp)


class PresenceCheck:
    """The trace-presence model loaded once (the bundled one by default): images -> scores -> found or not."""

    def __init__(self, path: str | Path | None = None, device: torch.device | str = "cpu"):
        path = Path(path) if path is not None else BUNDLED
        if not path.is_file():
            raise FileNotFoundError(f"no trace-presence weights at {path}")
        data = torch.load(path, map_location=device, weights_only=True)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"{path}: not a {FORMAT} file")
        self.meta = json.loads(data["meta"])
        self.model = PresenceNet(PresenceConfig(**self.meta["config"])).to(device).eval()
        self.model.load_state_dict(data["model"])
        self.threshold, self.device = float(self.meta["threshold"]), device

    @torch.no_grad()
    def scores(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """Probability that each RGB uint8 image shows a printed ECG trace; 0 for an image under MIN_SIDE px."""
        out = np.zeros(len(images))
        big = [i for i, image in enumerate(images) if min(image.shape[:2]) >= MIN_SIDE]
        if big:
            x = torch.from_numpy(np.stack([presence_input(images[i], self.model.config) for i in big]))
            out[big] = torch.sigmoid(self.model.image_logit(self.model(x.to(self.device)))).double().cpu().numpy()
        return out

    def found(self, scores: np.ndarray) -> np.ndarray:
        """True where a score reaches the threshold chosen on held-out generated pages."""
        return np.asarray(scores) >= self.threshold
