"""The robustness study of a VizECGNet checkpoint's image-only path on a built dataset's split, its signals
re-printed on the fly on the paper and layout each row was printed with."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from ecgprint.artifacts import PRESETS
from vizecg.pages import split_pages, with_dpi
from vizecg.predict import Predictor
from vizecg.robustness.study import (
    SEVERITIES,
    THRESHOLD_SOURCES,
    Study,
    check_severities,
    clean_thresholds,
    conditions,
    run_study,
)


def checkpoint_study(data: str | Path, ckpt: str | Path | None = None, split: str = "test",
                     presets: Sequence[str] = tuple(PRESETS), severities: Sequence[float] = SEVERITIES,
                     seed: int = 0, artifacts: Sequence[str | dict] | None = None, limit: int | None = None,
                     val_limit: int | None = None, dpi: float | None = None, thresholds: str = "val",
                     n_bootstrap: int = 200, device: torch.device | str = "cpu", batch_size: int = 16,
                     progress: Callable[[str], None] | None = None) -> Study:
    """Study `ckpt` (None: the bundled checkpoint) on the first `limit` records of `split`.

    thresholds="val": chosen on the first `val_limit` records of the dataset's val split printed clean; a
    dataset without val rows falls back to the checkpoint's stored thresholds, as does thresholds="checkpoint"."""
    if thresholds not in THRESHOLD_SOURCES:
        raise ValueError(f"thresholds must be one of {THRESHOLD_SOURCES}, got {thresholds!r}")
    conditions(presets, artifacts or ())   # fail on bad input before any rendering
    check_severities(severities)
    predictor = Predictor(ckpt, device, batch_size, reader=None)   # a study of the image stream
    pages = split_pages(data, split, limit)
    chosen, source = predictor.thresholds, "checkpoint (val split of its training run)"
    if thresholds == "val":
        try:
            val = split_pages(data, "val", val_limit)
        except ValueError:   # no val rows in this dataset
            val = []
        if val:
            chosen = clean_thresholds(predictor.probabilities, [p.record for p in val],
                                      [with_dpi(p.config, dpi) for p in val], seed, batch_size)
            source = f"val split ({len(val)} records) printed clean"
    return run_study(predictor.probabilities, [p.record for p in pages], np.asarray(chosen), presets, severities,
                     seed, artifacts, [with_dpi(p.config, dpi) for p in pages], source, n_bootstrap, batch_size,
                     progress)
