"""Check a built dataset against its manifest: files, sha256, row counts, schema, decodable images."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..image_decode import decode_image
from ..labels import to_multi_hot
from .manifest import MANIFEST, Manifest, ManifestError
from .schema import shard_schema
from .worker import file_sha256


def _storage(schema: pa.Schema) -> list[tuple[str, pa.DataType]]:
    return [(f.name, f.type.storage_type if isinstance(f.type, pa.ExtensionType) else f.type) for f in schema]


def _row_problem(row: dict, where: str) -> str | None:
    """`where: problem` for a row whose image is undecodable, over the pixel cap or of another size than the row
    says, or whose labels and label vector disagree; None for a good row."""
    try:
        image = decode_image(row["image"]["bytes"], where)
    except ValueError as exc:
        return str(exc)
    if image.shape[:2] != (row["height"], row["width"]):
        return f"{where}: image is {image.shape[1]}x{image.shape[0]}, row says {row['width']}x{row['height']}"
    if to_multi_hot(row["labels"]).tolist() != row["label_vector"]:
        return f"{where}: labels and label_vector disagree"
    return None


def verify(out: str | Path) -> list[str]:
    """Every problem found, one line each naming the file (empty list: the dataset is intact)."""
    out = Path(out)
    try:
        manifest = Manifest.read(out)
    except ManifestError as exc:
        return [str(exc)]
    problems = []
    listed = {s.file for s in manifest.shards}
    for extra in sorted(p.relative_to(out).as_posix() for p in (out / "data").glob("*.parquet")):
        if extra not in listed:
            problems.append(f"{out / extra}: shard not listed in {MANIFEST}")
    expected = _storage(shard_schema(manifest.recipe["signal"]["samples"]))
    for shard in manifest.shards:
        path = out / shard.file
        if not path.exists():
            problems.append(f"{path}: missing")
            continue
        if path.stat().st_size != shard.bytes or file_sha256(path) != shard.sha256:
            problems.append(f"{path}: sha256/size differ from {MANIFEST} (modified or truncated)")
            continue
        try:
            table = pq.read_table(path)
        except (OSError, pa.ArrowException) as exc:
            problems.append(f"{path}: unreadable Parquet ({exc})")
            continue
        if _storage(table.schema) != expected:
            problems.append(f"{path}: schema differs from the shard schema")
            continue
        if table.num_rows != shard.rows:
            problems.append(f"{path}: {table.num_rows} rows, manifest says {shard.rows}")
        for row in table.select(["id", "image", "width", "height", "labels", "label_vector"]).to_pylist():
            problem = _row_problem(row, f"{path}: row {row['id']}")
            if problem:
                problems.append(problem)
    return problems
