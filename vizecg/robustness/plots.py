"""Figures of a robustness study (matplotlib, Agg): macro-F1/AUROC curves over severity, a per-label heatmap
and a contact grid with one sample page per cell."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 (the backend must be chosen first)
import numpy as np  # noqa: E402

from vizecg.robustness.study import Study  # noqa: E402


def plot_curves(study: Study, path: str | Path) -> Path:
    """Macro F1 (at the fixed thresholds) and macro AUROC against severity, one line per condition (single
    artifacts dashed)."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharex=True)
    for ax, metric, title in zip(axes, ("f1", "auroc"), ("macro F1 (fixed thresholds)", "macro AUROC")):
        for condition in study.conditions:
            values = [study.cell(condition.name, s).report.get(metric, "macro")[0] for s in study.severities]
            ax.plot(study.severities, values, marker="o", label=condition.name,
                    linestyle="-" if condition.kind == "preset" else "--")
        ax.set(title=title, xlabel="severity", xticks=study.severities, ylim=(0, 1.02))
        ax.grid(alpha=0.3)
    axes[1].legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=8)
    fig.suptitle(f"{len(study.record_ids)} records, one seed per record in every cell")
    return _save(fig, path)


def plot_heatmap(study: Study, path: str | Path) -> Path:
    """Per-label F1 and AUROC, one row per (condition, severity) cell, values written in each square."""
    rows = [f"{c.condition.name} {c.severity:g}" for c in study.cells]
    fig, axes = plt.subplots(1, 2, figsize=(10, 1.2 + 0.24 * len(rows)))
    for ax, metric in zip(axes, ("f1", "auroc")):
        values = np.array([[c.report.get(metric, label)[0] for label in study.labels] for c in study.cells])
        image = ax.imshow(np.ma.masked_invalid(values), cmap="viridis", vmin=0, vmax=1, aspect="auto")
        for (i, j), v in np.ndenumerate(values):
            ax.text(j, i, "–" if np.isnan(v) else f"{v:.2f}", ha="center", va="center", fontsize=6,
                    color="white" if not np.isnan(v) and v < 0.6 else "black")
        ax.set(title=metric.upper() if metric == "f1" else "AUROC", xticks=range(len(study.labels)),
               yticks=range(len(rows)))
        ax.set_xticklabels(study.labels, fontsize=8)
        ax.set_yticklabels(rows if metric == "f1" else [], fontsize=7)
        fig.colorbar(image, ax=ax, fraction=0.04)
    return _save(fig, path)


def plot_samples(study: Study, path: str | Path) -> Path:
    """Contact grid: the first record's page in every cell, conditions down, severities across."""
    names = [c.name for c in study.conditions]
    height, width = study.cells[0].sample.shape[:2]
    tile = 2.0   # inches per thumbnail column
    fig, axes = plt.subplots(len(names), len(study.severities), squeeze=False,
                             figsize=(len(study.severities) * tile + 0.6,
                                      len(names) * tile * height / width + 0.8))
    for i, name in enumerate(names):
        for j, severity in enumerate(study.severities):
            ax = axes[i, j]
            ax.imshow(study.cell(name, severity).sample)
            ax.set_xticks([]), ax.set_yticks([])
            if i == 0:
                ax.set_title(f"severity {severity:g}", fontsize=8)
            if j == 0:
                ax.set_ylabel(name, fontsize=8)
    fig.suptitle(f"record {study.record_ids[0]}", fontsize=9)
    return _save(fig, path)


def _save(fig, path: str | Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)


def plot_study(study: Study, out: str | Path) -> list[Path]:
    """curves.png, heatmap.png and samples.png in the folder `out`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    return [plot_curves(study, out / "curves.png"), plot_heatmap(study, out / "heatmap.png"),
            plot_samples(study, out / "samples.png")]
