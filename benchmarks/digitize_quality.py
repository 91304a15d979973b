"""Baseline digitizer quality on the real records of ../shared/data: each record rendered as a 3x4 + II page
(default style, or --style random) clean and under every artifact preset, digitized blind and with oracle
geometry, scored with the Challenge 2024 SNR against the record (masked to the printed samples). These are the
numbers in docs/digitization.md. Writes a JSON of every per-lead SNR and prints a markdown table of medians.

    python benchmarks/digitize_quality.py [--per-source 3] [--severities 0.25,0.5] [-o digitize_quality.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ecgprint.artifacts.presets import PRESETS
from ecgprint.digitize.score import mask_unplotted, nanmedian
from ecgprint.digitize.study import score_page
from ecgprint.leads import STANDARD_LEADS
from ecgprint.render import RenderConfig, render
from ecgprint.sources.wfdb_source import load_record
from ecgprint.style import seeded_style

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SOURCES = ("ludb", "cinc2021", "cpsc2018")


def records(per_source: int) -> list:
    """The first `per_source` records (sorted by name) of each source folder that are at least 10 s long."""
    out = []
    for source in SOURCES:
        taken = 0
        for hea in sorted((SHARED / source).glob("*.hea"), key=lambda p: (len(p.stem), p.stem)):
            record = load_record(hea)
            if record.duration >= 10.0:
                out.append(record)
                taken += 1
            if taken == per_source:
                break
    return out


def page_snrs(record, preset: str, severity: float, seed: int, style: str) -> dict[str, list[float]]:
    """Per-lead SNRs of one page, blind and oracle (a failed digitization scores every lead as all-zero output, as
    the Challenge does; oracle is NaN where the truth has no page_to_image)."""
    config = RenderConfig(layout="3x4", rhythm=("II",), preset=preset, severity=severity)
    result = render(record, seeded_style(seed, config) if style == "random" else config, seed)
    truth = result.truth_dict()
    reference = mask_unplotted(record.signal, STANDARD_LEADS, truth)
    out = {}
    for mode in ("blind", "oracle"):
        if mode == "oracle" and truth["page_to_image"] is None:
            out[mode] = [float("nan")] * len(STANDARD_LEADS)     # a lens/wrinkle warp: no oracle geometry
            continue
        out[mode] = score_page(result.image, reference, record.fs, truth if mode == "oracle" else None)[0]
    return out


def _median(values: list[float]) -> str:
    median = nanmedian(values)
    return "n/a" if np.isnan(median) else f"{median:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-source", type=int, default=3)
    parser.add_argument("--severities", default="0.25,0.5")
    parser.add_argument("--presets", default=",".join(p for p in PRESETS if p != "clean"))
    parser.add_argument("--style", choices=("default", "random"), default="default",
                        help="random: each page in ecgprint.style.random_style (layout, grid, pen, ...)")
    parser.add_argument("-o", "--output", default="digitize_quality.json")
    args = parser.parse_args()
    recs = records(args.per_source)
    cells = [("clean", 0.0)] + [(p, float(s)) for p in args.presets.split(",") for s in args.severities.split(",")]
    results = []
    for preset, severity in cells:
        snrs = {"blind": [], "oracle": []}
        for i, record in enumerate(recs):
            page = page_snrs(record, preset, severity, i, args.style)
            for mode in snrs:
                snrs[mode] += page[mode]
        results.append({"preset": preset, "severity": severity, **snrs})
        print(f"| {preset} | {severity:g} | {_median(snrs['blind'])} | {_median(snrs['oracle'])} |", flush=True)
    Path(args.output).write_text(json.dumps({"records": [r.record_id for r in recs], "cells": results}))


if __name__ == "__main__":
    main()
