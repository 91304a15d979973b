"""Index tables (PTB-XL `ptbxl_database.csv`, CODE-15% `exams.csv`): read them with one-line errors."""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..errors import RecordError


def read_index(csv_path: Path, columns: Iterable[str], key: str) -> pd.DataFrame:
    """Read `csv_path`, check it has `columns` and that `key` is unique; RecordError naming the file if not."""
    try:
        table = pd.read_csv(csv_path)
    except (OSError, ValueError) as exc:
        raise RecordError(csv_path, f"cannot read index table: {exc}") from None
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise RecordError(csv_path, f"missing column(s) {missing}")
    duplicated = table[key][table[key].duplicated()]
    if len(duplicated):
        raise RecordError(csv_path, f"duplicate {key} value(s) {duplicated.head(5).tolist()}")
    return table


def id_text(value: object) -> str | None:
    """An identifier as text: 15709.0 -> "15709" (pandas reads integer ids with gaps as floats); NaN -> None."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() or None
