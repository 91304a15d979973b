"""PTB-XL (a folder holding `ptbxl_database.csv`): its WFDB records at 100 or 500 Hz, labelled from `scp_codes`.

Patient ids and the recommended stratified folds (`strat_fold`, kept in metadata) come from the table.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import RecordError
from ..labels import labels_from_scp
from ..record import Record
from . import INDEX_TABLES
from .item import SourceItem
from .tables import id_text, read_index
from .wfdb_source import read_wfdb, record_base

INDEX = INDEX_TABLES["ptbxl"]
FILENAME_COLUMN = {100: "filename_lr", 500: "filename_hr"}
COLUMNS = ("ecg_id", "patient_id", "scp_codes", "strat_fold", *FILENAME_COLUMN.values())


def list_records(root: str | Path, sampling_rate: int = 500) -> Iterator[SourceItem]:
    """List PTB-XL records in table order at `sampling_rate` 100 or 500 Hz; signals are read on load()."""
    if sampling_rate not in FILENAME_COLUMN:
        raise ValueError(f"PTB-XL sampling_rate must be one of {sorted(FILENAME_COLUMN)}, got {sampling_rate}")
    root = Path(root)
    csv_path = root / INDEX
    table = read_index(csv_path, COLUMNS, key="ecg_id")
    for row in table.to_dict("records"):
        base = record_base(root / str(row[FILENAME_COLUMN[sampling_rate]]))
        fold = pd.to_numeric(row["strat_fold"], errors="coerce")
        yield SourceItem(base.name, str(base) + ".hea", partial(_load, csv_path, base, row),
                         patient_id=id_text(row["patient_id"]) or "", fold=None if pd.isna(fold) else int(fold))


def _table_fields(csv_path: Path, row: dict[str, Any]) -> tuple[frozenset[str], dict[str, Any]]:
    """Labels and metadata from one table row; RecordError naming the table and the ecg_id if malformed."""
    ecg_id = id_text(row["ecg_id"])
    try:
        scp_codes = ast.literal_eval(str(row["scp_codes"]))
        if not isinstance(scp_codes, dict):
            raise TypeError
        labels = labels_from_scp(scp_codes)
    except (ValueError, TypeError, SyntaxError):
        problem = f"scp_codes {row['scp_codes']!r} is not a dict literal of {{statement: likelihood}}"
        raise RecordError(csv_path, f"ecg_id {ecg_id}: {problem}") from None
    try:
        fold = int(row["strat_fold"])
    except (ValueError, TypeError):
        raise RecordError(csv_path, f"ecg_id {ecg_id}: invalid strat_fold {row['strat_fold']!r}") from None
    return labels, {"ecg_id": ecg_id, "strat_fold": fold, "dx": str(row["scp_codes"])}


def _load(csv_path: Path, base: Path, row: dict[str, Any]) -> Record:
    labels, metadata = _table_fields(csv_path, row)
    rec, signal = read_wfdb(base)
    return Record(
        signal=signal,
        fs=rec.fs,
        leads=tuple(rec.sig_name),
        labels=labels,
        record_id=base.name,
        patient_id=id_text(row["patient_id"]),
        source="ptbxl",
        path=str(base) + ".hea",
        metadata=metadata,
    )
