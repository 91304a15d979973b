"""Build one shard: load each record once, render its variants, write the Parquet file atomically.

A shard's content depends only on the recipe and the shard spec, so any process or cluster worker can
(re)build it and get the same bytes. Bad records are reported for quarantine, never raised.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pyarrow.parquet as pq

from ..atomic import atomic_path, inside, write_atomic
from ..errors import RecordError
from ..heap import keep_page_buffers
from ..labels import LABELS, to_multi_hot
from ..layout import fit_duration
from ..plausibility import check_record
from ..record import Record
from ..render import RenderConfig, encode_image, render
from ..style import seeded_style
from .plan import RowSpec, ShardSpec, row_seed, source_items
from .recipe import Recipe, name_problem
from .schema import rows_to_table
from .signal import stored_signal

STATE_DIR = ".ecgprint-build"     # per-shard reports live here until the manifest is written
# Dictionary-encode only the low-cardinality columns; float signals use BYTE_STREAM_SPLIT, which with zstd
# makes them ~40 % smaller and 10x faster to write than the default dictionary attempt (docs/performance.md).
PARQUET_OPTIONS = {
    "compression": "zstd",
    "use_dictionary": ["source", "split", "labels.list.element", "image_format", "leads.list.element", "layout",
                       "preset"],
    "use_byte_stream_split": ["signal.list.element.list.element"] + [
        f"truth.leads.list.element.{axis}.list.element" for axis in ("x", "y")],
}


@dataclass
class ShardReport:
    """What a shard build produced: file facts, per-label counts and quarantined records."""

    name: str
    split: str
    rows: int
    bytes: int
    sha256: str
    label_counts: dict[str, int] = field(default_factory=dict)
    quarantine: list[dict[str, str]] = field(default_factory=list)
    filtered: int = 0


def report_path(out: Path, name: str) -> Path:
    """Where shard `name`'s report lives under the output folder `out` (ValueError if that would leave it)."""
    return inside(out, out / STATE_DIR / f"{name}.json")


def shard_path(out: Path, name: str) -> Path:
    """Where shard `name`'s Parquet file lives under the output folder `out` (ValueError if that would leave it)."""
    return inside(out, out / "data" / f"{name}.parquet")


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _row_id(recipe: Recipe, spec: RowSpec, record_id: str, window: int | None) -> str:
    variant = recipe.variants[spec.variant]
    base = f"{recipe.sources[spec.source].name}/{record_id}/{variant.name}/{spec.cell}/{spec.copy}"
    return base if window is None else f"{base}/w{window}"


def _severity(value: Any, seed: int) -> float:
    if isinstance(value, tuple):   # a {min, max} range: drawn from a stream separate from the render's
        lo, hi = value
        return float(lo + (hi - lo) * np.random.default_rng([seed, 1]).random())
    return float(value)


def row_config(recipe: Recipe, spec: RowSpec, record_id: str,
               window: tuple[int, float] | None = None) -> tuple[str, int, RenderConfig]:
    """(row id, render seed, render config) of one row; a {min, max} severity and a random style are drawn from the
    row seed, each from its own stream (the style from the variant's style_seed instead, when it has one).
    `window` (index, start s) is set for variants with windows = "all"."""
    variant = recipe.variants[spec.variant]
    preset, severity = variant.expand()[spec.cell]
    row_id = _row_id(recipe, spec, record_id, None if window is None else window[0])
    seed = row_seed(recipe.seed, row_id)
    start = {} if window is None else {"start": window[1]}
    config = RenderConfig.from_dict({**variant.render, **start, "preset": preset,
                                     "severity": _severity(severity, seed)})
    if variant.style == "random":
        config = seeded_style(seed if variant.style_seed is None else variant.style_seed, config)
    return row_id, seed, config


def shown_seconds(config: RenderConfig) -> float:
    """Seconds of signal one page of `config` prints per row."""
    return fit_duration(config.paper, config.duration, config.style, config.label_gutter_mm())


def page_windows(recipe: Recipe, spec: RowSpec, record: Record) -> list[tuple[int, float] | None]:
    """The record windows one row spec prints: [None] (the variant's own start), or with windows = "all" every
    whole page-length window (index, start s), at least the first."""
    variant = recipe.variants[spec.variant]
    if variant.windows == "first":
        return [None]
    base = RenderConfig.from_dict({**variant.render, "preset": "clean", "severity": 0.0})
    shown = shown_seconds(base)
    count = max(1, int((record.duration - base.start) / shown + 1e-6))
    return [(k, base.start + k * shown) for k in range(count)]


def render_rows(recipe: Recipe, spec: RowSpec, record: Record, split: str, signal: np.ndarray) -> list[dict[str, Any]]:
    """The shard rows of one row spec: per window, the printed image of `record` (augmented if the variant says
    so) with its truth and the signal it shows (the whole record's stored `signal` for windows = "first")."""
    variant = recipe.variants[spec.variant]
    rows = []
    for window in page_windows(recipe, spec, record):
        row_id, seed, config = row_config(recipe, spec, record.record_id, window)
        page_record = record
        if variant.augment.active:   # the levels drawn are not stored: the row seed and the recipe redraw them
            page_record = variant.augment.apply(record, np.random.default_rng([seed, 2]))
        page_signal = signal
        if window is not None:
            page_signal = stored_signal(page_record, recipe.signal_fs, recipe.signal_samples,
                                        (window[1], shown_seconds(config)))
        elif page_record is not record:
            page_signal = stored_signal(page_record, recipe.signal_fs, recipe.signal_samples)
        rows.append(_row(recipe, spec, page_record, split, page_signal, row_id, seed, config))
    return rows


def _row(recipe: Recipe, spec: RowSpec, record: Record, split: str, signal: np.ndarray, row_id: str, seed: int,
         config: RenderConfig) -> dict[str, Any]:
    variant = recipe.variants[spec.variant]
    result = render(record, config, seed)
    image = encode_image(result.image, variant.format, variant.quality)
    height, width = result.image.shape[:2]
    return {
        "id": row_id, "record_id": record.record_id, "patient_id": record.patient_id or record.record_id,
        "source": recipe.sources[spec.source].name, "split": split,
        "labels": [lab for lab in LABELS if lab in record.labels],
        "label_vector": to_multi_hot(record.labels).tolist(),
        "image": {"bytes": image, "path": f"{row_id.replace('/', '__')}.{variant.format}"},
        "image_format": variant.format, "width": width, "height": height,
        "signal": signal, "fs": recipe.signal_fs, "leads": list(record.leads),
        "layout": config.layout if isinstance(config.layout, str) else "custom",
        "preset": config.preset, "severity": config.severity, "seed": seed,
        "render_config": json.dumps(config.to_dict(), sort_keys=True),
        "artifacts": json.dumps(result.meta["artifacts"], sort_keys=True),
        "truth": result.truth,
    }


def build_shard(recipe: Recipe, shard: ShardSpec, out: str) -> ShardReport:
    """Render every row of `shard`, write `out/data/<name>.parquet` (temp name, then rename) and its report."""
    keep_page_buffers()    # freed page arrays serve the next row instead of being faulted in anew
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)   # one core per worker; parallelism comes from the executor
    try:
        return _build_shard(recipe, shard, Path(out))
    finally:
        cv2.setNumThreads(threads)


def _build_shard(recipe: Recipe, shard: ShardSpec, out_dir: Path) -> ShardReport:
    rows: list[dict[str, Any]] = []
    quarantine: dict[tuple[int, int], dict[str, str]] = {}
    filtered: set[tuple[int, int]] = set()
    cache: tuple[tuple[int, int], Record, np.ndarray] | None = None
    for spec in shard.rows:
        key = (spec.source, spec.item)
        if key in quarantine or key in filtered:
            continue
        item = source_items(recipe, spec.source)[spec.item]
        where = {"source": recipe.sources[spec.source].name, "record": item.path or item.record_id}
        try:
            if cache is None or cache[0] != key:
                record = item.load()
                check_record(record)
                if problem := name_problem(record.record_id):   # the id becomes part of row ids and image names
                    raise RecordError(where["record"], f"record id: {problem}")
                cache = (key, record, stored_signal(record, recipe.signal_fs, recipe.signal_samples))
        except RecordError as exc:
            quarantine[key] = {**where, "stage": "read", "reason": exc.reason}
            continue
        except Exception as exc:   # a library failing on bad bytes must not stop the build
            quarantine[key] = {**where, "stage": "read", "reason": f"{type(exc).__name__}: {exc}"}
            continue
        record, signal = cache[1], cache[2]
        if recipe.labels_filter and not record.labels & set(recipe.labels_filter):
            filtered.add(key)
            continue
        try:
            rows.extend(render_rows(recipe, spec, record, shard.split, signal))
        except Exception as exc:
            quarantine[key] = {**where, "stage": "render", "reason": f"{type(exc).__name__}: {exc}"}
    with atomic_path(shard_path(out_dir, shard.name)) as tmp:   # the report is written before the shard
        pq.write_table(rows_to_table(rows, recipe.signal_samples), tmp, **PARQUET_OPTIONS,
                       row_group_size=recipe.row_group_rows)
        counts = {lab: sum(lab in row["labels"] for row in rows) for lab in LABELS}
        report = ShardReport(shard.name, shard.split, len(rows), tmp.stat().st_size, file_sha256(tmp), counts,
                             list(quarantine.values()), len(filtered))
        write_atomic(report_path(out_dir, shard.name), json.dumps(report.__dict__, sort_keys=True, indent=1))
    return report
