"""Digitization robustness study: the baseline digitizer (blind and with oracle geometry) on every page of a built
dataset, scored with the Challenge 2024 SNR against the row's stored signal; per-page CSV, per-cell JSON."""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from ..atomic import inside, write_atomic
from ..dataset.manifest import Manifest
from ..dataset.read import row_truth, stored_signals
from ..export.challenge2024 import unpadded
from ..image_decode import decode_image
from ..leads import STANDARD_LEADS
from ..truth import Truth
from .digitizer import digitize
from .score import json_float, mask_unplotted, nanmedian, score_signals
from .study_plots import plot_curves, plot_heatmap

MODES = ("blind", "oracle")


@dataclass(frozen=True)
class PageScore:
    """One page digitized in one mode: per-lead Challenge SNR (dB, STANDARD_LEADS order; NaN for a lead the page
    does not print, all NaN for an oracle run on a page without page_to_image) and whether the digitizer failed."""

    id: str
    preset: str
    severity: float
    mode: str
    snr_db: tuple[float, ...]
    failed: bool

    @property
    def median_snr_db(self) -> float:
        return nanmedian(self.snr_db)


def reference_signal(stored: np.ndarray, fs: float, truth: Truth) -> np.ndarray:
    """The stored signal [n, 12] without its centring zero pad (sample 0 = the record's start, as the digitizer's
    output), NaN outside the samples each lead is printed over: the truth's windows (t_start..t_end, seconds)
    taken at the stored rate `fs`, the way the renderer turns times into samples. A record longer than the stored
    length was cropped, not padded, and would be misaligned: recipes for this study store whole records."""
    windows = [{"lead": lead.lead, "sample_start": math.ceil(lead.t_start * fs - 1e-9),
                "sample_end": math.ceil(lead.t_end * fs - 1e-9)} for lead in truth.leads]
    return mask_unplotted(unpadded(stored).astype(np.float64), STANDARD_LEADS, {"leads": windows})


def score_page(image: np.ndarray, reference: np.ndarray, fs: float, oracle: dict | None) -> tuple[list[float], bool]:
    """Per-lead SNRs of one digitization of `image` (blind if `oracle` is None) and whether it failed (raised); a
    failed digitization scores as an all-zero output, as the Challenge scores a missing one."""
    try:
        signal, failed = digitize(image, fs, oracle).signal, False
    except Exception:   # a refusal (ValueError) or a digitizer bug on one page must not end a study of hundreds
        signal, failed = np.zeros_like(reference), True
    score = score_signals(reference, STANDARD_LEADS, signal, STANDARD_LEADS, fs)
    return [s.snr_db for s in score.leads], failed


def row_groups(root: str | Path, split: str | None) -> Iterator[list[tuple[dict, np.ndarray]]]:
    """Every row group of the dataset (or of one split) in manifest order, as (row without its signal, stored
    signal [n, 12]) pairs."""
    manifest = Manifest.read(root)
    for path in (manifest.root / s.file for s in manifest.shards if s.rows and split in (None, s.split)):
        parquet = pq.ParquetFile(path, memory_map=True)
        for group in range(parquet.num_row_groups):
            table = parquet.read_row_group(group)
            yield list(zip(table.drop_columns(["signal"]).to_pylist(), stored_signals(table)))


def page_scores(row: dict, stored: np.ndarray, modes: tuple[str, ...]) -> list[PageScore]:
    """One PageScore per mode for one dataset row; ValueError naming the row for an undecodable image."""
    where = f"row {row['id']}"
    fs = float(row["fs"])
    truth = row_truth(row["truth"])
    image = decode_image(row["image"]["bytes"], where)
    reference = reference_signal(stored, fs, truth)
    out = []
    for mode in modes:
        if mode == "oracle" and truth.page_to_image is None:     # a lens/wrinkle warp: no oracle geometry
            snrs, failed = [math.nan] * len(STANDARD_LEADS), False
        else:
            oracle = None if mode == "blind" else {"config": json.loads(row["render_config"]),
                                                   "page_to_image": truth.page_to_image.tolist()}
            snrs, failed = score_page(image, reference, fs, oracle)
        out.append(PageScore(row["id"], row["preset"], round(float(row["severity"]), 4), mode, tuple(snrs), failed))
    return out


def run_study(root: str | Path, split: str | None = None, modes: tuple[str, ...] = MODES, workers: int = 1,
              progress: bool | None = None) -> list[PageScore]:
    """Every page of the dataset digitized in every mode, in dataset order whatever `workers` (processes, one
    row group at a time); a tqdm bar on stderr, off when stderr is not a terminal unless `progress` says."""
    from tqdm import tqdm
    manifest = Manifest.read(root)
    total = manifest.rows if split is None else manifest.split_rows(split)
    if total == 0:
        raise ValueError(f"{root}: no rows" + ("" if split is None else f" in split {split!r}"))
    scores = []
    with (tqdm(total=total, unit="page", desc="digitizing", file=sys.stderr,
               disable={True: False, False: True, None: None}[progress]) as bar,
          ProcessPoolExecutor(workers) if workers > 1 else nullcontext() as pool):
        for rows in row_groups(root, split):
            jobs = [(row, stored, modes) for row, stored in rows]
            for page in (pool.map(_page_job, jobs) if pool else map(_page_job, jobs)):
                scores += page
                bar.update(1)
    return scores


def _page_job(job: tuple[dict, np.ndarray, tuple[str, ...]]) -> list[PageScore]:
    return page_scores(*job)


def summarise(scores: list[PageScore]) -> list[dict]:
    """Per (preset, severity, mode) cell: median and IQR of the pooled per-lead SNRs (NaN leads left out), the
    number of pages and of failed digitizations; cells in first-seen preset order, then severity, then mode."""
    presets = list(dict.fromkeys(s.preset for s in scores))
    cells: dict[tuple, list[PageScore]] = {}
    for s in sorted(scores, key=lambda s: (presets.index(s.preset), s.severity, MODES.index(s.mode))):
        cells.setdefault((s.preset, s.severity, s.mode), []).append(s)
    out = []
    for (preset, severity, mode), pages in cells.items():
        values = np.array([v for p in pages for v in p.snr_db], np.float64)
        values = values[~np.isnan(values)]
        q25, median, q75 = np.percentile(values, [25, 50, 75]) if values.size else (math.nan,) * 3
        out.append({"preset": preset, "severity": severity, "mode": mode, "pages": len(pages),
                    "failed": sum(p.failed for p in pages), "leads_scored": int(values.size),
                    "median_snr_db": json_float(median), "q25_snr_db": json_float(q25),
                    "q75_snr_db": json_float(q75)})
    return out


def to_csv(scores: list[PageScore]) -> str:
    """One line per page and mode: id, preset, severity, mode, failed, median SNR, one SNR column per lead."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", "preset", "severity", "mode", "failed", "median_snr_db",
                     *(f"snr_{lead}" for lead in STANDARD_LEADS)])
    for s in scores:
        writer.writerow([s.id, s.preset, f"{s.severity:g}", s.mode, int(s.failed), _cell(s.median_snr_db),
                         *(_cell(v) for v in s.snr_db)])
    return buffer.getvalue()


def write_study(scores: list[PageScore], root: str | Path, out: str | Path) -> list[Path]:
    """study.csv, study.json, curves.png and heatmap.png in the folder `out`; their paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cells = summarise(scores)
    summary = {"dataset": str(root), "metric": "Challenge 2024 SNR (dB), per lead, pooled over the cell's pages",
               "pages": len({s.id for s in scores}), "cells": cells}
    paths = [inside(out, out / "study.csv"), inside(out, out / "study.json")]
    write_atomic(paths[0], to_csv(scores))
    write_atomic(paths[1], json.dumps(summary, indent=1) + "\n")
    return paths + [plot_curves(cells, inside(out, out / "curves.png")),
                    plot_heatmap(cells, inside(out, out / "heatmap.png"))]


def _cell(value: float) -> str:
    return "" if math.isnan(value) else f"{value:.3f}"
