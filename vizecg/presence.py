"""Trace-presence check ("ECG found"): a tiny CNN maps a page image to a coarse map of where an ECG trace is
printed; the mean of its strongest cells, as a probability, is the image's score, found when >= a stored threshold."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ecgprint.atomic import atomic_path
from vizecg.presence_input import MIN_SIDE, PresenceConfig, PresenceScorer, presence_input

__all__ = ["BUNDLED", "FORMAT", "MIN_SIDE", "PresenceCheck", "PresenceConfig", "PresenceNet", "presence_input",
           "save_presence"]   # MIN_SIDE, PresenceConfig and presence_input live in vizecg.presence_input

BUNDLED = Path(__file__).resolve().parent / "weights" / "presence.pt"
FORMAT = "vizecg-presence/1"


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


class PresenceCheck(PresenceScorer):
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
        self.config, self.threshold, self.device = self.model.config, float(self.meta["threshold"]), device

    @torch.no_grad()
    def run(self, x: np.ndarray) -> np.ndarray:
        return torch.sigmoid(self.model.image_logit(self.model(torch.from_numpy(x).to(self.device)))).cpu().numpy()
