"""Bounds checked on a WFDB header and its signal files before any signal is read, so a broken or hostile header
cannot make a reader allocate gigabytes, read a FIFO or /dev/zero forever, or print a 500 Hz record at 250 Hz.

- the record line must give a sampling frequency, within MIN_FS..MAX_FS (50 Hz - 20 kHz);
- a record lasts at most MAX_DURATION_S (600 s) and decodes to at most MAX_SIGNAL_VALUES (24 M values, leads x
  samples: 192 MB as float64, e.g. 12 leads x 20 kHz x 100 s or 12 leads x 3.3 kHz x 600 s; reading and checking
  a record at the cap peaks at 0.83 GB resident, measured);
- every signal file is a regular file whose size is what the header implies: byte offset + samples x frame bytes
  (format 16: 2 bytes per sample per lead, 212: 1.5, ...), with at most one frame of padding; a header without
  a sample count gets it from the file size, which must then hold a whole number of frames.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

from ..errors import RecordError
from ..regular_file import regular_file_size
from .wfdb_header import Header, SignalSpec

MIN_FS, MAX_FS = 50.0, 20_000.0
MAX_DURATION_S = 600
MAX_SIGNAL_VALUES = 24_000_000
# Bytes per sample of the WFDB formats whose file size follows from the sample count (not FLAC-compressed 5xx).
BYTES_PER_SAMPLE = {"8": Fraction(1), "16": Fraction(2), "24": Fraction(3), "32": Fraction(4), "61": Fraction(2),
                    "80": Fraction(1), "160": Fraction(2), "212": Fraction(3, 2), "310": Fraction(4, 3),
                    "311": Fraction(4, 3)}


def checked_sig_len(header: Header, folder: Path, where: str) -> int:
    """Samples per lead of the record whose signal files are in `folder`, from its header or, without a count
    there, from the files' sizes; RecordError naming `where` and the first bound that fails."""
    fs = header.fs
    if fs is None:
        raise RecordError(where, "invalid header: the record line gives no sampling frequency "
                                 "(WFDB readers would assume 250 Hz)")
    if not MIN_FS <= fs <= MAX_FS:
        raise RecordError(where, f"sampling frequency {fs:g} Hz is outside {MIN_FS:g}-{MAX_FS:g} Hz")
    if not header.signals:
        raise RecordError(where, "header describes no signal")
    if header.sig_len is not None:   # checked before any signal file is touched
        _check_length(header.sig_len, fs, len(header.signals), where)
    by_file: dict[str, list[SignalSpec]] = {}
    for spec in header.signals:
        by_file.setdefault(spec.file, []).append(spec)
    lengths = {_file_sig_len(folder / name, specs, header.sig_len, where) for name, specs in by_file.items()}
    if len(lengths) > 1:
        raise RecordError(where, f"signal files hold different numbers of samples {sorted(lengths)}")
    sig_len = lengths.pop()
    if sig_len == 0:
        raise RecordError(where, "the record holds no samples")
    _check_length(sig_len, fs, len(header.signals), where)
    return sig_len


def _check_length(sig_len: int, fs: float, n_sig: int, where: str) -> None:
    if sig_len / fs > MAX_DURATION_S:
        raise RecordError(where, f"duration {sig_len / fs:.0f} s exceeds the {MAX_DURATION_S} s limit "
                                 "for a 12-lead ECG record")
    if sig_len * n_sig > MAX_SIGNAL_VALUES:
        raise RecordError(where, f"{n_sig} signals x {sig_len} samples exceed the cap of {MAX_SIGNAL_VALUES} "
                                 "decoded values")


def _file_sig_len(path: Path, specs: list[SignalSpec], sig_len: int | None, where: str) -> int:
    """Samples in one signal file: `sig_len` if its size matches, else derived from the size when None."""
    unknown = sorted({s.fmt for s in specs} - set(BYTES_PER_SAMPLE))
    if unknown:
        raise RecordError(where, f"signal format {unknown[0]} is not supported")
    try:
        size = regular_file_size(path, "signal file")
    except RecordError as exc:
        raise RecordError(where, f"{exc.reason}: {path}") from None
    frame = sum(BYTES_PER_SAMPLE[s.fmt] * s.samples_per_frame for s in specs)
    data = size - specs[0].byte_offset
    if sig_len is None:
        derived = int(max(data, 0) // frame)
        if data < 0 or math.ceil(derived * frame) != data:
            raise RecordError(where, f"signal file {path.name} ({size} bytes) does not hold a whole number of "
                                     f"{float(frame):g}-byte frames after its {specs[0].byte_offset}-byte offset")
        return derived
    need = math.ceil(sig_len * frame)
    if not need <= data <= need + math.ceil(frame):
        raise RecordError(where, f"signal file {path.name} holds {max(data, 0)} bytes of samples; the header's "
                                 f"{sig_len} samples x {len(specs)} signal(s) in format {specs[0].fmt} need {need}")
    return sig_len
