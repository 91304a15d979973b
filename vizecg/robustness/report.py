"""A robustness study on disk: per-label and per-cell CSV, full JSON, and markdown tables of macro-F1/AUROC by
condition and severity (the per-artifact sensitivity table when single artifacts were studied)."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

from ecgprint.atomic import write_atomic
from vizecg.robustness.study import Study


def csv_text(rows: list[dict]) -> str:
    """CSV with a header from the first row's keys; NaN written as an empty cell."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: "" if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
                     for row in rows)
    return buffer.getvalue()


def matrix_table(study: Study, kind: str, metric: str) -> str:
    """Markdown: one row per condition of `kind`, one column per severity, macro `metric`, and the change from
    severity 0 (the clean page) to the highest severity when both were studied."""
    names = [c for c in study.conditions if c.kind == kind]
    change = 0.0 in study.severities and max(study.severities) > 0
    head = ["preset" if kind == "preset" else "artifact (family)",
            *[f"{s:g}" for s in study.severities], *(["change"] if change else [])]
    lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    for condition in names:
        values = [study.cell(condition.name, s).report.get(metric, "macro")[0] for s in study.severities]
        name = condition.name if kind == "preset" else f"{condition.name} ({condition.family})"
        cells = [name, *("n/a" if math.isnan(v) else f"{v:.3f}" for v in values)]
        if change:
            delta = values[-1] - values[study.severities.index(0.0)]
            cells.append("n/a" if math.isnan(delta) else f"{delta:+.3f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def summary_markdown(study: Study) -> str:
    """Macro-F1 and macro-AUROC tables for the presets and, if any, the single artifacts."""
    parts = [f"# Robustness study\n\n- {len(study.record_ids)} records, seed {study.seed}; thresholds: "
             f"{study.threshold_source}\n- macro over labels with positives; F1 at the fixed thresholds, AUROC "
             "threshold-free; CIs in summary.csv\n"]
    titles = {"preset": "Presets", "artifact": "Per-artifact sensitivity (each artifact alone on the clean page)"}
    for kind, title in titles.items():
        if any(c.kind == kind for c in study.conditions):
            for metric, name in (("f1", "macro F1"), ("auroc", "macro AUROC")):
                parts.append(f"## {title}: {name}\n\n{matrix_table(study, kind, metric)}\n")
    return "\n".join(parts)


def write_study(study: Study, out: str | Path) -> list[Path]:
    """cells.csv, summary.csv, study.json and summary.md in the folder `out` (created if needed)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = {"cells.csv": csv_text(study.rows()), "summary.csv": csv_text(study.summary_rows()),
             "study.json": json.dumps(study.to_dict(), indent=1), "summary.md": summary_markdown(study)}
    for name, text in files.items():
        write_atomic(out / name, text)
    return [out / name for name in files]
