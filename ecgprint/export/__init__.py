"""Standard annotation exports of a built dataset or a folder of `ecgprint render` outputs: COCO, YOLO (Ultralytics)
and the PhysioNet Challenge 2024 layout (docs/exports.md)."""

from __future__ import annotations

import importlib
from pathlib import Path

# Each format is a module of this package with `export_<format>(pages, out) -> int`, imported only when used, so
# `ecgprint export --help` loads nothing heavy and COCO/YOLO never load wfdb (and its pandas).
FORMATS = ("coco", "yolo", "challenge2024")


def export(source: str | Path, fmt: str, out: str | Path) -> int:
    """Export every page of `source` (dataset folder or render folder) to `out` in `fmt`; returns the page count.
    ValueError (one line naming the file) for bad input."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {list(FORMATS)}, got {fmt!r}")
    from .source import iter_pages
    writer = getattr(importlib.import_module(f"{__name__}.{fmt}"), f"export_{fmt}")
    return writer(iter_pages(source), Path(out))   # OUT and its folders appear with their first file
