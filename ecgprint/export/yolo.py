"""YOLO export in the Ultralytics layout: `images/<split>/`, `labels/<split>/<page>.txt` (class cx cy w h, each
normalised to the image size) and `data.yaml` naming the splits and the classes (CATEGORIES order)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from ..atomic import inside, write_atomic
from .objects import CATEGORIES, page_objects
from .source import Page


def label_lines(page: Page) -> list[str]:
    """One `class cx cy w h` line per object; box edges are at pixel-centre coordinates +- 0.5 (image corner 0)."""
    width, height = page.truth.width, page.truth.height
    lines = []
    for obj in page_objects(page.truth):
        x0, y0, x1, y1 = obj.box
        cx, cy = (x0 + x1) / 2 + 0.5, (y0 + y1) / 2 + 0.5
        lines.append(f"{obj.category_id} {cx / width:.6f} {cy / height:.6f} "
                     f"{(x1 - x0) / width:.6f} {(y1 - y0) / height:.6f}")
    return lines


def data_yaml(splits: list[str]) -> str:
    """data.yaml: image folders relative to the file (Ultralytics' default root), val falling back to the first
    split when there is no `val` split (Ultralytics requires one), and the class names."""
    entries = {split: f"images/{split}" for split in splits}
    entries.setdefault("val", f"images/{splits[0]}")
    lines = ["# ecgprint export --format yolo (docs/exports.md)"]
    lines += [f"{key}: {json.dumps(value)}" for key, value in entries.items()]
    lines += [f"nc: {len(CATEGORIES)}", "names:"] + [f"  {k}: {json.dumps(name)}" for k, name in enumerate(CATEGORIES)]
    return "\n".join(lines) + "\n"


def export_yolo(pages: Iterable[Page], out: Path) -> int:
    """Write images, label files and data.yaml into `out`; returns the number of pages."""
    splits: list[str] = []
    count = 0
    for page in pages:
        if page.split not in splits:
            splits.append(page.split)
        write_atomic(inside(out, out / "images" / page.split / f"{page.name}.{page.fmt}"), page.image)
        write_atomic(inside(out, out / "labels" / page.split / f"{page.name}.txt"), "\n".join(label_lines(page)) + "\n")
        count += 1
    write_atomic(inside(out, out / "data.yaml"), data_yaml(splits))
    return count
