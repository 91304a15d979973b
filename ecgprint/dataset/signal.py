"""The signal stored next to each image: resampled to the recipe's rate and centred in a fixed length."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from scipy.signal import resample_poly

from ..record import Record


def fit_length(signal: np.ndarray, fs: float, target_fs: float, n_samples: int) -> np.ndarray:
    """[n, leads] at `fs` -> float32 [n_samples, leads] at `target_fs`: polyphase resampling, then a centred
    crop or symmetric zero pad (the CODE-15% convention). Shared by dataset storage and model input."""
    if fs != target_fs:
        ratio = Fraction(target_fs / fs).limit_denominator(1000)
        signal = resample_poly(signal, ratio.numerator, ratio.denominator, axis=0)
    n = signal.shape[0]
    out = np.zeros((n_samples, signal.shape[1]), np.float32)
    if n >= n_samples:
        out[:] = signal[(n - n_samples) // 2:(n - n_samples) // 2 + n_samples]
    else:
        out[(n_samples - n) // 2:(n_samples - n) // 2 + n] = signal
    return out


def stored_signal(record: Record, fs: float, n_samples: int,
                  window: tuple[float, float] | None = None) -> np.ndarray:
    """The record's signal as stored in a shard: float32 [n_samples, 12] mV at `fs` (see fit_length); NaN gaps
    (records that allow them) become 0. `window` (start s, seconds) stores only that part of the record."""
    signal = record.signal
    if window is not None:
        first = int(round(window[0] * record.fs))
        signal = signal[first:first + int(round(window[1] * record.fs))]
    return fit_length(np.nan_to_num(signal.astype(np.float64), nan=0.0), record.fs, fs, n_samples)
