"""Decision thresholds for a checkpoint to ship, taken from the out-of-fold real predictions of a benchmark of the
same training recipe (issue 13): a model trained on every real record has no held-out real page left to choose
its own thresholds on, so they come from the fold models' predictions of pages they never trained on."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from ecgprint.labels import LABELS
from vizecg.training.checkpoint import FORMAT, CheckpointMeta, read_checkpoint, save_checkpoint_payload
from vizecg.training.config import TrainConfig


def benchmark_thresholds(benchmark: str | Path) -> tuple[list[float], TrainConfig]:
    """The deployed thresholds (LABELS order) of a k-fold benchmark's benchmark.json (or its folder) and the
    training recipe of its fold models; ValueError naming the file if it is not a k-fold benchmark."""
    path = Path(benchmark)
    path = path / "benchmark.json" if path.is_dir() else path
    try:
        result = json.loads(path.read_text())
        if result.get("mode") != "k-fold":
            raise ValueError("not a k-fold benchmark (a --ckpt benchmark has no out-of-fold thresholds)")
        thresholds = [float(result["deployed_thresholds"][label]) for label in LABELS]
        recipe = TrainConfig.from_dict(result["train"])
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a benchmark.json ({type(exc).__name__}: {exc})") from None
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    return thresholds, recipe


def recipe_differences(meta: CheckpointMeta, recipe: TrainConfig) -> list[str]:
    """What makes the checkpoint's model differ from the benchmark's fold models (model config, input spec)."""
    differences = []
    if meta.model != recipe.model_config():
        differences.append("model configuration")
    if meta.spec != recipe.spec:
        differences.append(f"input spec ({meta.spec} vs {recipe.spec})")
    return differences


def apply_benchmark_thresholds(ckpt: str | Path, benchmark: str | Path, out: str | Path) -> dict[str, Any]:
    """Write `out`: the weights of `ckpt` (no optimizer state) with the image thresholds of `benchmark`, whose
    fold models must share the checkpoint's model configuration and input spec; the source is recorded in the
    metadata's info. Returns that info entry."""
    thresholds, recipe = benchmark_thresholds(benchmark)
    payload = read_checkpoint(ckpt)
    meta = CheckpointMeta.from_json(payload["meta"])
    if tuple(meta.labels) != LABELS:
        raise ValueError(f"{ckpt}: labels {list(meta.labels)} are not {list(LABELS)}")
    differences = recipe_differences(meta, recipe)
    if differences:
        raise ValueError(f"{ckpt}: its {' and '.join(differences)} differ from the fold models of {benchmark}; "
                         "their thresholds would not fit it")
    source = {"source": "out-of-fold real pages of a k-fold benchmark", "benchmark": str(Path(benchmark)),
              "values": dict(zip(LABELS, thresholds)), "replaced": meta.thresholds.get("image")}
    meta = replace(meta, thresholds={**meta.thresholds, "image": thresholds},
                   info={**meta.info, "thresholds": source})
    save_checkpoint_payload(out, {"format": FORMAT, "meta": meta.to_json(), "model": payload["model"]})
    return source
