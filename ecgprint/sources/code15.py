"""CODE-15% (a folder holding `exams.csv` and HDF5 parts): 400 Hz tracings in mV, labels from the table.

Each part (`exams_part*.hdf5`) holds `tracings` float32 [N, 4096, 12] (standard lead order, zero
padded at both ends; the padding is stripped) and `exam_id` [N]. Published parts end with a
placeholder row whose exam_id is 0; it is not an exam and is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pandas as pd

from ..errors import RecordError
from ..labels import CODE15_COLUMNS
from ..leads import STANDARD_LEADS
from ..record import Record
from . import INDEX_TABLES
from .item import SourceItem, failing_item
from .tables import id_text, read_index

INDEX = INDEX_TABLES["code15"]
FS = 400.0
COLUMNS = ("exam_id", "patient_id", *CODE15_COLUMNS)
PLACEHOLDER_EXAM_ID = 0


class _Part:
    """One HDF5 part, opened once at listing; rows are read on demand. h5py closes it when unreferenced."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.file = h5py.File(path, "r")
            self.tracings = self.file["tracings"]
            self.exam_ids = self.file["exam_id"][()]
        except (OSError, KeyError, ValueError) as exc:
            raise RecordError(path, f"cannot read HDF5 part: {exc}") from None
        if self.tracings.ndim != 3 or self.tracings.shape[2] != len(STANDARD_LEADS):
            raise RecordError(path, f"tracings has shape {self.tracings.shape}, expected [N, samples, 12]")
        if self.exam_ids.shape != (self.tracings.shape[0],):
            raise RecordError(path, f"exam_id has shape {self.exam_ids.shape} for {self.tracings.shape[0]} tracings")

    def tracing(self, row: int) -> np.ndarray:
        try:
            return self.tracings[row]
        except (OSError, ValueError) as exc:
            raise RecordError(self.path, f"row {row}: cannot read tracing: {exc}") from None


def strip_zero_padding(signal: np.ndarray) -> np.ndarray:
    """Drop leading and trailing samples where every lead is exactly 0."""
    active = np.flatnonzero(np.any(signal != 0, axis=1))
    return signal[active[0]:active[-1] + 1] if active.size else signal[:0]


def _flag(value: Any) -> bool:
    """A label cell: True/False (pandas reads the published "True"/"False") or 0/1."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if value in (0, 1):
        return bool(value)
    raise ValueError(f"expected True/False or 0/1, got {value!r}")


def _load(part: _Part, row: int, exam: dict[str, Any]) -> Record:
    exam_id = id_text(exam["exam_id"])
    try:
        return Record(
            signal=strip_zero_padding(part.tracing(row)),
            fs=FS,
            leads=STANDARD_LEADS,
            labels=frozenset(c for c in CODE15_COLUMNS if _flag(exam[c])),
            record_id=exam_id,
            patient_id=id_text(exam["patient_id"]),
            source="code15",
            path=str(part.path),
            metadata=_metadata(exam, row),
        )
    except ValueError as exc:  # a malformed table cell, or a RecordError (also a ValueError) from the signal
        reason = exc.reason if isinstance(exc, RecordError) else str(exc)
        raise RecordError(part.path, f"exam_id {exam_id}: {reason}") from None


def _metadata(exam: dict[str, Any], row: int) -> dict[str, Any]:
    meta: dict[str, Any] = {"exam_id": id_text(exam["exam_id"]), "row": row}
    if pd.notna(exam.get("age")):
        meta["age"] = int(exam["age"])
    if pd.notna(exam.get("is_male")):
        meta["sex"] = "M" if _flag(exam["is_male"]) else "F"
    if pd.notna(exam.get("normal_ecg")):
        meta["normal_ecg"] = _flag(exam["normal_ecg"])
    return meta


def list_records(root: str | Path) -> Iterator[SourceItem]:
    """List exams part by part (sorted part names, HDF5 row order), then table exams that have no tracing.

    Exams missing from the table or from every part, duplicated exam ids and unreadable parts are
    listed as items whose load() raises RecordError, so nothing is dropped silently.
    """
    root = Path(root)
    csv_path = root / INDEX
    table = read_index(csv_path, COLUMNS, key="exam_id")
    exams = {id_text(e["exam_id"]): e for e in table.to_dict("records")}
    seen: dict[str, str] = {}
    for part_path in sorted(root.glob("*.hdf5")):
        try:
            part = _Part(part_path)
        except RecordError as error:
            yield failing_item(part_path.name, error)
            continue
        for row, raw_id in enumerate(part.exam_ids.tolist()):
            if raw_id == PLACEHOLDER_EXAM_ID:
                continue
            exam_id = id_text(raw_id)
            if exam_id in seen:
                problem = f"exam_id {exam_id} at row {row} duplicates {seen[exam_id]}"
                yield failing_item(exam_id, RecordError(part_path, problem))
                continue
            seen[exam_id] = f"{part_path.name} row {row}"
            if exam_id in exams:
                yield SourceItem(exam_id, str(part_path), partial(_load, part, row, exams[exam_id]),
                                 patient_id=id_text(exams[exam_id]["patient_id"]) or "")
            else:
                problem = f"exam_id {exam_id} at row {row} is not listed in {INDEX}"
                yield failing_item(exam_id, RecordError(part_path, problem))
    for exam_id, exam in exams.items():
        if exam_id not in seen:
            named = f" (trace_file {exam['trace_file']})" if pd.notna(exam.get("trace_file")) else ""
            problem = f"exam_id {exam_id} has no tracing in any HDF5 part{named}"
            yield failing_item(exam_id, RecordError(csv_path, problem))
