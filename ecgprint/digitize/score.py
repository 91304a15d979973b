"""Digitization score: per-lead SNR exactly as the PhysioNet/CinC Challenge 2024 computes it, plus Pearson r,
RMS amplitude error and the time shift that would best align the digitized lead (diagnostics, not applied).

Challenge 2024 rules reproduced (physionetchallenges/evaluation-2024, `evaluate_model.py` and
`helper_code.py`: `reorder_signal`, `trim_signal`, `compute_snr`):
- the sampling rates must be equal; output channels are matched to the reference by name (case-insensitive),
  a reference lead missing from the output is all zeros;
- the output is truncated or zero-padded to the reference length, and its NaN samples become 0;
- no alignment at all: neither a time shift nor a vertical offset is searched;
- per lead, only samples where the reference is finite count (the Challenge's hidden labels are NaN where a lead
  is not printed), SNR = 10 log10(sum x^2 / sum (y - x)^2) dB; +inf if y == x, NaN if the reference is all 0;
- the record (and dataset) score is the mean over leads ignoring NaN (np.nanmean), so a single +inf makes it +inf.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from scipy.signal import correlate

from ..sources.wfdb_source import read_wfdb, record_base

MAX_LAG_S = 0.2          # time_error searches shifts within +-0.2 s


@dataclass(frozen=True)
class LeadScore:
    """One reference lead: Challenge SNR (dB), Pearson r, RMS error (mV), best-alignment shift (s, + = late)."""

    lead: str
    snr_db: float
    pearson: float
    amplitude_error_mv: float
    time_error_s: float
    n_samples: int       # reference samples scored (finite)


@dataclass(frozen=True)
class DigitizationScore:
    leads: tuple[LeadScore, ...]

    @property
    def mean_snr_db(self) -> float:
        """The Challenge's aggregate: nanmean of the per-lead SNRs (NaN if all are NaN)."""
        return _nanmean([s.snr_db for s in self.leads])

    @property
    def median_snr_db(self) -> float:
        return nanmedian([s.snr_db for s in self.leads])

    def to_dict(self) -> dict:
        return {"mean_snr_db": json_float(self.mean_snr_db), "median_snr_db": json_float(self.median_snr_db),
                "leads": [{k: json_float(v) if isinstance(v, float) else v for k, v in asdict(s).items()}
                          for s in self.leads]}


def challenge_snr(reference: np.ndarray, output: np.ndarray) -> float:
    """Challenge 2024 `compute_snr` for one lead: finite reference samples only, output NaN -> 0."""
    reference, output = np.asarray(reference, np.float64), np.asarray(output, np.float64)
    if reference.shape != output.shape or reference.ndim != 1:
        raise ValueError(f"need two 1-D signals of one length, got {reference.shape} and {output.shape}")
    keep = np.isfinite(reference)
    x, y = reference[keep], np.nan_to_num(output[keep], nan=0.0)
    signal, noise = float(np.sum(x ** 2)), float(np.sum((y - x) ** 2))
    if signal > 0 and noise > 0:
        return 10.0 * np.log10(signal / noise)
    return float("inf") if signal > 0 else float("nan")


def align_to_reference(output: np.ndarray, output_names, reference_names, n_samples: int) -> np.ndarray:
    """Challenge `reorder_signal` + `trim_signal` + NaN -> 0: output columns in reference order, length n."""
    index = {str(n).strip().casefold(): i for i, n in enumerate(output_names)}
    if len(index) != len(output_names):
        raise ValueError(f"repeated channel names in the output: {list(output_names)}")
    out = np.zeros((n_samples, len(reference_names)), np.float64)
    m = min(n_samples, output.shape[0])
    for j, name in enumerate(reference_names):
        i = index.get(str(name).strip().casefold())
        if i is not None:
            out[:m, j] = output[:m, i]
    return np.nan_to_num(out, nan=0.0)


def score_signals(reference: np.ndarray, reference_names, output: np.ndarray, output_names, fs: float,
                  output_fs: float | None = None) -> DigitizationScore:
    """Score an output signal [n, c] against a reference [n, c] (mV) under the Challenge rules."""
    if output_fs is not None and output_fs != fs:
        raise ValueError(f"sampling rates differ: reference {fs:g} Hz, output {output_fs:g} Hz (the Challenge "
                         f"requires equal rates)")
    reference = np.asarray(reference, np.float64)
    aligned = align_to_reference(np.asarray(output, np.float64), output_names, reference_names, reference.shape[0])
    return DigitizationScore(tuple(_lead_score(str(name), reference[:, j], aligned[:, j], fs)
                                   for j, name in enumerate(reference_names)))


def score_records(reference: str | Path, output: str | Path, page: str | Path | None = None) -> DigitizationScore:
    """Score two WFDB records (header paths or record names); `page` (an ecgprint truth JSON) masks the
    reference to the samples printed on that page, as the Challenge's `--mask_unplotted_samples` does."""
    ref_header, ref_signal = read_wfdb(record_base(reference))
    out_header, out_signal = read_wfdb(record_base(output))
    if page is not None:
        ref_signal = mask_unplotted(ref_signal, ref_header.sig_name, page)
    return score_signals(ref_signal, ref_header.sig_name, out_signal, out_header.sig_name, ref_header.fs,
                         out_header.fs)


def mask_unplotted(signal: np.ndarray, names, page: str | Path | dict) -> np.ndarray:
    """The signal with NaN outside the sample windows each lead is printed over in an ecgprint truth JSON."""
    truth = page if isinstance(page, dict) else _read_json(Path(page))
    keep = np.zeros(signal.shape, bool)
    columns = {str(n).strip().casefold(): j for j, n in enumerate(names)}
    for lead in truth.get("leads", []):
        j = columns.get(str(lead["lead"]).casefold())
        if j is not None:
            keep[int(lead["sample_start"]):int(lead["sample_end"]), j] = True
    return np.where(keep, signal, np.nan)


def format_table(score: DigitizationScore) -> str:
    """A fixed-width text table, one row per lead and the Challenge mean."""
    lines = [f"{'lead':<5} {'SNR dB':>8} {'r':>7} {'RMS mV':>8} {'shift s':>8} {'samples':>8}"]
    for s in score.leads:
        lines.append(f"{s.lead:<5} {s.snr_db:>8.2f} {s.pearson:>7.3f} {s.amplitude_error_mv:>8.4f} "
                     f"{s.time_error_s:>8.3f} {s.n_samples:>8d}")
    lines.append(f"mean SNR (Challenge) {score.mean_snr_db:.2f} dB, median {score.median_snr_db:.2f} dB")
    return "\n".join(lines)


def _lead_score(lead: str, reference: np.ndarray, output: np.ndarray, fs: float) -> LeadScore:
    keep = np.isfinite(reference)
    x, y = reference[keep], output[keep]
    if x.size == 0:
        return LeadScore(lead, float("nan"), float("nan"), float("nan"), float("nan"), 0)
    rms = float(np.sqrt(np.mean((y - x) ** 2)))
    return LeadScore(lead, challenge_snr(reference, output), _pearson(x, y), rms,
                     _best_shift(reference, output, fs), int(x.size))


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    sx, sy = np.std(x), np.std(y)
    return float(np.mean((x - x.mean()) * (y - y.mean())) / (sx * sy)) if sx > 0 and sy > 0 else float("nan")


def _best_shift(reference: np.ndarray, output: np.ndarray, fs: float) -> float:
    """Shift (s) within +-MAX_LAG_S that maximises the cross-correlation of the mean-removed output with the
    mean-removed reference (its scored samples only); positive = the output is late."""
    keep = np.isfinite(reference)
    x = np.where(keep, reference - reference[keep].mean(), 0.0)
    y = output - output[keep].mean()
    full = correlate(y, x, mode="full", method="fft")        # full[n - 1 + k] = sum_i y[i + k] x[i]
    max_lag = min(int(round(MAX_LAG_S * fs)), x.size - 1)
    centre = x.size - 1
    window = full[centre - max_lag:centre + max_lag + 1]
    return float(np.argmax(window) - max_lag) / fs


def _nanmean(values) -> float:
    values = np.asarray(values, np.float64)
    return float(np.nanmean(values)) if np.any(~np.isnan(values)) else float("nan")


def nanmedian(values) -> float:
    """The median ignoring NaN; NaN when every value is NaN (no warning)."""
    values = np.asarray(values, np.float64)
    return float(np.nanmedian(values)) if np.any(~np.isnan(values)) else float("nan")


def json_float(value: float):
    """JSON has no inf/NaN: +inf -> "inf", NaN -> null."""
    if np.isnan(value):
        return None
    return str(value) if np.isinf(value) else round(float(value), 4)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not a readable truth JSON ({exc})") from None
