"""Open input files only when they are regular files, with a byte cap: reading a FIFO hangs, and a device or a
link to /dev/zero never ends; the check follows links and is made before any open."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import RecordError

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def regular_file_size(path: str | Path, what: str = "file") -> int:
    """Size in bytes of `path` (links followed); RecordError(path, "<what> not found" / "... is not a regular
    file (a FIFO)" / the OS reason) if it is missing, unreadable or anything but a regular file."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise RecordError(path, f"{what} not found") from None
    except (OSError, ValueError) as exc:   # ValueError: a NUL byte in the path
        raise RecordError(path, f"{what}: {getattr(exc, 'strerror', None) or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        kind = next((name for test, name in _KINDS if test(st.st_mode)), "not a file")
        raise RecordError(path, f"{what} is not a regular file ({kind})")
    return st.st_size


def read_capped(path: str | Path, cap: int, what: str = "file") -> bytes:
    """The bytes of regular file `path`; RecordError if it is not one or holds more than `cap` bytes."""
    if regular_file_size(path, what) > cap:
        raise RecordError(path, f"{what} is larger than the {cap} byte cap")
    try:
        with open(path, "rb") as f:
            data = f.read(cap + 1)
    except OSError as exc:
        raise RecordError(path, f"{what}: {exc.strerror or exc}") from None
    if len(data) > cap:   # the file grew after the size check
        raise RecordError(path, f"{what} is larger than the {cap} byte cap")
    return data
