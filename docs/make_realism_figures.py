"""Regenerate the "Real vs synthetic" pictures of docs/synthetic.md from the feature tables that
benchmarks/synth_realism.py writes: per-feature distributions of the real records, the generator before the
realism changes and the generator now, overall and per label.

    python benchmarks/synth_realism.py --out out/realism            # the generator now
    python docs/make_realism_figures.py --now out/realism/features.csv [--before out/realism_before/features.csv]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

OUT = Path(__file__).resolve().parent / "img" / "realism"
OVERALL = {"hr": "heart rate (bpm)", "rr_cv": "RR CV", "pr_ms": "PR (ms)", "qrs_ms": "QRS (ms)",
           "qtc_ms": "QTc Bazett (ms)", "axis": "QRS axis (deg)", "P_II": "P in II (mV)", "T_II": "T in II (mV)",
           "S_V1": "S in V1 (mV)", "R_V3": "R in V3 (mV)", "wander_II": "wander < 0.5 Hz, II (log10 mV²)",
           "hf_V1": "noise > 40 Hz, V1 (log10 mV²)"}
PER_LABEL = {("pr_ms", "NORM"): "PR, normal", ("pr_ms", "1dAVb"): "PR, 1dAVb", ("rr_cv", "NORM"): "RR CV, normal",
             ("rr_cv", "AF"): "RR CV, AF", ("qrs_ms", "RBBB"): "QRS, RBBB", ("qrs_ms", "LBBB"): "QRS, LBBB",
             ("hr", "SB"): "rate, SB", ("hr", "ST"): "rate, ST", ("T_II", "AF"): "T in II, AF",
             ("T_II", "LBBB"): "T in II, LBBB", ("P_II", "AF"): "P/f in II, AF", ("T_V5", "NORM"): "T in V5, normal"}
COLOURS = {"real": "black", "before": "tab:red", "now": "tab:blue"}


def sets(now: pd.DataFrame, before: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    """The real records and the synthetic sets, by name."""
    out = {"real": now[now.source == "real"]}
    if before is not None:
        out["before"] = before[before.source == "synthetic"]
    out["now"] = now[now.source == "synthetic"]
    return out


def with_label(table: pd.DataFrame, label: str) -> pd.DataFrame:
    return table[table["labels"].str.split(",").apply(lambda s: label in s)]


def overall_figure(data: dict[str, pd.DataFrame], path: Path) -> None:
    """Step histograms of each feature in OVERALL, all records."""
    fig, axes = plt.subplots(3, 4, figsize=(14, 8.5))
    for ax, (feature, title) in zip(axes.ravel(), OVERALL.items(), strict=True):
        values = {name: t[feature].dropna().to_numpy() for name, t in data.items()}
        lo, hi = np.percentile(np.concatenate(list(values.values())), [1, 99])
        bins = np.linspace(lo, hi, 30)
        for name, v in values.items():
            ax.hist(np.clip(v, lo, hi), bins=bins, density=True, histtype="step", lw=1.6, color=COLOURS[name],
                    label=f"{name} (n={len(v)})")
        ax.set_title(title, fontsize=10)
        ax.tick_params(labelsize=8)
    axes[0, 0].legend(fontsize=8)
    fig.suptitle("Real records of ../shared/data vs synthetic records at the same label sets (all records)")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def per_label_figure(data: dict[str, pd.DataFrame], path: Path) -> None:
    """Box plots of each (feature, label) in PER_LABEL for the real and synthetic sets."""
    fig, axes = plt.subplots(3, 4, figsize=(14, 8.5))
    for ax, ((feature, label), title) in zip(axes.ravel(), PER_LABEL.items(), strict=True):
        groups = [with_label(t, label)[feature].dropna().to_numpy() for t in data.values()]
        box = ax.boxplot(groups, whis=(5, 95), showfliers=False, patch_artist=True)
        for patch, name in zip(box["boxes"], data, strict=True):
            patch.set_facecolor(COLOURS[name])
            patch.set_alpha(0.35)
        ax.set_xticks(range(1, len(data) + 1), [f"{n}\n{len(g)}" for n, g in zip(data, groups, strict=True)],
                      fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.tick_params(axis="y", labelsize=8)
    fig.suptitle("Per label: real vs synthetic (box 25-75 %, whiskers 5-95 %, n under each box)")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--now", required=True, help="features.csv of the current generator")
    parser.add_argument("--before", help="features.csv of the generator before the realism changes")
    args = parser.parse_args()
    data = sets(pd.read_csv(args.now), pd.read_csv(args.before) if args.before else None)
    OUT.mkdir(parents=True, exist_ok=True)
    overall_figure(data, OUT / "realism_overall.png")
    per_label_figure(data, OUT / "realism_per_label.png")
    print(f"wrote 2 figures to {OUT}")


if __name__ == "__main__":
    main()
