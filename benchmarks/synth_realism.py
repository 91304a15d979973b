"""Synthetic vs real ECG signals, measured: every real record of ../shared/data and a synthetic set of the same
size and label sets are delineated with neurokit2 (rate, RR variability, PR, P, QRS, QT/QTc, P/R/S/T amplitudes,
QRS axis, baseline-wander and high-frequency noise power per lead). Reports per-feature distances (Wasserstein
distance / real IQR) overall and per label, and the AUROC of a real-vs-synthetic gradient-boosting classifier
(5-fold) on all features and on feature groups. Prints one JSON line; writes the features and distances as CSV.

    pip install -e .[realism]
    python benchmarks/synth_realism.py [--seed 7] [--out out/realism]

The real features are cached in <out>/real_features.csv (delete it after changing the feature code).
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import signal as sps
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from ecg_measure import qrs_bounds  # noqa: E402

from ecgprint.errors import RecordError  # noqa: E402
from ecgprint.labels import LABELS  # noqa: E402
from ecgprint.leads import STANDARD_LEADS  # noqa: E402
from ecgprint.sources import open_source  # noqa: E402
from ecgprint.synth import SynthConfig, synth_record  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
DURATION_S = 10.0
MIN_FS = 500.0                       # the 100 Hz PTB-XL sample cannot show noise above 40 Hz
AMPLITUDE_LEADS = ("I", "II", "V1", "V3", "V5")
WANDER_HZ, HF_HZ = 0.5, 40.0
RHYTHM = ("hr", "rr_cv")
INTERVALS = ("pr_ms", "p_ms", "qrs_ms", "qt_ms", "qtc_ms")
AMPLITUDES = tuple(f"{w}_{lead}" for lead in AMPLITUDE_LEADS for w in "PRST") + ("axis",)
NOISE = tuple(f"{kind}_{lead}" for kind in ("wander", "hf") for lead in STANDARD_LEADS)
GROUPS = {"all": RHYTHM + INTERVALS + AMPLITUDES + NOISE, "rhythm": RHYTHM, "intervals": INTERVALS,
          "rhythm+intervals": RHYTHM + INTERVALS, "amplitudes": AMPLITUDES, "noise": NOISE}
LABEL_GROUPS = ("all", "NORM", *LABELS)
FIDUCIALS = ("P_Onsets", "P_Peaks", "P_Offsets", "R_Onsets", "R_Offsets", "T_Peaks", "T_Offsets")


def _median_offset(points: list, peaks: np.ndarray) -> float:
    """Median of fiducial minus its beat's R peak (samples); NaN when neurokit2 found none."""
    d = np.array([p - r for p, r in zip(points, peaks, strict=False) if p is not None and np.isfinite(p)], float)
    return float(np.median(d)) if len(d) else float("nan")


def features(x: np.ndarray, fs: float) -> dict[str, float]:
    """All features of one 12-lead record [n, 12] in mV: neurokit2 delineation of lead II, amplitudes on the
    median beat of each lead at lead II's fiducials, noise power (log10 mV^2) from Welch spectra."""
    import neurokit2 as nk

    out: dict[str, float] = {}
    f, psd = sps.welch(x - x.mean(axis=0), fs=fs, nperseg=int(8 * fs), axis=0)
    for i, lead in enumerate(STANDARD_LEADS):
        df = f[1] - f[0]
        out[f"wander_{lead}"] = float(np.log10(psd[(f > 0) & (f < WANDER_HZ), i].sum() * df + 1e-12))
        out[f"hf_{lead}"] = float(np.log10(psd[f > HF_HZ, i].sum() * df + 1e-12))
    clean = np.column_stack([nk.ecg_clean(x[:, i], sampling_rate=int(fs)) for i in range(x.shape[1])])
    ii = clean[:, STANDARD_LEADS.index("II")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, info = nk.ecg_peaks(ii, sampling_rate=int(fs))
        peaks = np.asarray(info["ECG_R_Peaks"])
        try:
            _, d = nk.ecg_delineate(ii, peaks, sampling_rate=int(fs), method="dwt")
        except (ValueError, IndexError):      # too few beats to delineate: intervals unknown
            d = {}
    rr = np.diff(peaks) / fs
    out["hr"], out["rr_cv"] = (float(60.0 / np.median(rr)), float(rr.std() / rr.mean())) if len(rr) else (np.nan,) * 2
    before, after = int(0.5 * fs), int(0.7 * fs)
    ok = peaks[(peaks >= before) & (peaks + after < len(x))]
    if len(ok) == 0:       # lead II found no whole beat: nothing to measure on a median beat
        return out | {name: float("nan") for name in INTERVALS + AMPLITUDES}
    beat = np.median(np.stack([clean[p - before:p + after] for p in ok]), axis=0)
    off = {name: float("nan") for name in FIDUCIALS}
    off.update({k.removeprefix("ECG_"): before + _median_offset(v, peaks) for k, v in d.items()})
    on, end = qrs_bounds(beat, before, fs)
    ms = 1000.0 / fs
    out["pr_ms"] = (on - off["P_Onsets"]) * ms
    out["p_ms"] = (off["P_Offsets"] - off["P_Onsets"]) * ms
    out["qrs_ms"] = (end - on) * ms
    out["qt_ms"] = (off["T_Offsets"] - on) * ms
    out["qtc_ms"] = out["qt_ms"] / np.sqrt(np.median(rr))

    def at(name: str) -> int:
        return int(np.clip(off[name], 0, len(beat) - 1))

    base = beat[at("P_Onsets")] if np.isfinite(off["P_Onsets"]) else beat[max(0, on - int(0.02 * fs))]
    qrs = beat[on:end] - base
    nan = np.full(beat.shape[1], np.nan)
    amp = {"P": beat[at("P_Peaks")] - base if np.isfinite(off["P_Peaks"]) else nan,
           "R": qrs.max(axis=0), "S": qrs.min(axis=0),
           "T": beat[at("T_Peaks")] - base if np.isfinite(off["T_Peaks"]) else nan}
    for lead in AMPLITUDE_LEADS:
        for wave in "PRST":
            out[f"{wave}_{lead}"] = float(amp[wave][STANDARD_LEADS.index(lead)])
    net = qrs.sum(axis=0)
    out["axis"] = float(np.degrees(np.arctan2(net[STANDARD_LEADS.index("aVF")], net[0])))
    return out


def label_text(labels: frozenset[str]) -> str:
    """"NORM" or the labels joined by "," in LABELS order."""
    return ",".join(label for label in LABELS if label in labels) or "NORM"


def real_features(cache: Path) -> pd.DataFrame:
    """Features of every readable real record at >= 500 Hz (first 10 s), from `cache` when present."""
    if cache.is_file():
        return pd.read_csv(cache)
    rows = []
    for record in open_source(SHARED):
        if isinstance(record, RecordError) or record.fs < MIN_FS:
            continue
        x = record.signal[:int(DURATION_S * record.fs)]
        rows.append({"source": "real", "record": record.record_id, "labels": label_text(record.labels),
                     "fs": record.fs, **features(x, record.fs)})
    table = pd.DataFrame(rows)
    cache.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(cache, index=False)
    return table


def synthetic_features(label_sets: list[str], seed: int) -> pd.DataFrame:
    """Features of synthetic record i generated with the i-th real record's label set (default nuisances)."""
    rows = []
    for i, labels in enumerate(label_sets):
        record = synth_record(i, SynthConfig(labels=labels, seed=seed, duration=DURATION_S))
        rows.append({"source": "synthetic", "record": record.record_id, "labels": labels, "fs": record.fs,
                     **features(record.signal, record.fs)})
    return pd.DataFrame(rows)


def in_group(table: pd.DataFrame, group: str) -> pd.Series:
    """Rows of label group `group`: "all", "NORM" (none of the six) or records carrying that label."""
    if group == "all":
        return pd.Series(True, index=table.index)
    return table["labels"].str.split(",").apply(lambda s: group in s)


def distances(table: pd.DataFrame) -> pd.DataFrame:
    """Wasserstein distance / real IQR of each feature (rows) per label group (columns)."""
    real, synth = table[table.source == "real"], table[table.source == "synthetic"]
    out = {}
    for group in LABEL_GROUPS:
        r, s = real[in_group(real, group)], synth[in_group(synth, group)]
        col = {}
        for feature in GROUPS["all"]:
            a, b = r[feature].dropna().to_numpy(), s[feature].dropna().to_numpy()
            iqr = np.subtract(*np.percentile(real[feature].dropna(), [75, 25]))
            col[feature] = stats.wasserstein_distance(a, b) / iqr if len(a) > 2 and len(b) > 2 and iqr > 0 else np.nan
        out[group] = col
    return pd.DataFrame(out)


def classifier_auroc(table: pd.DataFrame, columns: tuple[str, ...], seed: int = 0) -> float:
    """Out-of-fold AUROC (5-fold, stratified) of gradient boosting telling synthetic from real."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    y = (table.source == "synthetic").to_numpy().astype(int)
    model = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, random_state=seed)
    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    proba = cross_val_predict(model, table[list(columns)].to_numpy(), y, cv=folds, method="predict_proba")[:, 1]
    return float(roc_auc_score(y, proba))


def single_feature_auroc(table: pd.DataFrame) -> pd.Series:
    """How well each feature alone separates the two sets: max(AUROC, 1 - AUROC) of the raw value."""
    from sklearn.metrics import roc_auc_score

    y = (table.source == "synthetic").to_numpy().astype(int)
    out = {}
    for feature in GROUPS["all"]:
        x = table[feature].to_numpy()
        keep = np.isfinite(x)
        a = roc_auc_score(y[keep], x[keep])
        out[feature] = max(a, 1 - a)
    return pd.Series(out).sort_values(ascending=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7, help="synthetic generator seed")
    parser.add_argument("--out", default=str(ROOT / "out" / "realism"), help="folder for the CSV files")
    args = parser.parse_args()
    out = Path(args.out)
    real = real_features(out / "real_features.csv")
    table = pd.concat([real, synthetic_features(list(real["labels"]), args.seed)], ignore_index=True)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "features.csv", index=False)
    dist = distances(table)
    dist.round(3).to_csv(out / "distances.csv", index_label="feature")
    single = single_feature_auroc(table)
    print(json.dumps({
        "benchmark": "synth_realism", "seed": args.seed, "n_real": len(real), "n_synthetic": len(table) - len(real),
        "auroc": {name: round(classifier_auroc(table, cols), 3) for name, cols in GROUPS.items()},
        "median_distance": {group: round(float(dist[group].median()), 3) for group in LABEL_GROUPS},
        "worst_features": {k: round(float(v), 3) for k, v in dist["all"].sort_values(ascending=False)[:8].items()},
        "most_telling_features_auroc": {k: round(float(v), 3) for k, v in single[:8].items()},
        "features_csv": str(out / "features.csv"), "distances_csv": str(out / "distances.csv"),
    }))


if __name__ == "__main__":
    main()
