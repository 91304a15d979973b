"""docs/results.md's figures from the JSON that `vizecg evaluate`, `vizecg ablate` and
benchmarks/digitize_then_classify.py write: per_label.png (per-label F1 and AUROC of both streams, 95 % CIs),
ablation.png (paired differences) and deployed_route.png (the reader route out of fold on real pages). Each
figure is drawn when its JSON is given.

    vizecg evaluate --ckpt vizecg/weights/vizecg.pt --data vizecg_train --split test -o eval
    python docs/make_results_figures.py --evaluation eval/evaluation_test.json --ablation abl8/ablation.json \
        --route dtc9.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ecgprint.labels import LABELS  # noqa: E402

IMG = Path(__file__).resolve().parent / "img" / "results"
COLOURS = {"image": "#c0392b", "signal": "#2c3e50"}
ROUTE = {"true": ("stored signal (ceiling)", "#95a5a6"), "dig": ("reader on the read page", "#2980b9"),
         "stack": ("reader + stacker (deployed)", "#c0392b")}
ROUTE_GROUPS = (("variant", ("classic", "style1", "style2", "style3", "style4")),
                ("preset", ("clean", "scan", "photo")),
                ("source", ("cinc2021", "cpsc2018", "ludb")),
                ("layout", ("3x4", "3x4+II", "3x4_cabrera+II", "6x2", "3x4+II,V1,V5", "12x1")),
                ("grid", ("red", "green", "grey", "none")))


def ci_bars(ax: plt.Axes, cells: list[dict], offset: float, width: float, **style) -> None:
    """One bar per metric cell ({"value", "ci"}), shifted by offset bar widths, error bars = its CI."""
    values = np.array([c["value"] for c in cells])
    errors = np.abs(np.array([c["ci"] for c in cells]).T - values)
    ax.bar(np.arange(len(cells)) + offset * width, values, width, yerr=errors, capsize=2, **style)


def per_label(evaluation: dict, path: Path) -> None:
    """Bars per label (and macro) for each stream, error bars = bootstrap CI."""
    columns = [*LABELS, "macro"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.7), sharey=False)
    for ax, metric, title in zip(axes, ("f1", "auroc"), ("F1 at validation thresholds", "AUROC")):
        for k, stream in enumerate(("image", "signal")):
            ci_bars(ax, [evaluation["streams"][stream]["columns"][c][metric] for c in columns], k - 0.5, 0.38,
                    color=COLOURS[stream],
                    label=f"{stream} stream" + (" (deployed)" if stream == "image" else " (teacher)"))
        ax.set_xticks(np.arange(len(columns)), columns)
        ax.set_ylim(0.4 if metric == "f1" else 0.6, 1.0)
        ax.set_title(title, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=2, fontsize=8, frameon=False)
    fig.suptitle(f"Bundled checkpoint, {evaluation['split']} split ({evaluation['streams']['image']['n_rows']} pages)",
                 fontsize=10)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def ablation(summary: dict, path: Path) -> None:
    """Forest plot: each paired comparison's Δ macro F1 and Δ macro AUROC with its paired-bootstrap CI."""
    rows = summary["paired_differences"][::-1]
    fig, axes = plt.subplots(1, 2, figsize=(10, 0.45 * len(rows) + 1.2), sharey=True)
    for ax, metric, title in zip(axes, ("f1", "auroc"), ("Δ macro F1", "Δ macro AUROC")):
        values = np.array([r[metric]["value"] for r in rows])
        low = values - np.array([r[metric]["low"] for r in rows])
        high = np.array([r[metric]["high"] for r in rows]) - values
        ax.errorbar(values, np.arange(len(rows)), xerr=[low, high], fmt="o", color="#2c3e50", capsize=3)
        ax.axvline(0.0, color="#c0392b", lw=1)
        ax.set_title(title, fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(np.arange(len(rows)), [r["comparison"] for r in rows], fontsize=8)
    base = summary["base"]
    fig.suptitle(f"Paired differences (A − B) on the same test pages: {base['config']} config, {base['epochs']} epochs, "
                 f"seed {base['seed']}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def deployed_route(result: dict, path: Path) -> None:
    """Per-label AUROC and F1 (out of fold, 95 % CIs over patients) of each input kind, and macro AUROC per group."""
    columns = [*LABELS, "macro"]
    fig = plt.figure(figsize=(12, 6.4))
    grid = fig.add_gridspec(2, 2, height_ratios=(1, 1.1))
    for col, (metric, title) in enumerate((("auroc", "AUROC"), ("f1", "F1 at cross-fold thresholds"))):
        ax = fig.add_subplot(grid[0, col])
        for k, kind in enumerate(ROUTE):
            ci_bars(ax, [result[kind]["all"]["overall"]["columns"][c][metric] for c in columns], k - 1, 0.27,
                    color=ROUTE[kind][1], label=ROUTE[kind][0])
        ax.set_xticks(np.arange(len(columns)), columns)
        ax.set_ylim(0.5 if metric == "auroc" else 0.0, 1.0)
        ax.set_title(title, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    ax = fig.add_subplot(grid[1, :])
    names = [(grouping, value) for grouping, values in ROUTE_GROUPS for value in values]
    for k, kind in enumerate(ROUTE):
        groups = result[kind]["all"]["groups"]
        values = [groups[grouping][value]["columns"]["macro"]["auroc"]["value"] for grouping, value in names]
        ax.bar(np.arange(len(names)) + (k - 1) * 0.27, values, 0.27, color=ROUTE[kind][1])
    ax.axhline(0.92, color="#27ae60", lw=1, ls="--", label="issue 13 goal (0.92)")
    ax.set_xticks(np.arange(len(names)), [value for _, value in names], rotation=35, ha="right", fontsize=8)
    ax.set_ylim(0.5, 1.0)
    ax.set_ylabel("macro AUROC")
    ax.set_title("Macro AUROC per drawing style, preset, source, layout and grid", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    handles, labels = fig.axes[0].get_legend_handles_labels()
    extra = ax.get_legend_handles_labels()
    fig.legend(handles + extra[0], labels + extra[1], loc="lower center", ncol=4, fontsize=8, frameon=False)
    fig.suptitle(f"Real-record benchmark, out of fold: {result['pages']} pages, {result['refused']:.1%} refused by "
                 "the digitizer (scored as prevalence)", fontsize=10)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluation", help="evaluation_test.json of the bundled checkpoint")
    parser.add_argument("--ablation", help="ablation.json of a vizecg ablate run")
    parser.add_argument("--route", help="the JSON line benchmarks/digitize_then_classify.py prints")
    args = parser.parse_args()
    IMG.mkdir(parents=True, exist_ok=True)
    figures = ((args.evaluation, per_label, "per_label.png"), (args.ablation, ablation, "ablation.png"),
               (args.route, deployed_route, "deployed_route.png"))
    for source, draw, name in figures:
        if source:
            draw(json.loads(Path(source).read_text()), IMG / name)
            print(f"wrote {IMG / name}")


if __name__ == "__main__":
    main()
