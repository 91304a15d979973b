"""Open any supported ECG input as a lazy stream of Records, detecting the format from the path.

Detection: a folder holding `ptbxl_database.csv` is PTB-XL; one holding `exams.csv` is CODE-15%;
any other folder is searched recursively for WFDB headers; a file path (with or without extension,
existing or not) names one WFDB record.

Bad input never stops the iteration. `list_source` lists records cheaply (no signal is read) as
SourceItems whose `load()` raises RecordError for an unreadable or invalid record; `open_source`
loads them in turn and yields the RecordError in place of the Record, so callers quarantine it (or
print `error: <file>: <reason>`) and go on. Only a source that cannot be listed at all (an
unreadable or malformed index table, a folder with no records) raises RecordError from the
iterator itself. Items hold what loading needs (CODE-15% items share the open HDF5 part), so load
them in the process that listed them.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module
from pathlib import Path

from ..errors import RecordError
from ..record import Record
from .item import SourceItem

FORMATS = ("ptbxl", "code15", "wfdb")
# Reader modules by format, imported on first use: PTB-XL and CODE-15% pull in pandas and h5py, which a WFDB or
# synthetic build (and every worker process it starts) does not need.
_MODULES = {"ptbxl": "ptbxl", "code15": "code15", "wfdb": "wfdb_source"}
INDEX_TABLES = {"ptbxl": "ptbxl_database.csv", "code15": "exams.csv"}   # the file that marks each format


def detect_format(path: str | Path) -> str:
    """`ptbxl`, `code15` or `wfdb` for a path, by the index table a folder holds (see module docstring)."""
    path = Path(path)
    return next((name for name, index in INDEX_TABLES.items() if (path / index).is_file()), "wfdb")


def list_source(path: str | Path, **options) -> Iterator[SourceItem]:
    """Every record of the source at `path`, in deterministic order, without reading signals.

    `options` go to the format's lister: PTB-XL takes `sampling_rate` (100 or 500, default 500).
    """
    return import_module(f".{_MODULES[detect_format(path)]}", __package__).list_records(path, **options)


def open_source(path: str | Path, **options) -> Iterator[Record | RecordError]:
    """Load every record of the source at `path`, yielding a RecordError in place of each bad record."""
    for item in list_source(path, **options):
        try:
            yield item.load()
        except RecordError as error:
            yield error


__all__ = ["FORMATS", "SourceItem", "detect_format", "list_source", "open_source"]
