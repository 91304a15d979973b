"""docs/results.md's figures from the JSON that `vizecg evaluate` and `vizecg ablate` write:
per_label.png (per-label F1 and AUROC of both streams, 95 % CIs) and ablation.png (paired differences).

    vizecg evaluate --ckpt vizecg/weights/vizecg.pt --data vizecg_train --split test -o eval
    python docs/make_results_figures.py --evaluation eval/evaluation_test.json --ablation abl8/ablation.json
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


def per_label(evaluation: dict, path: Path) -> None:
    """Bars per label (and macro) for each stream, error bars = bootstrap CI."""
    columns = [*LABELS, "macro"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.7), sharey=False)
    for ax, metric, title in zip(axes, ("f1", "auroc"), ("F1 at validation thresholds", "AUROC")):
        for k, stream in enumerate(("image", "signal")):
            cells = [evaluation["streams"][stream]["columns"][c][metric] for c in columns]
            values = np.array([c["value"] for c in cells])
            errors = np.abs(np.array([c["ci"] for c in cells]).T - values)
            x = np.arange(len(columns)) + (k - 0.5) * 0.38
            ax.bar(x, values, 0.38, yerr=errors, capsize=2, color=COLOURS[stream],
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluation", required=True, help="evaluation_test.json of the bundled checkpoint")
    parser.add_argument("--ablation", required=True, help="ablation.json of a vizecg ablate run")
    args = parser.parse_args()
    IMG.mkdir(parents=True, exist_ok=True)
    per_label(json.loads(Path(args.evaluation).read_text()), IMG / "per_label.png")
    ablation(json.loads(Path(args.ablation).read_text()), IMG / "ablation.png")
    print(f"wrote {IMG / 'per_label.png'} and {IMG / 'ablation.png'}")


if __name__ == "__main__":
    main()
