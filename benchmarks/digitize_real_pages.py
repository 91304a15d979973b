"""How well the deployed route reads the real-record benchmark's pages: every page of the folds whose stored signal is
the printed page itself (records no longer than the page: the stored signal keeps its zero pad at both ends; longer
records are stored as their centre, not the printed first 10 s) is read blind as digitize_then_classify.py reads it
(vizecg.page_signal), and each lead is compared with the stored signal by Pearson r at the best lag within +-30 ms
(amplitude-free: a 0.5 mV pulse read as 1 mV doubles the scale, not the shape); per page the median over its leads, a
refused page 0. Prints the mean r and the share of pages with r >= 0.8 per variant, layout, grid and preset, paired
with --compare (an earlier CSV). --digitized DIR scores the reads benchmarks/digitize_then_classify.py cached (its
OUT/digitized) instead of reading the pages again.

    python benchmarks/digitize_real_pages.py --real real_benchmark --splits fold0,fold1 -o pages.csv \
        [--digitized dtc/digitized] [--compare earlier.csv] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from digitize_then_classify import SPEC, digitized_page  # benchmarks/ is on sys.path when run as a script

from ecgprint.batch import ordered_map
from ecgprint.dataset.manifest import Manifest
from ecgprint.dataset.read import stored_signals
from vizecg.page_signal import page_offset

MAX_LAG_S = 0.03
GROUPS = ("variant", "layout", "grid", "preset")


def page_r(read: np.ndarray, stored: np.ndarray, fs: float) -> float:
    """Median over the leads read of their best-lag Pearson r with the stored signal."""
    lags = range(-int(MAX_LAG_S * fs), int(MAX_LAG_S * fs) + 1)
    out = []
    for k in range(read.shape[1]):
        at = np.flatnonzero(read[:, k] != 0)
        if at.size < fs / 4:
            continue
        best = -1.0
        for lag in lags:
            ok = (at + lag >= 0) & (at + lag < len(stored))
            a, b = read[at[ok], k], stored[at[ok] + lag, k]
            a, b = a - a.mean(), b - b.mean()
            norm = float(np.sqrt(np.dot(a, a) * np.dot(b, b)))
            best = max(best, float(np.dot(a, b)) / norm if norm > 0 else 0.0)
        out.append(best)
    return float(np.median(out)) if out else 0.0


def measure(real: Path, split: str, workers: int, digitized: Path | None) -> pd.DataFrame:
    """One row per page of `split` that prints its whole stored signal: id, groups, status, r."""
    pad = page_offset(SPEC)
    rows, images, stored = [], [], []
    for file in Manifest.read(real).files(split):
        columns = ["id", "signal", "layout", "preset", "render_config"] + ([] if digitized else ["image"])
        table = pq.read_table(file, columns=columns)
        signals = stored_signals(table)
        for i, row in enumerate(table.select(["id", "layout", "preset", "render_config"]).to_pylist()):
            if np.any(signals[i, :pad]) or np.any(signals[i, -pad:]):
                continue                                   # a longer record: stored centre != printed start
            config = json.loads(row["render_config"])
            rhythm = config.get("rhythm") or []
            rows.append({"id": row["id"], "variant": row["id"].split("/")[2], "grid": config["paper"]["grid"],
                         "layout": row["layout"] + ("+" + ",".join(rhythm) if rhythm else ""),
                         "preset": row["preset"]})
            if not digitized:
                images.append(table["image"][i].as_py()["bytes"])
            stored.append(signals[i])
    reads = ordered_map(digitized_page, images, workers) if not digitized else _cached(digitized / f"{split}.npz", rows)
    for row, (read, status), signal in zip(rows, reads, stored):
        row["status"] = status
        row["r"] = 0.0 if status.startswith("refused") else page_r(read.astype(np.float32), signal, SPEC.signal_fs)
    return pd.DataFrame(rows)


def _cached(path: Path, rows: list[dict]) -> list[tuple[np.ndarray, str]]:
    """The reads of `rows` from a digitize_then_classify cache, as digitized_page returns them."""
    with np.load(path) as got:
        where = {page: i for i, page in enumerate(got["ids"])}
        picked = [where[row["id"]] for row in rows]
        return list(zip(got["signals"][picked], got["status"][picked].astype(str)))


def report(pages: pd.DataFrame, earlier: pd.DataFrame | None) -> str:
    """Markdown tables: mean r and share r >= 0.8, overall and per group (with the earlier run beside it)."""
    if earlier is not None:
        pages = pages.merge(earlier[["id", "r"]].rename(columns={"r": "r_before"}), on="id", how="left")
    lines = []
    for group in (None, *GROUPS):
        parts = [("all", pages)] if group is None else list(pages.groupby(group))
        lines += [f"| {group or 'pages'} | n | mean r | r >= 0.8 |" + (" before: mean r | r >= 0.8 |"
                                                                      if earlier is not None else ""),
                  "| --- | ---: | ---: | ---: |" + (" ---: | ---: |" if earlier is not None else "")]
        for name, part in parts:
            cells = f"| {name} | {len(part)} | {part['r'].mean():.3f} | {(part['r'] >= 0.8).mean():.1%} |"
            if earlier is not None:
                cells += f" {part['r_before'].mean():.3f} | {(part['r_before'] >= 0.8).mean():.1%} |"
            lines.append(cells)
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, required=True)
    parser.add_argument("--splits", default="fold0", help="comma-separated splits (folds) to measure")
    parser.add_argument("-o", "--out", type=Path, required=True, help="CSV of the per-page results")
    parser.add_argument("--compare", type=Path, default=None, help="an earlier CSV of this script, paired by id")
    parser.add_argument("--digitized", type=Path, default=None,
                        help="digitize_then_classify.py's OUT/digitized: score its cached reads")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    pages = pd.concat([measure(args.real, split, args.workers, args.digitized) for split in args.splits.split(",")],
                      ignore_index=True)
    pages.to_csv(args.out, index=False)
    print(report(pages, pd.read_csv(args.compare) if args.compare else None))


if __name__ == "__main__":
    main()
