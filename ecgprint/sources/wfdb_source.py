"""WFDB records (`.hea` + `.dat`/`.mat`, incl. PhysioNet Challenge and LUDB) as Records in mV.

Labels come from the header comments: `#Dx:` (SNOMED-CT codes or CPSC abbreviations) or LUDB's
free-text `<diagnoses>` lines. WFDB headers carry no patient id, so `patient_id` is the record id.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import wfdb

from ..errors import RecordError
from ..labels import labels_from_dx, labels_from_text
from ..record import Record
from .item import SourceItem

WFDB_EXTENSIONS = (".hea", ".dat", ".mat")
# Physical units a header may give, as a factor to mV. WFDB's default (no unit in the header) is mV.
UNIT_TO_MV = {"mv": 1.0, "uv": 1e-3, "µv": 1e-3, "μv": 1e-3, "v": 1e3}

_COMMENT_FIELD = re.compile(r"^<?\s*([A-Za-z]+)\s*>?\s*:\s*(.*)$")


MAX_DURATION_S = 600


def record_base(path: str | Path) -> Path:
    """The record path without extension: `ludb/1`, `ludb/1.hea` and `ludb/1.dat` all name `ludb/1`."""
    path = Path(path)
    return path.with_suffix("") if path.suffix.lower() in WFDB_EXTENSIONS else path


def read_wfdb(base: Path) -> tuple[wfdb.Record, np.ndarray]:
    """Read a WFDB record and its physical signal in mV [n_samples, n_channels].

    Library errors become a RecordError naming the header file.
    """
    hea = str(base) + ".hea"
    _check_record_line(Path(hea))
    try:
        header = wfdb.rdheader(str(base))
    except Exception as exc:  # wfdb raises many types (HeaderSyntaxError, ValueError, OSError, ...)
        raise RecordError(hea, _header_problem(exc)) from None
    if header.sig_len and header.fs and header.sig_len / header.fs > MAX_DURATION_S:
        # checked on the header, before reading: a multi-hour Holter file would otherwise fill memory
        raise RecordError(hea, f"duration {header.sig_len / header.fs:.0f} s exceeds the {MAX_DURATION_S} s limit "
                               "for a 12-lead ECG record")
    try:
        rec = wfdb.rdrecord(str(base), physical=True)
    except Exception as exc:
        raise RecordError(hea, f"unreadable signal: {_describe(exc)}") from None
    if rec.p_signal is None or rec.p_signal.ndim != 2:
        raise RecordError(hea, "header describes no signal")
    scale = []
    for name, unit in zip(rec.sig_name or [], rec.units or []):
        factor = UNIT_TO_MV.get(str(unit).strip().lower())
        if factor is None:
            raise RecordError(hea, f"lead {name} has unit {unit!r}; expected mV, uV or V")
        scale.append(factor)
    if len(scale) != rec.p_signal.shape[1]:
        raise RecordError(hea, "header gives no lead name or unit for every channel")
    return rec, rec.p_signal * np.asarray(scale)


_FS_TOKEN = re.compile(r"^\d+(\.\d*)?(/\d+(\.\d*)?)?(\(-?\d+(\.\d*)?\))?$")


def _check_record_line(hea: Path) -> None:
    """Reject a record line whose frequency or length is not a number: wfdb silently falls back to 250 Hz."""
    try:
        with open(hea, "rb") as f:
            text = f.read(65536).decode("ascii")
    except FileNotFoundError:
        return   # reported by wfdb.rdheader with the usual message
    except (OSError, UnicodeDecodeError):
        raise RecordError(hea, "invalid header: not a text file") from None
    line = next((ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), "")
    tokens = line.split()
    if len(tokens) >= 3 and not _FS_TOKEN.match(tokens[2]):
        raise RecordError(hea, f"invalid header: sampling frequency {tokens[2]!r} is not a number")
    if len(tokens) >= 4 and not tokens[3].isdigit():
        raise RecordError(hea, f"invalid header: number of samples {tokens[3]!r} is not an integer")


def _header_problem(exc: Exception) -> str:
    if isinstance(exc, FileNotFoundError):
        return "header file not found"
    return f"invalid header: {_describe(exc)}"


def _describe(exc: Exception) -> str:
    if isinstance(exc, FileNotFoundError) and exc.filename:
        return f"file not found: {exc.filename}"
    return str(exc) or type(exc).__name__


def parse_comments(comments: list[str]) -> tuple[dict[str, str], list[str]]:
    """Split header comments into `key: value` fields (lower-case keys) and LUDB diagnosis lines.

    Challenge headers: `Age: 80`, `Sex: Male`, `Dx: 164889003`. LUDB: `<age>: 51`, `<sex>: F`, then
    `<diagnoses>:` followed by one diagnosis per line (which may contain colons themselves).
    """
    fields: dict[str, str] = {}
    diagnoses: list[str] = []
    in_diagnoses = False
    for line in comments:
        text = line.strip()
        if in_diagnoses:
            if text:
                diagnoses.append(text)
            continue
        match = _COMMENT_FIELD.match(text)
        if match:
            key = match.group(1).lower()
            if key == "diagnoses":
                in_diagnoses = True
            else:
                fields.setdefault(key, match.group(2).strip())
    return fields, diagnoses


def _metadata(fields: dict[str, str], diagnoses: list[str]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    if fields.get("age", "").isdigit():
        meta["age"] = int(fields["age"])
    if fields.get("sex"):
        meta["sex"] = fields["sex"]
    dx = " | ".join(diagnoses) if diagnoses else fields.get("dx")
    if dx:
        meta["dx"] = dx
    return meta


def load_record(path: str | Path) -> Record:
    """Read one WFDB record (path with or without extension) as a Record; RecordError if unreadable/invalid."""
    base = record_base(path)
    rec, signal = read_wfdb(base)
    fields, diagnoses = parse_comments(rec.comments or [])
    return Record(
        signal=signal,
        fs=rec.fs,
        leads=tuple(rec.sig_name),
        labels=labels_from_dx(fields.get("dx", "")) | labels_from_text(diagnoses),
        record_id=base.name,
        patient_id=base.name,
        source="wfdb",
        path=str(base) + ".hea",
        metadata=_metadata(fields, diagnoses),
    )


def list_records(path: str | Path) -> Iterator[SourceItem]:
    """List WFDB records: every `.hea` under a folder (recursive, sorted), or the one record a path names.

    A folder without any header raises RecordError: it is not a source at all.
    """
    path = Path(path)
    bases = sorted(p.with_suffix("") for p in path.rglob("*.hea")) if path.is_dir() else [record_base(path)]
    if not bases:
        raise RecordError(path, "folder holds no WFDB header (.hea), ptbxl_database.csv or exams.csv")
    for base in bases:
        yield SourceItem(base.name, str(base) + ".hea", partial(load_record, base))
