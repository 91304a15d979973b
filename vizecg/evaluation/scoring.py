"""Run a model over a data loader in eval mode: true labels and each stream's probabilities, in loader order."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import torch

from vizecg.models import VizECGNet, VizECGNetConfig
from vizecg.training.losses import LossConfig, vizecg_loss


def model_streams(config: VizECGNetConfig) -> tuple[str, ...]:
    """The streams a configuration has, in StreamLogits order."""
    return tuple(s for s in ("signal", "image") if config.streams in ("both", s))


@dataclass(frozen=True)
class Scores:
    """labels [n, K] (0/1), probabilities per stream [n, K], and mean loss terms (forward path only)."""

    labels: np.ndarray
    probabilities: dict[str, np.ndarray]
    loss: dict[str, float] = field(default_factory=dict)


@torch.no_grad()
def score(model: VizECGNet, batches: Iterable[dict], device: torch.device | str = "cpu",
          loss_config: LossConfig | None = None, image_only: bool = False) -> Scores:
    """Probabilities of every stream via forward (and the mean loss if loss_config is given), or with
    image_only the deployed path `predict_image`, which never touches the signal."""
    model.eval()
    streams = ("image",) if image_only else model_streams(model.config)
    labels, probs = [], {s: [] for s in streams}
    loss_sums: dict[str, float] = {}
    for batch in batches:
        targets = batch["labels"]
        image = batch["image"].to(device) if "image" in streams else None
        if image_only:
            probs["image"].append(model.predict_image(image).cpu())
        else:
            logits = model(batch["signal"].to(device) if "signal" in streams else None, image)
            for stream in streams:
                probs[stream].append(torch.sigmoid(getattr(logits, stream)).cpu())
            if loss_config is not None:
                terms = vizecg_loss(logits, targets.to(device), loss_config).as_floats()
                for name, value in terms.items():
                    loss_sums[name] = loss_sums.get(name, 0.0) + value * len(targets)
        labels.append(targets)
    if not labels:
        raise ValueError("no rows to score")
    y = torch.cat(labels).numpy()
    return Scores(y, {s: torch.cat(p).double().numpy() for s, p in probs.items()},
                  {name: total / len(y) for name, total in loss_sums.items()})
