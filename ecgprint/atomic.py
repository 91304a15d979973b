"""Atomic file writes (temp file beside the target + rename): a crash or kill never leaves half a file behind;
and `inside`, the check that a path built from names stays in the output folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def inside(root: str | Path, path: str | Path) -> Path:
    """`path` resolved (`..` and links followed); ValueError naming it if that is not inside the folder `root`, so
    no name in a recipe and no link in an output folder can make a write land elsewhere."""
    folder, resolved = Path(root).resolve(), Path(path).resolve()
    if not resolved.is_relative_to(folder):
        raise ValueError(f"{path}: resolves to {resolved}, outside the output folder {folder}")
    return resolved


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temp path beside `path` to write to; renamed over `path` on success, removed on error."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write text (UTF-8) or bytes to `path` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data.encode() if isinstance(data, str) else data)
