"""Plausibility checks a record must pass before it is printed: a readable but physiologically impossible signal
(flat, hundreds of mV, long gaps, too few samples per second) renders as a junk page that looks like data.

`ecgprint render` refuses such a record and a dataset build quarantines it, both with check_record's one-line
reason. The defaults were measured on the 368 real records of ../shared/data (LUDB, Challenge 2020/2021, CPSC
2018, PTB-XL): lowest sampling rate 100 Hz; at most 6 of the 12 leads entirely flat (cinc2021/JS11438 has six
all-zero chest leads), every other lead >= 0.2 mV peak to peak; largest |x| 11.8 mV, no sample beyond 20 mV;
no missing samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import RecordError
from .leads import STANDARD_LEADS
from .record import Record


@dataclass(frozen=True)
class Plausibility:
    """Limits of a printable 12-lead record. A lead is flat when its peak-to-peak is below `flat_mv`; a record
    fails with more than `max_flat_leads` flat leads, more than `max_beyond_fraction` of its samples beyond
    ±`max_abs_mv`, a run of missing samples longer than `max_nan_run_s` in any lead, or `fs` below `min_fs`
    (100 Hz: 4 samples per mm at 25 mm/s)."""

    min_fs: float = 100.0
    flat_mv: float = 0.01
    max_flat_leads: int = 8
    max_abs_mv: float = 20.0
    max_beyond_fraction: float = 0.01
    max_nan_run_s: float = 1.0

    def __post_init__(self) -> None:
        for name in ("min_fs", "flat_mv", "max_abs_mv", "max_nan_run_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"Plausibility.{name} must be > 0, got {getattr(self, name)}")
        if not 0 <= self.max_flat_leads <= len(STANDARD_LEADS):
            raise ValueError(f"Plausibility.max_flat_leads must be in 0..{len(STANDARD_LEADS)}, "
                             f"got {self.max_flat_leads}")
        if not 0 <= self.max_beyond_fraction < 1:
            raise ValueError(f"Plausibility.max_beyond_fraction must be in [0, 1), got {self.max_beyond_fraction}")


def check_record(record: Record, checks: Plausibility = Plausibility()) -> None:
    """Raise RecordError (naming the record's file or id, one line) if `record` fails any of `checks`."""
    where = record.path or record.record_id
    if record.fs < checks.min_fs:
        raise RecordError(where, f"sampling frequency {record.fs:g} Hz is below the {checks.min_fs:g} Hz "
                                 "a 12-lead print needs")
    signal = record.signal
    missing = np.isnan(signal)
    nan_run = max(_longest_run(column) for column in missing.T) / record.fs
    if nan_run > checks.max_nan_run_s:
        raise RecordError(where, f"{nan_run:.2f} s of consecutive missing samples (limit {checks.max_nan_run_s:g} s)")
    with np.errstate(invalid="ignore"):
        beyond = np.count_nonzero(np.abs(signal) > checks.max_abs_mv) / max(np.count_nonzero(~missing), 1)
    if beyond > checks.max_beyond_fraction:
        raise RecordError(where, f"{beyond:.1%} of samples are beyond ±{checks.max_abs_mv:g} mV "
                                 f"(limit {checks.max_beyond_fraction:.1%}): not a plausible ECG in mV")
    flat = [lead for lead, ptp in zip(STANDARD_LEADS, np.nanmax(signal, 0) - np.nanmin(signal, 0))
            if ptp < checks.flat_mv]
    if len(flat) > checks.max_flat_leads:
        raise RecordError(where, f"{len(flat)} of {len(STANDARD_LEADS)} leads are flat (peak to peak < "
                                 f"{checks.flat_mv:g} mV: {', '.join(flat)}; limit {checks.max_flat_leads})")


def _longest_run(mask: np.ndarray) -> int:
    """Length of the longest run of True in a 1-D boolean array."""
    if not mask.any():
        return 0
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.view(np.int8), [0]))))
    return int((edges[1::2] - edges[::2]).max())
