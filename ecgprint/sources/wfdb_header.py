"""WFDB header text read tolerantly and parsed by whitespace splitting, as the PhysioNet/CinC Challenge's code does.

wfdb reads local headers as ASCII and drops other bytes (a `µV` unit becomes `V`: a 1000x error), and rejects
the Challenge 2020/2021 dialect whose record line names the `.mat` file (`E07500.mat 12 500 5000`). This parse
decodes UTF-8 with a Latin-1 fallback, gives units, lead names and comments, feeds the size checks made before
any signal is read (wfdb_bounds.py) and describes the Challenge dialect's signals (wfdb_source.py reads them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import RecordError
from ..regular_file import read_capped

MAX_HEADER_BYTES = 1 << 20          # real 12-lead headers are < 4 kB; a bigger .hea is not a header
WFDB_DEFAULT_GAIN = 200.0           # ADC units per mV when the header gives none (or 0), per the WFDB spec

_FS_TOKEN = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)(/\d+(\.\d*)?)?(\(-?\d+(\.\d*)?\))?$")
_FORMAT_TOKEN = re.compile(r"^(\d+)(?:x(\d+))?(?::\d+)?(?:\+(\d+))?$")
_GAIN_TOKEN = re.compile(r"^([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)?(?:\((-?\d+)\))?(?:/(.+))?$")


@dataclass(frozen=True)
class SignalSpec:
    """One signal line: file, WFDB format code, samples per frame, byte offset, gain (ADC units per physical
    unit), baseline, physical unit and lead name."""

    file: str
    fmt: str
    samples_per_frame: int
    byte_offset: int
    gain: float
    baseline: int
    units: str
    name: str


@dataclass(frozen=True)
class Header:
    """A parsed single-segment WFDB header; `fs` and `sig_len` are None when the record line omits them."""

    record_name: str
    fs: float | None
    sig_len: int | None
    signals: tuple[SignalSpec, ...]
    comments: tuple[str, ...]

    @property
    def sig_name(self) -> tuple[str, ...]:
        """Lead names in signal order (wfdb's attribute name)."""
        return tuple(s.name for s in self.signals)

    @property
    def names_mat_file(self) -> bool:
        """The Challenge dialect: the record line names the `.mat` signal file instead of the record."""
        return self.record_name.lower().endswith(".mat")


def decode_header(data: bytes, where: str | Path) -> str:
    """Header bytes as text: UTF-8, else Latin-1 (both occur in real headers); RecordError for binary data."""
    if b"\x00" in data:
        raise RecordError(where, "invalid header: not a text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def read_header(hea: str | Path) -> Header:
    """Read and parse `hea` (regular files up to MAX_HEADER_BYTES only); RecordError naming it otherwise."""
    return parse_header(decode_header(read_capped(hea, MAX_HEADER_BYTES, "header file"), hea), hea)


def parse_header(text: str, where: str | Path) -> Header:
    """Parse header text: the record line, one line per signal, `#` comments (kept without the `#`)."""
    lines, comments = [], []
    for raw in text.split("\n"):   # not splitlines(): a Latin-1 comment may hold \x85 or \x1c
        line = raw.strip()
        if line.startswith("#"):
            comments.append(line.lstrip("#").strip())
        elif line:
            lines.append(line)
    if not lines:
        raise RecordError(where, "invalid header: no record line")
    name, n_sig, fs, sig_len = _record_line(lines[0].split(), where)
    if len(lines) - 1 != n_sig:
        raise RecordError(where, f"invalid header: the record line announces {n_sig} signal(s), "
                                 f"{len(lines) - 1} signal line(s) follow")
    signals = tuple(_signal_line(line, where) for line in lines[1:])
    return Header(name, fs, sig_len, signals, tuple(comments))


def _record_line(tokens: list[str], where: str | Path) -> tuple[str, int, float | None, int | None]:
    name = tokens[0]
    if "/" in name:
        raise RecordError(where, "invalid header: multi-segment records are not supported")
    if len(tokens) < 2 or not tokens[1].isdigit():
        raise RecordError(where, "invalid header: the record line gives no number of signals")
    fs = sig_len = None
    if len(tokens) >= 3:
        match = _FS_TOKEN.match(tokens[2])
        if not match:
            raise RecordError(where, f"invalid header: sampling frequency {tokens[2]!r} is not a number")
        fs = float(match.group(1))
    if len(tokens) >= 4:
        if not tokens[3].isdigit():
            raise RecordError(where, f"invalid header: number of samples {tokens[3]!r} is not an integer")
        sig_len = int(tokens[3])
    return name, int(tokens[1]), fs, sig_len


def _signal_line(line: str, where: str | Path) -> SignalSpec:
    tokens = line.split(maxsplit=8)
    fmt = _FORMAT_TOKEN.match(tokens[1]) if len(tokens) > 1 else None
    if fmt is None:
        raise RecordError(where, f"invalid header: signal line {line!r} gives no valid format")
    gain_match = _GAIN_TOKEN.match(tokens[2]) if len(tokens) > 2 else _GAIN_TOKEN.match("")
    if gain_match is None:
        raise RecordError(where, f"invalid header: gain {tokens[2]!r} is not a number[(baseline)][/units]")
    gain_text, baseline_text, units = gain_match.groups()
    zero = tokens[4] if len(tokens) > 4 else "0"
    if baseline_text is None and not re.fullmatch(r"-?\d+", zero):
        raise RecordError(where, f"invalid header: ADC zero {zero!r} is not an integer")
    gain = float(gain_text) if gain_text else 0.0
    return SignalSpec(file=tokens[0], fmt=fmt.group(1), samples_per_frame=int(fmt.group(2) or 1),
                      byte_offset=int(fmt.group(3) or 0), gain=gain or WFDB_DEFAULT_GAIN,
                      baseline=int(baseline_text if baseline_text is not None else zero),
                      units=units or "mV", name=tokens[8].strip() if len(tokens) > 8 else "")
