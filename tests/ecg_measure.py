"""Independent ECG measurements for testing generated physiology: they look only at the 12-lead signal,
never at the generator's parameters.

Method (documented in docs/synthetic.md):
1. Band-pass 0.5-40 Hz (2nd-order Butterworth) and notch 50 and 60 Hz (Q = 10), all zero phase: the usual
   diagnostic bandwidth, without mains hum.
2. R peaks: squared first difference summed over I, II, V1-V6, smoothed over 80 ms (Pan-Tompkins style
   energy), peaks by `scipy.signal.find_peaks` (>= 250 ms apart, above 30 % of the 99th percentile).
3. Median beat: the median of all beats in a window around the peaks, per lead.
4. QRS onset / offset: on the median beat, the spatial velocity (Euclidean norm of the first difference
   over I, II, V1-V6); going out from its peak, onset and offset are where it first stays below 4 % of
   the peak for 10 ms (searched within 200 ms of the R peak).
5. T end: on the lead with the largest T deflection from the PR level, the first point after the T peak
   back within 15 % of the T amplitude. The previous beat's T end is that minus the median RR.
6. P onset on lead II of the median beat, searched between the previous T end (at most 450 ms and at least
   300 ms before QRS onset: the end of a flat T wave is not measurable) and 20 ms before QRS onset: baseline = median of the first 30 ms of that stretch; the P peak is the
   largest deviation from it; P onset is the last point before the peak where the deviation is below 10 %
   of the P amplitude. PR = QRS onset minus P onset.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

INDEPENDENT = [0, 1, 6, 7, 8, 9, 10, 11]     # I, II, V1..V6 columns in STANDARD_LEADS order
LEAD_II = 1
MAINS_HZ = (50.0, 60.0)
QRS_THRESHOLD = 0.04
QUIET_RUN_S = 0.01
P_THRESHOLD = 0.10
P_MIN_MV = 0.02
T_THRESHOLD = 0.15


@dataclass(frozen=True)
class Measurement:
    """Heart rate (bpm), RR coefficient of variation, QRS duration (ms), PR interval (ms, NaN if no P found)."""

    heart_rate: float
    rr_cv: float
    qrs_ms: float
    pr_ms: float


def bandpass(x: np.ndarray, fs: float) -> np.ndarray:
    """0.5-40 Hz band-pass plus 50 and 60 Hz notches, all zero phase."""
    y = signal.sosfiltfilt(signal.butter(2, [0.5, 40.0], btype="bandpass", fs=fs, output="sos"), x, axis=0)
    for mains in MAINS_HZ:
        if mains < fs / 2:
            y = signal.filtfilt(*signal.iirnotch(mains, 10.0, fs=fs), y, axis=0)
    return y


def r_peaks(x: np.ndarray, fs: float) -> np.ndarray:
    """Sample indices of the QRS complexes in the band-passed 12-lead signal `x` [n, 12]."""
    energy = (np.diff(x[:, INDEPENDENT], axis=0) ** 2).sum(axis=1)
    width = max(1, int(round(0.08 * fs)))
    smooth = np.convolve(energy, np.ones(width) / width, mode="same")
    peaks, _ = signal.find_peaks(smooth, height=0.3 * np.percentile(smooth, 99), distance=int(0.25 * fs))
    return peaks


def median_beat(x: np.ndarray, peaks: np.ndarray, fs: float, before: float = 0.6, after: float = 0.7):
    """Median over beats of the window [-before, +after] s around each peak -> ([m, 12], index of the peak)."""
    b, a = int(before * fs), int(after * fs)
    ok = peaks[(peaks - b >= 0) & (peaks + a < len(x))]
    windows = np.stack([x[p - b:p + a] for p in ok])
    return np.median(windows, axis=0), b


def qrs_bounds(beat: np.ndarray, centre: int, fs: float) -> tuple[int, int]:
    """QRS onset and offset (sample indices in `beat`): the quiet stretches of spatial velocity nearest to
    its peak on either side, within 200 ms of `centre`."""
    velocity = np.linalg.norm(np.diff(beat[:, INDEPENDENT], axis=0), axis=1)
    lo = centre - int(0.2 * fs)
    seg = velocity[lo:centre + int(0.2 * fs)]
    peak = int(np.argmax(seg))
    run = max(1, int(round(QUIET_RUN_S * fs)))
    quiet = np.convolve(seg < QRS_THRESHOLD * seg[peak], np.ones(run), mode="valid") == run
    starts = np.flatnonzero(quiet)
    before, after = starts[starts + run <= peak], starts[starts > peak]
    onset = before[-1] + run if len(before) else 0
    offset = after[0] if len(after) else len(seg)
    return lo + int(onset), lo + int(offset)


def t_end(beat: np.ndarray, qrs_on: int, qrs_off: int, fs: float) -> int:
    """End of the T wave (sample index in `beat`): on the lead with the largest T deflection from the PR
    level, the first point after the T peak back within 15 % of the T amplitude."""
    level = np.median(beat[max(0, qrs_on - int(0.02 * fs)):qrs_on + 1], axis=0)
    start = qrs_off + int(0.05 * fs)
    dev = np.abs(beat[start:min(len(beat), qrs_off + int(0.5 * fs))] - level)
    lead = int(np.argmax(dev.max(axis=0)))
    peak = int(np.argmax(dev[:, lead]))
    back = np.flatnonzero(dev[peak:, lead] < T_THRESHOLD * dev[peak, lead])
    return start + peak + (int(back[0]) if len(back) else len(dev) - peak)


def p_onset(lead: np.ndarray, qrs_on: int, search_from: int, fs: float) -> float:
    """P onset (sample index, NaN if no P wave stands out) on one lead of the median beat, searching the
    stretch between `search_from` (end of the previous T wave, clamped to 300-450 ms before QRS onset) and
    20 ms before QRS onset."""
    start = max(min(search_from, qrs_on - int(0.3 * fs)), qrs_on - int(0.45 * fs), 0)
    stop = qrs_on - int(0.02 * fs)
    if stop - start < int(0.08 * fs):
        return float("nan")
    base = np.median(lead[start:start + int(0.03 * fs)])
    dev = np.abs(lead[start:stop] - base)
    peak = int(np.argmax(dev))
    if dev[peak] < P_MIN_MV:
        return float("nan")
    quiet = np.flatnonzero(dev[:peak] < P_THRESHOLD * dev[peak])
    return float(start + (quiet[-1] + 1 if len(quiet) else 0))


def measure(signal_12: np.ndarray, fs: float) -> Measurement:
    """All measurements for one record [n, 12] in mV."""
    x = bandpass(np.asarray(signal_12, dtype=np.float64), fs)
    peaks = r_peaks(x, fs)
    rr = np.diff(peaks) / fs
    beat, centre = median_beat(x, peaks, fs)
    on, off = qrs_bounds(beat, centre, fs)
    previous_t_end = t_end(beat, on, off, fs) - int(round(np.median(rr) * fs))
    p_on = p_onset(beat[:, LEAD_II], on, previous_t_end, fs)
    return Measurement(heart_rate=float(60.0 / rr.mean()), rr_cv=float(rr.std() / rr.mean()),
                       qrs_ms=1000.0 * (off - on) / fs, pr_ms=1000.0 * (on - p_on) / fs)
