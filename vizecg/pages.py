"""A split's stored signals as ecgprint Records, each with the render config its page was printed with, so a
study can print the same signals again on the same paper and layout at other print qualities."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from ecgprint.dataset.manifest import Manifest
from ecgprint.dataset.read import row_config, row_record, stored_signals
from ecgprint.record import Record
from ecgprint.render import RenderConfig

COLUMNS = ["record_id", "labels", "signal", "fs", "render_config"]


@dataclass(frozen=True)
class Page:
    """One record and the page config it was printed with in the dataset (artifacts included)."""

    record: Record
    config: RenderConfig


def split_pages(root: str | Path, split: str, limit: int | None = None) -> list[Page]:
    """The first `limit` distinct records of a split in shard order (a record printed in several rows counts
    once, with its first row's config); ValueError when the split has no rows."""
    pages: list[Page] = []
    seen: set[str] = set()
    for path in Manifest.read(root).files(split):
        shard = pq.ParquetFile(path, memory_map=True)
        for group in range(shard.num_row_groups):
            if limit is not None and len(pages) >= limit:
                return pages
            table = shard.read_row_group(group, columns=COLUMNS)
            signals = stored_signals(table)
            for k, row in enumerate(table.drop_columns(["signal"]).to_pylist()):
                if row["record_id"] in seen or (limit is not None and len(pages) >= limit):
                    continue
                seen.add(row["record_id"])
                pages.append(Page(row_record(row, signals[k]), row_config(row)))
    if not pages:
        raise ValueError(f"{root}: no rows in split {split!r}")
    return pages


def with_dpi(config: RenderConfig, dpi: float | None) -> RenderConfig:
    """The config printed at another resolution (None keeps it)."""
    return config if dpi is None else dataclasses.replace(config, paper=dataclasses.replace(config.paper, dpi=dpi))
