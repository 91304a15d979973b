"""WFDB records (`.hea` + `.dat`/`.mat`, incl. PhysioNet Challenge and LUDB) as Records in mV, and Records
written back as WFDB.

Headers are decoded and parsed by wfdb_header.py and bounded by wfdb_bounds.py before any signal is read. The
common layout (every signal in format 16 in one file, e.g. LUDB, CPSC 2018, Challenge 2021) is read with numpy,
exactly as wfdb converts it; wfdb (whose import pulls in pandas, ~0.9 s) reads any other layout, and the
Challenge 2020/2021 dialect wfdb rejects (record line naming the `.mat` file) is read from its `.mat` with scipy.
Labels come from the header comments: `#Dx:` (SNOMED-CT codes or CPSC abbreviations) or LUDB's
free-text `<diagnoses>` lines. WFDB headers carry no patient id, so `patient_id` is the record id.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import RecordError
from ..labels import LABEL_TO_SNOMED, LABELS, labels_from_dx, labels_from_text, to_multi_hot
from ..leads import STANDARD_LEADS
from ..record import Record
from .item import SourceItem
from .wfdb_bounds import checked_sig_len
from .wfdb_header import Header, read_header

WFDB_EXTENSIONS = (".hea", ".dat", ".mat")
# Physical units a header may give, as a factor to mV. WFDB's default (no unit in the header) is mV.
UNIT_TO_MV = {"mv": 1.0, "uv": 1e-3, "µv": 1e-3, "μv": 1e-3, "v": 1e3}

_COMMENT_FIELD = re.compile(r"^<?\s*([A-Za-z]+)\s*>?\s*:\s*(.*)$")


WFDB_GAIN = 1000.0                       # ADC units per mV when writing: 1 uV quantisation
INT16_MAX = 32767
WFDB_MISSING = -32768                    # WFDB's missing-sample marker in format 16


def record_base(path: str | Path) -> Path:
    """The record path without extension: `ludb/1`, `ludb/1.hea` and `ludb/1.dat` all name `ludb/1`."""
    path = Path(path)
    return path.with_suffix("") if path.suffix.lower() in WFDB_EXTENSIONS else path


def read_wfdb(base: Path) -> tuple[Header, np.ndarray]:
    """Read a WFDB record's header and its physical signal in mV [n_samples, n_channels], once the bounds of
    wfdb_bounds.py hold: plain format-16 records with numpy, others with wfdb, and the Challenge dialect wfdb
    rejects from its `.mat` file.

    Library errors become a RecordError naming the header file.
    """
    hea = str(base) + ".hea"
    header = read_header(hea)
    sig_len = checked_sig_len(header, base.parent, hea)
    scale = _unit_scale(header, hea)
    if _plain_format16(header):
        return header, _read_format16(header, base.parent, sig_len) * scale
    import wfdb  # here, not at the top: see the module docstring
    try:
        wfdb.rdheader(str(base))
    except Exception as exc:  # wfdb raises many types (HeaderSyntaxError, ValueError, OSError, ...)
        if not header.names_mat_file:
            raise RecordError(hea, f"invalid header: {_describe(exc)}") from None
        return header, _read_challenge_mat(header, base.parent, sig_len, hea) * scale
    try:
        rec = wfdb.rdrecord(str(base), physical=True)
    except Exception as exc:
        raise RecordError(hea, f"unreadable signal: {_describe(exc)}") from None
    if rec.p_signal is None or rec.p_signal.shape != (sig_len, len(header.signals)):
        raise RecordError(hea, f"unreadable signal: expected {sig_len} samples x {len(header.signals)} signals")
    return header, rec.p_signal * scale


def _plain_format16(header: Header) -> bool:
    """Every signal in format 16, one sample per frame, all in one file (not the Challenge dialect)."""
    specs = header.signals
    return (not header.names_mat_file and len({(s.file, s.byte_offset) for s in specs}) == 1
            and all(s.fmt == "16" and s.samples_per_frame == 1 for s in specs))


def _read_format16(header: Header, folder: Path, sig_len: int) -> np.ndarray:
    """Physical signal of a plain format-16 record, as wfdb.rdrecord computes it: (value - baseline) / gain in
    float64, -32768 (missing) as NaN. The file's size was checked against the header (wfdb_bounds.py)."""
    spec = header.signals[0]
    n_sig = len(header.signals)
    raw = np.fromfile(folder / spec.file, "<i2", sig_len * n_sig, offset=spec.byte_offset).reshape(sig_len, n_sig)
    physical = raw.astype(np.float64)
    physical -= np.array([s.baseline for s in header.signals], np.float64)
    physical /= np.array([s.gain for s in header.signals], np.float64)
    physical[raw == WFDB_MISSING] = np.nan
    return physical


def _unit_scale(header: Header, hea: str) -> np.ndarray:
    """Per-lead factor from the header's physical units to mV."""
    scale = []
    for spec in header.signals:
        factor = UNIT_TO_MV.get(spec.units.strip().lower())
        if factor is None:
            raise RecordError(hea, f"lead {spec.name} has unit {spec.units!r}; expected mV, uV or V")
        scale.append(factor)
    return np.asarray(scale)


def _read_challenge_mat(header: Header, folder: Path, sig_len: int, hea: str) -> np.ndarray:
    """Signals of a Challenge-dialect record: the `.mat` file's `val` (int16, leads x samples), read with scipy
    as the Challenge's own code does, as (value - baseline) / gain in the header's units; -32768 is missing."""
    files = {spec.file for spec in header.signals}
    name = files.pop()
    if files or not name.lower().endswith(".mat") or any(spec.fmt != "16" for spec in header.signals):
        raise RecordError(hea, "invalid header: the record line names a .mat file but the signals are not all in "
                               "one format-16 .mat file")
    import scipy.io  # here, not at the top: only this dialect needs it (~0.3 s of start-up)
    try:
        val = scipy.io.loadmat(folder / name, variable_names=["val"]).get("val")
    except Exception as exc:  # scipy raises ValueError, TypeError, MatReadError, ... on corrupt files
        raise RecordError(hea, f"unreadable signal: {name}: {_describe(exc)}") from None
    shape = (len(header.signals), sig_len)
    if val is None or val.shape != shape or val.dtype.kind not in "iu":
        raise RecordError(hea, f"unreadable signal: {name} holds no {shape[0]} x {shape[1]} integer matrix 'val'")
    gain = np.array([spec.gain for spec in header.signals])
    baseline = np.array([spec.baseline for spec in header.signals])
    physical = (val.T - baseline) / gain
    physical[val.T == WFDB_MISSING] = np.nan
    return physical


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
    header, signal = read_wfdb(base)
    fields, diagnoses = parse_comments(list(header.comments))
    return Record(
        signal=signal,
        fs=header.fs,
        leads=header.sig_name,
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


def write_wfdb(records: Iterable[Record], outdir: str | Path) -> Path:
    """Write each record as WFDB (format 16 at 1 uV per unit, format 32 if it would not fit; physical units
    mV) plus `labels.csv` (record, patient_id, one 0/1 column per label); returns the labels.csv path."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    labels_path = outdir / "labels.csv"
    with labels_path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["record", "patient_id", *LABELS])
        for record in records:
            _write_one(record, outdir)
            writer.writerow([record.record_id, record.patient_id or "", *to_multi_hot(record.labels).tolist()])
    return labels_path


def _write_one(record: Record, outdir: Path) -> None:
    import wfdb
    digital = np.rint(record.signal.astype(np.float64) * WFDB_GAIN)
    fits16 = np.abs(digital).max() <= INT16_MAX
    fmt = "16" if fits16 else "32"
    # Challenge-style `Dx:` SNOMED codes and a patient id, so `ecgprint render`/`build` read the labels back
    dx = ",".join(LABEL_TO_SNOMED[label] for label in LABELS if label in record.labels)
    comments = [f"Dx: {dx}", f"patient_id: {record.patient_id}",
                f"source: {record.source}"]
    wfdb.wrsamp(record.record_id, fs=record.fs, units=["mV"] * len(STANDARD_LEADS), sig_name=list(STANDARD_LEADS),
                d_signal=digital.astype(np.int16 if fits16 else np.int32), fmt=[fmt] * len(STANDARD_LEADS),
                adc_gain=[WFDB_GAIN] * len(STANDARD_LEADS), baseline=[0] * len(STANDARD_LEADS),
                comments=comments, write_dir=str(outdir))
