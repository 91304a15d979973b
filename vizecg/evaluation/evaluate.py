"""Evaluate a checkpoint on a split: thresholds from the validation split (never the evaluated rows), bootstrap CIs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ecgprint.dataset.manifest import SPLITS, Manifest
from vizecg.data import ShardDataset, make_loader
from vizecg.evaluation.metrics import MetricsReport, metrics_report, paired_difference, select_thresholds
from vizecg.evaluation.scoring import Scores, model_streams, score
from vizecg.training.checkpoint import load_model


@dataclass(frozen=True)
class Evaluation:
    """One MetricsReport per evaluated stream, and where the data, checkpoint and thresholds came from."""

    checkpoint: str
    data: str
    split: str
    threshold_source: str
    reports: dict[str, MetricsReport]
    scores: Scores | None = field(default=None, repr=False, compare=False)   # the evaluated rows, for paired tests

    def to_dict(self) -> dict[str, Any]:
        return {"checkpoint": self.checkpoint, "data": self.data, "split": self.split,
                "threshold_source": self.threshold_source,
                "streams": {s: r.to_dict() for s, r in self.reports.items()}}


def evaluate_checkpoint(ckpt: str | Path, data: str | Path, split: str = "test", image_only: bool = False,
                        batch_size: int = 32, workers: int = 0, n_bootstrap: int = 1000, seed: int = 0,
                        device: torch.device | str = "cpu") -> Evaluation:
    """Metrics of every stream of the checkpoint's model (or only the deployed image path, `predict_image`).

    Thresholds maximise F1 on the `val` split of `data`; a dataset without one falls back to the thresholds
    stored in the checkpoint (chosen on its training run's validation split).
    """
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    model, meta = load_model(ckpt, device)
    if image_only and "image" not in model_streams(model.config):
        raise ValueError(f"{ckpt}: a signal-only model has no image path")

    def scores_of(name: str):
        loader = make_loader(ShardDataset(data, name, meta.spec), batch_size, workers=workers)
        return score(model, loader, device, image_only=image_only)

    test = scores_of(split)
    if Manifest.read(data).split_rows("val"):
        val = scores_of("val")
        thresholds = {s: select_thresholds(val.labels, p) for s, p in val.probabilities.items()}
        source = "val split of the evaluated dataset" + (" (the evaluated rows: optimistic)" if split == "val"
                                                          else "")
    else:
        thresholds = {s: np.asarray(meta.thresholds[s]) for s in test.probabilities}
        source = "checkpoint (val split of its training run)"
    reports = {s: metrics_report(test.labels, p, thresholds[s], meta.labels, n_bootstrap, seed=seed)
               for s, p in test.probabilities.items()}
    return Evaluation(str(ckpt), str(data), split, source, reports, test)


def paired_comparison(a: Evaluation, stream_a: str, b: Evaluation, stream_b: str, metrics=("f1", "auroc"),
                      n_bootstrap: int = 1000) -> dict[str, tuple[float, float, float]]:
    """Macro metric(a) - metric(b) with a paired-bootstrap CI, each at its own validation thresholds; both must
    have scored the same rows (the same split of the same dataset)."""
    for evaluation, stream in ((a, stream_a), (b, stream_b)):
        if stream not in evaluation.reports:
            raise ValueError(f"{evaluation.checkpoint}: no {stream} stream evaluated")
    if not np.array_equal(a.scores.labels, b.scores.labels):
        raise ValueError(f"{a.checkpoint} and {b.checkpoint} were evaluated on different rows; cannot pair them")
    pair = (a.scores.labels, a.scores.probabilities[stream_a], a.reports[stream_a].thresholds,
            b.scores.probabilities[stream_b], b.reports[stream_b].thresholds)
    return {m: paired_difference(*pair, metric=m, n_bootstrap=n_bootstrap) for m in metrics}
