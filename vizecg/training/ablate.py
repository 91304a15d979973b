"""Baselines and ablations with one seed and one budget: train each variant, evaluate it on test, tabulate.

OUT/<run>/ holds each training run and its evaluation; OUT/ablation.md and OUT/ablation.json the summary.
Re-running continues unfinished runs and reuses finished ones (same settings only).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from ecgprint.atomic import write_atomic
from vizecg.evaluation.evaluate import Evaluation, evaluate_checkpoint, paired_comparison
from vizecg.evaluation.report import ablation_markdown, write_evaluation
from vizecg.training.config import ABLATIONS
from vizecg.training.runtime import Runtime, using_runtime
from vizecg.training.trainer import BEST, RUN_FILE, RunError, TrainConfig, resume, train

# Paired comparisons on the test pages, made when both runs are in the ablation: (description, A, B) with A and
# B as (run, stream); the table reports metric(A) - metric(B).
COMPARISONS: tuple[tuple[str, tuple[str, str], tuple[str, str]], ...] = (
    ("KD effect: VizECGNet image stream − image-only baseline", ("full", "image"), ("image-only", "image")),
    ("VizECGNet − without KD (image streams)", ("full", "image"), ("no-kd", "image")),
    ("VizECGNet − without CMAM (image streams)", ("full", "image"), ("no-cmam", "image")),
    ("VizECGNet − without SMAM (image streams)", ("full", "image"), ("no-smam", "image")),
    ("VizECGNet: image stream − its own signal stream", ("full", "image"), ("full", "signal")),
    ("VizECGNet signal stream − signal-only baseline", ("full", "signal"), ("signal-only", "signal")),
    ("KD effect, teacher detached: image stream − image-only baseline", ("detached", "image"),
     ("image-only", "image")),
    ("Teacher detached − VizECGNet (image streams)", ("detached", "image"), ("full", "image")),
    ("Teacher detached: signal stream − signal-only baseline", ("detached", "signal"), ("signal-only", "signal")),
)


def paired_differences(evaluations: dict[str, Evaluation], n_bootstrap: int
                       ) -> list[tuple[str, dict[str, tuple[float, float, float]]]]:
    """Macro F1 and AUROC differences with paired-bootstrap CIs for every COMPARISONS entry both runs have."""
    out = []
    for name, (run_a, stream_a), (run_b, stream_b) in COMPARISONS:
        a, b = evaluations.get(run_a), evaluations.get(run_b)
        if a is None or b is None or stream_a not in a.reports or stream_b not in b.reports:
            continue
        try:
            out.append((name, paired_comparison(a, stream_a, b, stream_b, n_bootstrap=n_bootstrap)))
        except ValueError as exc:
            raise RunError(f"{run_a} vs {run_b}: {exc}") from None
    return out


def train_or_continue(config: TrainConfig, folder: Path, runtime: Runtime, workers: int,
                      progress: bool | None) -> None:
    """Start the run, or continue it if the folder already holds one with exactly these settings."""
    if not (folder / RUN_FILE).exists():
        train(config, folder, runtime, workers, progress)
        return
    stored = TrainConfig.from_dict(json.loads((folder / RUN_FILE).read_text())["train"])
    if stored != replace(config, data=str(Path(config.data).resolve())):
        raise RunError(f"{folder} holds a run with other settings; use another output folder")
    resume(folder, runtime, workers, progress)


def run_ablation(base: TrainConfig, out: str | Path, runs: tuple[str, ...] = tuple(ABLATIONS),
                 runtime: Runtime | None = None, workers: int = 1, progress: bool | None = None,
                 n_bootstrap: int = 1000) -> Path:
    """Train and evaluate every run in `runs` (names of ABLATIONS); returns the path of the markdown table."""
    unknown = sorted(set(runs) - set(ABLATIONS))
    if unknown:
        raise ValueError(f"unknown runs {unknown}; choose from {list(ABLATIONS)}")
    out = Path(out)
    rows, results, evaluations = [], {}, {}
    with using_runtime(runtime) as runtime:
        for name in runs:
            folder = out / name
            train_or_continue(replace(base, **ABLATIONS[name].overrides), folder, runtime, workers, progress)
            if runtime.is_main:
                evaluation = evaluate_checkpoint(folder / BEST, base.data, "test", workers=workers,
                                                 n_bootstrap=n_bootstrap, device=runtime.device)
                write_evaluation(evaluation, folder)
                evaluations[name] = evaluation
                results[name] = evaluation.to_dict()
                rows += [(ABLATIONS[name].label, stream, evaluation.reports[stream])
                         for stream in ("image", "signal") if stream in evaluation.reports]
    table = out / "ablation.md"
    if runtime.is_main:
        title = (f"Ablations: `{base.config}` config, {base.epochs} epochs, seed {base.seed}, test split of "
                 f"`{base.data}` (thresholds from its val split, 95 % bootstrap CIs)")
        differences = paired_differences(evaluations, n_bootstrap)
        write_atomic(table, ablation_markdown(rows, title, differences))
        write_atomic(out / "ablation.json", json.dumps(
            {"base": base.to_dict(), "runs": results,
             "paired_differences": [{"comparison": name, **{m: dict(zip(("value", "low", "high"), v))
                                                            for m, v in delta.items()}}
                                    for name, delta in differences]}, indent=1))
    return table
