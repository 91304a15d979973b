"""Markdown tables of evaluation results: one table per stream, and the one-row-per-run ablation table."""

from __future__ import annotations

import json
import math
from pathlib import Path

from ecgprint.atomic import write_atomic
from vizecg.evaluation.evaluate import Evaluation
from vizecg.evaluation.metrics import METRICS, MetricsReport


def with_ci(report: MetricsReport, metric: str, column: str) -> str:
    """`0.812 [0.731, 0.880]`, or `n/a` for a metric without positives."""
    value, low, high = report.get(metric, column)
    if math.isnan(value):
        return "n/a"
    ci = "" if math.isnan(low) else f" [{low:.3f}, {high:.3f}]"
    return f"{value:.3f}{ci}"


def stream_table(report: MetricsReport) -> str:
    """Per-label rows, then macro and micro; values with their bootstrap CI."""
    lines = ["| label | positives | threshold | " + " | ".join(METRICS) + " |",
             "|---|---|---|" + "---|" * len(METRICS)]
    for j, column in enumerate(report.columns):
        is_label = j < len(report.labels)
        positives = str(int(report.n_positive[j])) if is_label else ""
        threshold = f"{report.thresholds[j]:.3f}" if is_label else ""
        cells = [with_ci(report, m, column) for m in METRICS]
        lines.append(f"| {column} | {positives} | {threshold} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def evaluation_markdown(evaluation: Evaluation) -> str:
    """The whole evaluation as a markdown document."""
    first = next(iter(evaluation.reports.values()))
    parts = [f"# Evaluation on the `{evaluation.split}` split\n",
             f"- checkpoint: `{evaluation.checkpoint}`\n- data: `{evaluation.data}`\n"
             f"- rows: {first.n_rows}; thresholds: {evaluation.threshold_source}\n"
             f"- {first.confidence:.0%} percentile bootstrap CIs over rows, {first.n_bootstrap} resamples, "
             f"seed {first.seed}; F1, precision and recall at the thresholds shown\n"]
    for stream, report in evaluation.reports.items():
        parts.append(f"## {stream} stream\n\n{stream_table(report)}\n")
    return "\n".join(parts)


def ablation_markdown(rows: list[tuple[str, str, MetricsReport]], title: str,
                      differences: list[tuple[str, dict[str, tuple[float, float, float]]]] = ()) -> str:
    """One line per (run, evaluated stream): macro F1/AUROC/AUPRC and micro F1 with CIs; then one line per
    paired comparison: the macro F1 and AUROC differences with paired-bootstrap CIs."""
    lines = [f"# {title}\n", "| run | stream | macro F1 | macro AUROC | macro AUPRC | micro F1 |",
             "|---|---|---|---|---|---|"]
    for run, stream, report in rows:
        cells = [with_ci(report, m, "macro") for m in ("f1", "auroc", "auprc")] + [with_ci(report, "f1", "micro")]
        lines.append(f"| {run} | {stream} | " + " | ".join(cells) + " |")
    if differences:
        lines += ["", "Paired differences on the same pages (A − B; 95 % CI from resampling the pages jointly, so "
                  "a CI that excludes 0 is a difference these pages resolve):", "",
                  "| comparison (A − B) | Δ macro F1 | Δ macro AUROC |", "|---|---|---|"]
        for name, delta in differences:
            cells = [f"{v:+.3f} [{lo:+.3f}, {hi:+.3f}]" for v, lo, hi in (delta["f1"], delta["auroc"])]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_evaluation(evaluation: Evaluation, out: str | Path) -> tuple[Path, Path]:
    """evaluation_<split>.json and .md inside the folder `out` (created if needed)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = out / f"evaluation_{evaluation.split}.json", out / f"evaluation_{evaluation.split}.md"
    write_atomic(paths[0], json.dumps(evaluation.to_dict(), indent=1))
    write_atomic(paths[1], evaluation_markdown(evaluation))
    return paths
