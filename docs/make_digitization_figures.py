"""Regenerate docs/digitization.md's figures: a real record (LUDB 1 from ../shared/data, else the built-in example)
printed 3x4 + II clean and as a scan (severity 0.5), digitized blind, with the extracted traces drawn over the
page; the reference and digitized lead II; and, from benchmarks/digitize_quality.py's JSON, the median SNR per
preset and severity as a heatmap.

    python benchmarks/digitize_quality.py -o out/digitize_quality.json      # ~15 min on 2 idle cores
    python docs/make_digitization_figures.py [--quality out/digitize_quality.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import cv2
import matplotlib
import numpy as np
from make_explain_figures import HERE, save_small_png

from ecgprint.digitize.digitizer import digitize
from ecgprint.leads import STANDARD_LEADS
from ecgprint.render import RenderConfig, render
from ecgprint.sources.wfdb_source import load_record
from ecgprint.synth import example_record

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

IMG = HERE / "img"
LUDB_1 = HERE.parents[1] / "shared" / "data" / "ludb" / "1.hea"
OVERLAY = (0, 110, 255)          # extracted path colour (RGB)


def source_record():
    return load_record(LUDB_1) if LUDB_1.exists() else dataclasses.replace(example_record(), record_id="example")


def overlay(record, preset: str, severity: float, name: str) -> None:
    """The page with the blind digitizer's row paths drawn over it; the top-left half-page crop at full size."""
    result = render(record, RenderConfig(layout="3x4", rhythm=("II",), preset=preset, severity=severity), seed=1)
    found = digitize(result.image, record.fs)
    canvas = (0.55 * result.image + 0.45 * 255).astype(np.uint8)
    for xs, ys in found.paths:
        ok = np.isfinite(xs) & np.isfinite(ys)
        pts = np.round(np.stack([xs[ok], ys[ok]], 1) * 4).astype(np.int32)
        cv2.polylines(canvas, [pts], False, OVERLAY, 1, cv2.LINE_AA, shift=2)
    h, w = canvas.shape[:2]
    save_small_png(canvas[: h // 2, : w // 2], IMG / f"digitize_overlay_{name}.png", width=900)
    if name == "clean":
        trace_plot(record, found)


def trace_plot(record, found) -> None:
    """Reference vs digitized lead II (rhythm strip), first 3 s."""
    j = STANDARD_LEADS.index("II")
    n = int(3 * record.fs)
    t = np.arange(n) / record.fs
    fig, ax = plt.subplots(figsize=(9, 2.6), dpi=110)
    ax.plot(t, record.signal[:n, j], color="black", lw=1.4, label="reference")
    ax.plot(t, found.signal[:n, j], color="tab:blue", lw=0.9, label="digitized (blind)")
    ax.set_xlabel("s")
    ax.set_ylabel("mV")
    ax.legend(loc="center right", frameon=False)
    ax.set_title(f"{record.record_id}, lead II", fontsize=10)
    fig.tight_layout()
    fig.savefig(IMG / "digitize_trace.png")
    plt.close(fig)


def heatmap(quality: Path) -> None:
    """Median per-lead SNR (dB) for preset x severity, blind and oracle geometry side by side."""
    cells = json.loads(quality.read_text())["cells"]
    presets = list(dict.fromkeys(c["preset"] for c in cells))
    severities = sorted({c["severity"] for c in cells if c["preset"] != "clean"})
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), dpi=110, sharey=True)
    for ax, mode in zip(axes, ("blind", "oracle")):
        grid = np.full((len(presets), len(severities)), np.nan)
        for c in cells:
            cols = range(len(severities)) if c["preset"] == "clean" else [severities.index(c["severity"])]
            for k in cols:
                values = np.asarray(c[mode], float)
                grid[presets.index(c["preset"]), k] = np.nanmedian(values) if np.any(~np.isnan(values)) else np.nan
        im = ax.imshow(grid, cmap="RdYlGn", vmin=-5, vmax=20, aspect="auto")
        for (r, k), v in np.ndenumerate(grid):
            ax.text(k, r, "n/a" if np.isnan(v) else f"{v:.1f}", ha="center", va="center", fontsize=8)
        ax.set_xticks(range(len(severities)), [f"{s:g}" for s in severities])
        ax.set_yticks(range(len(presets)), [p if p != "clean" else "clean (sev. 0)" for p in presets])
        ax.set_xlabel("severity")
        ax.set_title(f"{mode}: median SNR, dB", fontsize=10)
    fig.colorbar(im, ax=axes, shrink=0.8)
    fig.savefig(IMG / "digitize_presets.png", bbox_inches="tight")
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quality", type=Path, help="JSON written by benchmarks/digitize_quality.py")
    args = parser.parse_args()
    record = source_record()
    overlay(record, "clean", 0.0, "clean")
    overlay(record, "scan", 0.5, "scan")
    if args.quality:
        heatmap(args.quality)


if __name__ == "__main__":
    main()
