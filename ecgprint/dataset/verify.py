"""Check a built dataset against its manifest: files, sha256, row counts, schema, decodable images."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..labels import to_multi_hot
from .schema import shard_schema
from .worker import file_sha256

MAX_IMAGE_PIXELS = 8000 * 8000    # refuse to decode anything larger (decompression bombs)


def _storage(schema: pa.Schema) -> list[tuple[str, pa.DataType]]:
    return [(f.name, f.type.storage_type if isinstance(f.type, pa.ExtensionType) else f.type) for f in schema]


def _image_problem(data: bytes, width: int, height: int) -> str | None:
    buf = np.frombuffer(data, np.uint8)
    header = cv2.imdecode(buf, cv2.IMREAD_REDUCED_GRAYSCALE_8)
    if header is None:
        return "image does not decode"
    if width * height > MAX_IMAGE_PIXELS:
        return f"image of {width}x{height} px exceeds the {MAX_IMAGE_PIXELS} pixel cap"
    image = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    if image is None or image.shape[:2] != (height, width):
        got = None if image is None else f"{image.shape[1]}x{image.shape[0]}"
        return f"image is {got}, row says {width}x{height}"
    return None


def verify(out: str | Path) -> list[str]:
    """Every problem found, one line each naming the file (empty list: the dataset is intact)."""
    out = Path(out)
    try:
        manifest = json.loads((out / "manifest.json").read_text())
    except (OSError, json.JSONDecodeError) as exc:
        return [f"{out / 'manifest.json'}: cannot read manifest ({exc})"]
    problems = []
    listed = {s["file"] for s in manifest["shards"]}
    for extra in sorted(p.relative_to(out).as_posix() for p in (out / "data").glob("*.parquet")):
        if extra not in listed:
            problems.append(f"{out / extra}: shard not listed in manifest.json")
    expected = _storage(shard_schema(manifest["recipe"]["signal"]["samples"]))
    for shard in manifest["shards"]:
        path = out / shard["file"]
        if not path.exists():
            problems.append(f"{path}: missing")
            continue
        if path.stat().st_size != shard["bytes"] or file_sha256(path) != shard["sha256"]:
            problems.append(f"{path}: sha256/size differ from manifest.json (modified or truncated)")
            continue
        try:
            table = pq.read_table(path)
        except (OSError, pa.ArrowException) as exc:
            problems.append(f"{path}: unreadable Parquet ({exc})")
            continue
        if _storage(table.schema) != expected:
            problems.append(f"{path}: schema differs from the shard schema")
            continue
        if table.num_rows != shard["rows"]:
            problems.append(f"{path}: {table.num_rows} rows, manifest says {shard['rows']}")
        columns = table.select(["id", "image", "width", "height", "labels", "label_vector"]).to_pylist()
        for row in columns:
            problem = _image_problem(row["image"]["bytes"], row["width"], row["height"])
            if problem is None and to_multi_hot(row["labels"]).tolist() != row["label_vector"]:
                problem = "labels and label_vector disagree"
            if problem:
                problems.append(f"{path}: row {row['id']}: {problem}")
    return problems
