"""Figures of a digitization robustness study (matplotlib, Agg, imported only when plotting): median SNR against
severity per preset (blind solid, oracle geometry dashed) and a preset x severity heatmap of the blind SNR."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..atomic import atomic_path


def plot_curves(cells: list[dict], path: str | Path) -> Path:
    """Median per-lead SNR against severity, one colour per preset; blind solid, oracle geometry dashed, the
    blind interquartile range shaded."""
    plt = _pyplot()
    presets, severities = _axes(cells)
    fig, ax = plt.subplots(figsize=(8.5, 4.4))
    for k, preset in enumerate(presets):
        colour = f"C{k}"
        for mode, style in (("blind", "-"), ("oracle", "--")):
            median = _grid(cells, [preset], severities, mode, "median_snr_db")[0]
            if np.all(np.isnan(median)):
                continue
            ax.plot(severities, median, marker="o", color=colour, linestyle=style,
                    label=f"{preset}" if mode == "blind" else None)
            if mode == "blind":
                low = _grid(cells, [preset], severities, mode, "q25_snr_db")[0]
                high = _grid(cells, [preset], severities, mode, "q75_snr_db")[0]
                ax.fill_between(severities, low, high, color=colour, alpha=0.08, linewidth=0)
    ax.plot([], [], color="grey", linestyle="-", label="blind")
    ax.plot([], [], color="grey", linestyle="--", label="oracle geometry")
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set(xlabel="severity", ylabel="median per-lead SNR (dB)", xticks=severities,
           title="Baseline digitizer: Challenge 2024 SNR vs print quality")
    ax.grid(alpha=0.3)
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=8)
    return _save(plt, fig, path)


def plot_heatmap(cells: list[dict], path: str | Path, mode: str = "blind") -> Path:
    """Median per-lead SNR (dB) of `mode`, presets down, severities across, the value written in each square."""
    plt = _pyplot()
    presets, severities = _axes(cells)
    values = _grid(cells, presets, severities, mode, "median_snr_db")
    fig, ax = plt.subplots(figsize=(1.2 + 0.9 * len(severities), 1.0 + 0.45 * len(presets)))
    finite = values[np.isfinite(values)]
    high = max(20.0, float(finite.max())) if finite.size else 20.0
    image = ax.imshow(np.ma.masked_invalid(values), cmap="viridis", vmin=min(0.0, float(finite.min(initial=0))),
                      vmax=high, aspect="auto")
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, "–" if np.isnan(v) else f"{v:.1f}", ha="center", va="center", fontsize=8,
                color="white" if not np.isnan(v) and v < 0.6 * high else "black")
    ax.set(title=f"median SNR (dB), {mode}", xlabel="severity", xticks=range(len(severities)),
           yticks=range(len(presets)))
    ax.set_xticklabels([f"{s:g}" for s in severities])
    ax.set_yticklabels(presets)
    fig.colorbar(image, ax=ax, fraction=0.05)
    return _save(plt, fig, path)


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _axes(cells: list[dict]) -> tuple[list[str], list[float]]:
    return list(dict.fromkeys(c["preset"] for c in cells)), sorted({c["severity"] for c in cells})


def _grid(cells: list[dict], presets: list[str], severities: list[float], mode: str, key: str) -> np.ndarray:
    """[preset, severity] values of one cell field (NaN where a cell is missing or has no value)."""
    out = np.full((len(presets), len(severities)), math.nan)
    for c in cells:
        if c["mode"] == mode and c["preset"] in presets and c[key] is not None:
            out[presets.index(c["preset"]), severities.index(c["severity"])] = float(c[key])
    return out


def _save(plt, fig, path: str | Path) -> Path:
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=100, format="png")
    plt.close(fig)
    return Path(path)
