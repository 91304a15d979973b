"""Synthetic ECG quality: the label checks of tests/test_synthetic.py (independent measurements in
tests/ecg_measure.py) on synthetic records and, as the baseline, on the real labelled records of
../shared/data (LUDB 1-60, CPSC 2018), plus median R/S/T amplitudes and QRS axis percentiles of normal,
RBBB and LBBB records. These are the numbers in docs/synthetic.md. Prints one JSON line.

    python benchmarks/synth_quality.py [-n 300] [--seed 101]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from ecg_measure import bandpass, measure, median_beat, qrs_bounds, r_peaks  # noqa: E402

from ecgprint.labels import LABELS  # noqa: E402
from ecgprint.leads import STANDARD_LEADS  # noqa: E402
from ecgprint.synth import SynthConfig, iter_synthetic  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
AMPLITUDE_LEADS = ("I", "II", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")
SHAPE_CLASSES = ("NORM", "RBBB", "LBBB")   # real records labelled exactly this (NORM: none of the six)
CHECKS = {   # name: (classes it applies to, pass condition on a measurement row)
    "SB: HR < 60": (("SB",), lambda m: m.heart_rate < 60),
    "ST: HR > 100": (("ST",), lambda m: m.heart_rate > 100),
    "normal: 60 <= HR <= 100": (("NORM",), lambda m: 60 <= m.heart_rate <= 100),
    "AF: RR CV > 0.12": (("AF",), lambda m: m.rr_cv > 0.12),
    "not AF: RR CV < 0.06": (("NORM", "SB", "ST", "1dAVb", "RBBB", "LBBB"), lambda m: m.rr_cv < 0.06),
    "RBBB: QRS >= 120 ms": (("RBBB",), lambda m: m.qrs_ms >= 120),
    "LBBB: QRS >= 120 ms": (("LBBB",), lambda m: m.qrs_ms >= 120),
    "normal: QRS < 110 ms": (("NORM",), lambda m: m.qrs_ms < 110),
    "1dAVb: PR > 200 ms": (("1dAVb",), lambda m: m.pr_ms > 200),
    "normal: PR <= 200 ms": (("NORM",), lambda m: m.pr_ms <= 200),
}


def amplitudes(signal: np.ndarray, fs: float) -> dict[str, float]:
    """R, S and T (largest deflection 60-360 ms after QRS offset) in mV per lead on the median beat,
    relative to the PR level, and the QRS axis (deg) from the net QRS in I and aVF."""
    x = bandpass(signal, fs)
    beat, centre = median_beat(x, r_peaks(x, fs), fs)
    on, off = qrs_bounds(beat, centre, fs)
    beat = beat - np.median(beat[max(0, on - int(0.03 * fs)):on], axis=0)
    r, s = beat[on:off].max(axis=0), beat[on:off].min(axis=0)
    st_t = beat[off + int(0.06 * fs):off + int(0.36 * fs)]
    t = st_t[np.abs(st_t).argmax(axis=0), np.arange(beat.shape[1])]
    net = r + s
    out = {"axis": float(np.degrees(np.arctan2(net[STANDARD_LEADS.index("aVF")], net[0])))}
    for lead in AMPLITUDE_LEADS:
        i = STANDARD_LEADS.index(lead)
        out[f"R_{lead}"], out[f"S_{lead}"], out[f"T_{lead}"] = float(r[i]), float(s[i]), float(t[i])
    return out


def shape_summary(real: list[dict], synthetic: list[dict]) -> dict:
    """Median of each amplitude as [real, synthetic] and QRS axis percentiles (10, 50, 90)."""
    a, b = pd.DataFrame(real), pd.DataFrame(synthetic)
    out = {key: [round(float(a[key].median()), 2), round(float(b[key].median()), 2)] for key in b.columns}
    out["axis_p10_p50_p90"] = {name: [round(float(v)) for v in df.axis.quantile([0.1, 0.5, 0.9])]
                               for name, df in (("real", a), ("synthetic", b))}
    out["n"] = [len(a), len(b)]
    return out


def real_records():
    """(label set or {"NORM"}, 12-lead signal, fs) of the readable labelled LUDB and CPSC 2018 records."""
    import wfdb

    from ecgprint.leads import normalize_lead_name

    table = pd.read_csv(SHARED / "labels_reference.csv")
    for _, row in table[table.record.str.match(r"(ludb|cpsc2018)/")].iterrows():
        rec = wfdb.rdrecord(str(SHARED / row.record))
        names = [normalize_lead_name(n) for n in rec.sig_name]
        signal = rec.p_signal[:int(10 * rec.fs), [names.index(n) for n in STANDARD_LEADS]]
        yield frozenset(label for label in LABELS if row[label]) or frozenset({"NORM"}), signal, rec.fs


def pass_rates(rows: list[tuple[frozenset, object]]) -> dict[str, dict[str, float]]:
    """Per check: share of records (whose label set contains one of the check's classes, and for the
    real data no AF when the check is about sinus rhythm) that pass, and how many were checked."""
    out = {}
    for name, (classes, ok) in CHECKS.items():
        sinus_only = name.startswith("not AF")
        picked = [m for labels, m in rows if labels & set(classes) and not (sinus_only and "AF" in labels)]
        out[name] = {"pass": round(float(np.mean([ok(m) for m in picked])), 3) if picked else None, "n": len(picked)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=300, help="synthetic records per class")
    parser.add_argument("--seed", type=int, default=101)
    args = parser.parse_args()
    synthetic, synthetic_shapes = [], {label: [] for label in SHAPE_CLASSES}
    for label in ("NORM", "SB", "ST", "AF", "RBBB", "LBBB", "1dAVb"):
        for record in iter_synthetic(args.n, SynthConfig(labels=label, seed=args.seed)):
            synthetic.append((frozenset({label}), measure(record.signal, record.fs)))
            if label in SHAPE_CLASSES:
                synthetic_shapes[label].append(amplitudes(record.signal, record.fs))
    result = {"benchmark": "synth_quality", "synthetic_per_class": args.n, "seed": args.seed,
              "synthetic": pass_rates(synthetic)}
    if SHARED.is_dir():
        real = [(labels, signal, fs) for labels, signal, fs in real_records()]
        result["real"] = pass_rates([(labels, measure(signal, fs)) for labels, signal, fs in real])
        result["shape_real_vs_synthetic"] = {
            label: shape_summary([amplitudes(s, fs) for labels, s, fs in real if labels == {label}],
                                 synthetic_shapes[label])
            for label in SHAPE_CLASSES}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
