"""The signal stored next to each image: resampled to the recipe's rate and centred in a fixed length."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from scipy.signal import resample_poly

from ..record import Record


def stored_signal(record: Record, fs: float, n_samples: int) -> np.ndarray:
    """float32 [n_samples, 12] mV: polyphase resampling to `fs`, then a centred crop or symmetric zero pad
    (the CODE-15% convention); NaN gaps (records that allow them) become 0."""
    signal = np.nan_to_num(record.signal.astype(np.float64), nan=0.0)
    if record.fs != fs:
        ratio = Fraction(fs / record.fs).limit_denominator(1000)
        signal = resample_poly(signal, ratio.numerator, ratio.denominator, axis=0)
    n = signal.shape[0]
    if n >= n_samples:
        start = (n - n_samples) // 2
        out = signal[start:start + n_samples]
    else:
        before = (n_samples - n) // 2
        out = np.zeros((n_samples, signal.shape[1]))
        out[before:before + n] = signal
    return np.ascontiguousarray(out, dtype=np.float32)
