"""The one data object every source produces and the renderer takes: a 12-lead signal in mV plus labels."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import RecordError
from .labels import validate_labels
from .leads import STANDARD_LEADS, derive_limb_leads, normalize_lead_name

MIN_DURATION_S = 2.5


@dataclass
class Record:
    """A validated 12-lead ECG: `signal` float32 [n_samples, 12] in mV, columns in STANDARD_LEADS order.

    Construction normalises lead aliases, derives missing limb leads from I and II, reorders the columns
    to the standard order and raises RecordError (naming `path` or `record_id`) on anything invalid.
    """

    signal: np.ndarray
    fs: float
    leads: tuple[str, ...] = STANDARD_LEADS
    labels: frozenset[str] = frozenset()
    record_id: str = "record"
    patient_id: str | None = None
    source: str = "unknown"
    path: str | None = None
    allow_nan: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        where = self.path or self.record_id
        signal = np.asarray(self.signal)
        if signal.ndim != 2:
            raise RecordError(where, f"signal must be 2-D [n_samples, n_leads], got shape {signal.shape}")
        if len(self.leads) != signal.shape[1]:
            raise RecordError(where, f"{len(self.leads)} lead names for {signal.shape[1]} signal columns")
        if not np.issubdtype(signal.dtype, np.number):
            raise RecordError(where, f"signal has non-numeric dtype {signal.dtype}")
        if not (np.isfinite(self.fs) and self.fs > 0):
            raise RecordError(where, f"sampling frequency must be > 0, got {self.fs}")
        try:
            names = [normalize_lead_name(n) for n in self.leads]
        except KeyError as exc:
            raise RecordError(where, exc.args[0]) from None
        if len(set(names)) != len(names):
            raise RecordError(where, f"duplicate lead names {names}")
        columns = derive_limb_leads({n: signal[:, i].astype(np.float64) for i, n in enumerate(names)})
        missing = [n for n in STANDARD_LEADS if n not in columns]
        if missing:
            raise RecordError(where, f"missing lead(s) {missing} (have {names})")
        data = np.stack([columns[n] for n in STANDARD_LEADS], axis=1).astype(np.float32)
        duration = data.shape[0] / self.fs
        if duration < MIN_DURATION_S:
            raise RecordError(where, f"duration {duration:.2f} s is shorter than {MIN_DURATION_S} s")
        if np.isinf(data).any():
            raise RecordError(where, "signal contains infinite values")
        nan_leads = [STANDARD_LEADS[i] for i in np.flatnonzero(np.isnan(data).any(axis=0))]
        if nan_leads and not self.allow_nan:
            raise RecordError(where, f"signal contains NaN in lead(s) {nan_leads}")
        all_nan = [STANDARD_LEADS[i] for i in np.flatnonzero(np.isnan(data).all(axis=0))]
        if all_nan:
            raise RecordError(where, f"lead(s) {all_nan} contain no samples (all NaN)")
        try:
            labels = validate_labels(self.labels)
        except ValueError as exc:
            raise RecordError(where, str(exc)) from None
        self.signal = np.ascontiguousarray(data)
        self.fs = float(self.fs)
        self.leads = STANDARD_LEADS
        self.labels = labels
        self.record_id = str(self.record_id)
        self.patient_id = None if self.patient_id is None else str(self.patient_id)

    @property
    def n_samples(self) -> int:
        return int(self.signal.shape[0])

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.n_samples / self.fs

    def lead(self, name: str) -> np.ndarray:
        """One lead's samples (mV) by any accepted spelling of its name."""
        return self.signal[:, STANDARD_LEADS.index(normalize_lead_name(name))]
