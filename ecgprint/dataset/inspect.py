"""Summaries of a built dataset: counts per split, label and preset, size on disk, a contact sheet."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import cv2
import numpy as np
import pyarrow.parquet as pq

from ..image_decode import decode_image
from .manifest import Manifest

SHEET_TILE_WIDTH = 440


def summary(out: str | Path, n_rows: int = 5) -> dict:
    """Counts per split/label/preset, bytes, and the first rows' key columns."""
    manifest = Manifest.read(out)
    presets: Counter = Counter()
    first: list[dict] = []
    for shard in manifest.shards:
        table = pq.read_table(manifest.root / shard.file, columns=["id", "split", "labels", "preset", "severity",
                                                                   "layout", "width", "height"])
        presets.update(f"{p}" for p in table.column("preset").to_pylist())
        first += table.slice(0, max(0, n_rows - len(first))).to_pylist()
    return {
        "name": manifest.name, "rows": manifest.rows, "shards": len(manifest.shards), "bytes": manifest.total_bytes,
        "splits": {k: {"rows": v.rows, **v.labels} for k, v in manifest.splits.items()},
        "presets": dict(sorted(presets.items())), "quarantined": manifest.quarantined, "first_rows": first,
    }


def contact_sheet(out: str | Path, n: int, path: str | Path, columns: int = 4) -> int:
    """Write the first `n` images as a labelled grid PNG; returns how many were drawn."""
    manifest = Manifest.read(out)
    tiles = []
    for shard in manifest.shards:
        if len(tiles) >= n:
            break
        file = manifest.root / shard.file
        table = pq.read_table(file, columns=["id", "image", "labels", "preset", "severity"])
        for row in table.slice(0, n - len(tiles)).to_pylist():
            image = decode_image(row["image"]["bytes"], f"{file}: row {row['id']}")
            scale = SHEET_TILE_WIDTH / image.shape[1]
            tile = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            caption = f"{','.join(row['labels']) or '-'} | {row['preset']} {row['severity']:.2f}"
            tile = cv2.copyMakeBorder(tile, 24, 4, 4, 4, cv2.BORDER_CONSTANT, value=(255, 255, 255))
            cv2.putText(tile, caption, (6, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
            tiles.append(tile)
    if not tiles:
        return 0
    h = max(t.shape[0] for t in tiles)
    tiles = [cv2.copyMakeBorder(t, 0, h - t.shape[0], 0, 0, cv2.BORDER_CONSTANT, value=(255, 255, 255))
             for t in tiles]
    blank = np.full_like(tiles[0], 255)
    rows = [np.hstack((tiles[i:i + columns] + [blank] * columns)[:columns]) for i in range(0, len(tiles), columns)]
    cv2.imwrite(str(path), cv2.cvtColor(np.vstack(rows), cv2.COLOR_RGB2BGR))
    return len(tiles)
