"""Rhythm and interval measurements of a 12-lead signal read off a page: the quantities the six labels are defined
by (rate for SB/ST, RR irregularity and atrial activity for AF, QRS width and terminal forces for the bundle branch
blocks, the pre-QRS wave's distance for 1dAVb). They feed the reader's stacked classifier (vizecg.stacker), which
learns from ~300 real records what a small CNN cannot. Numpy and scipy only (no torch)."""

from __future__ import annotations

import numpy as np

# (lead name, index) whose median beat is described: the limb leads I and II, aVR, and V1/V6 of the BBB criteria.
SHAPE_LEADS = (("I", 0), ("II", 1), ("aVR", 3), ("V1", 6), ("V6", 11))
SHAPE = ("initial", "terminal", "net", "st_t")
FEATURES: tuple[str, ...] = (
    "seconds", "beats", "leads", "rate", "rate_mean", "rr_cv", "rr_rmssd", "rr_jumps", "qrs_s", "qrs_mv",
    "p_ratio", "p_peak_s", "p_centre_s", "t_ratio", *(f"{lead}_{part}" for lead, _ in SHAPE_LEADS for part in SHAPE))
MIN_RUN_S = 0.5        # a lead needs this much printed signal to take part
ENVELOPE_S = 0.04      # smoothing of the QRS slope envelope
REFRACTORY_S = 0.27    # beats closer than this are one beat (up to ~220 bpm)
BEAT_S = 0.45          # median beats span R - BEAT_S .. R + BEAT_S
FLAT_SLOPE_MV = 1e-4   # a lead whose 99th-percentile slope (mV per sample) is below this is flat: filter round-off


def _filtered(x: np.ndarray, fs: float, low: float, high: float) -> np.ndarray:
    from scipy import signal as sps  # imported on first use, as the digitizer does: short predict start-up

    sos = sps.butter(2, [low, high], btype="band", fs=fs, output="sos")
    return sps.sosfiltfilt(sos, x, axis=-1)


def _envelope(x: np.ndarray, printed: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """(QRS slope envelope [n], leads covering each sample [n]): each printed lead's 5-30 Hz slope, scaled by its
    99th percentile and capped, averaged over the leads printed at each sample (a 3x4 page shows 3 at a time)."""
    slope = np.abs(np.diff(_filtered(x, fs, 5.0, 30.0), axis=1, prepend=0.0)) * printed
    total, cover = np.zeros(x.shape[1]), np.zeros(x.shape[1])
    for k in np.flatnonzero(printed.sum(axis=1) >= MIN_RUN_S * fs):
        scale = np.percentile(slope[k][printed[k]], 99)
        if scale > FLAT_SLOPE_MV:
            total += np.minimum(slope[k] / scale, 2.0)
            cover += printed[k]
    width = max(1, int(ENVELOPE_S * fs))
    mean = np.divide(total, cover, out=np.zeros_like(total), where=cover > 0)
    return np.convolve(mean, np.ones(width) / width, mode="same"), cover


def _qrs_bounds(envelope: np.ndarray, peaks: np.ndarray, half: int) -> tuple[int, int]:
    """QRS onset and offset (indices into a median beat of 2 * half samples centred on R): where the median slope
    envelope falls below a quarter of its QRS peak above its baseline."""
    beats = np.stack([envelope[p - half:p + half] for p in peaks])
    median = np.median(beats, axis=0)
    base = np.percentile(median, 10)
    level = (median - base) / max(median[half - half // 10:half + half // 10].max() - base, 1e-9)
    onset = offset = half
    while onset > 0 and level[onset - 1] > 0.25:
        onset -= 1
    while offset < len(level) - 1 and level[offset + 1] > 0.25:
        offset += 1
    return onset, offset


def rhythm_features(x: np.ndarray, fs: float) -> np.ndarray:
    """float64 [len(FEATURES)] of a signal [12, n] in mV (0 where a lead was not printed); NaN for what cannot be
    measured (fewer than three beats, a lead not printed for a whole beat)."""
    from scipy import signal as sps

    out = dict.fromkeys(FEATURES, np.nan)
    printed = x != 0
    envelope, cover = _envelope(x, printed, fs)
    span = np.flatnonzero(cover > 0)
    if len(span) < fs:
        return np.array(list(out.values()))
    out["seconds"] = (span[-1] - span[0]) / fs
    height = 0.35 * np.percentile(envelope[span[0]:span[-1]], 99)
    peaks = sps.find_peaks(envelope, height=height, distance=int(REFRACTORY_S * fs))[0]
    out["beats"] = len(peaks)
    half = int(BEAT_S * fs)
    whole = peaks[(peaks >= half) & (peaks + half <= x.shape[1])]
    if len(peaks) < 3 or not len(whole):
        return np.array(list(out.values()))
    rr = np.diff(peaks) / fs
    jumps = np.abs(np.diff(rr))
    out.update(rate=60 / np.median(rr), rate_mean=60 / rr.mean(), rr_cv=rr.std() / rr.mean(),
               rr_rmssd=np.sqrt(np.mean(jumps ** 2)) / rr.mean(), rr_jumps=np.mean(jumps > 0.05 * rr.mean()))
    onset, offset = _qrs_bounds(envelope, whole, half)
    out["qrs_s"] = (offset - onset) / fs
    wave = _filtered(x, fs, 0.5, 40.0)
    beats = np.full((12, 2 * half), np.nan)
    for k in range(12):
        full = [p for p in whole if printed[k, p - half:p + half].all()]
        if full:
            beats[k] = np.median(np.stack([wave[k, p - half:p + half] for p in full]), axis=0)
    have = ~np.isnan(beats[:, 0])
    out["leads"] = int(have.sum())
    if not have.any():
        return np.array(list(out.values()))
    pr = int(0.03 * fs)
    beats = beats - np.median(beats[:, max(0, onset - pr):max(1, onset)], axis=1, keepdims=True)   # PR baseline
    qrs = np.abs(beats[have, onset:offset + 1]).max(axis=1).mean() + 1e-6
    start = max(0, onset - int(0.35 * fs))
    atrial = np.abs(beats[have, start:max(start + 1, onset - int(0.02 * fs))]).mean(axis=0)
    excess = np.clip(atrial - np.median(atrial), 0, None)
    out.update(qrs_mv=qrs, p_ratio=atrial.max() / qrs, p_peak_s=(onset - start - np.argmax(atrial)) / fs,
               p_centre_s=(onset - start - np.sum(np.arange(len(excess)) * excess) / max(excess.sum(), 1e-9)) / fs,
               t_ratio=np.abs(beats[have, offset:offset + int(0.35 * fs)]).max(axis=1).mean() / qrs)
    for lead, k in SHAPE_LEADS:
        if have[k]:
            complex_ = beats[k, onset:offset + 1]
            size = np.abs(complex_).max() + 1e-6
            middle = len(complex_) // 2
            out.update({f"{lead}_initial": complex_[:middle].sum() / fs / size * 10,
                        f"{lead}_terminal": complex_[middle:].sum() / fs / size * 10,
                        f"{lead}_net": (complex_.max() + complex_.min()) / size,
                        f"{lead}_st_t": beats[k, offset:offset + int(0.3 * fs)].mean() / size})
    return np.array(list(out.values()))
