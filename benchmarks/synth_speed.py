"""Synthetic ECG speed: records per second (10 s, 500 Hz, 12 leads, default nuisances) on one core, and the hot
path (summing the beats' Gaussian pulses) against evaluating every pulse on every sample, measured in the same
run. Prints one JSON line.

    python benchmarks/synth_speed.py [-n 400]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")       # one core, as in one worker of a dataset build

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from ecgprint.synth.config import SynthConfig  # noqa: E402
from ecgprint.synth.dipole import beat_pulses, gaussian_sum  # noqa: E402
from ecgprint.synth.generate import PATIENT_STREAM, RECORD_STREAM, synth_record  # noqa: E402
from ecgprint.synth.morphology import beat_templates  # noqa: E402
from ecgprint.synth.patient import sample_patient  # noqa: E402
from ecgprint.synth.physiology import record_physiology  # noqa: E402
from ecgprint.synth.rhythm import beat_schedule  # noqa: E402

TARGET_RECORDS_PER_S = 200


def dense_gaussian_sum(centres, sigmas, vectors, n, fs):
    """Baseline: every pulse evaluated on every sample."""
    t = np.arange(n) / fs
    return np.exp(-0.5 * ((t[None, :] - centres[:, None]) / sigmas[:, None]) ** 2).T @ vectors


def pulses(index: int, config: SynthConfig):
    """The pulses of a normal sinus rhythm record, drawn the way synth_record draws them."""
    traits = sample_patient(np.random.default_rng([config.seed, PATIENT_STREAM, index]))
    rng = np.random.default_rng([config.seed, RECORD_STREAM, index])
    phys = record_physiology(frozenset(), traits, rng)
    beats = beat_schedule(phys, config.duration, 0.0, rng)
    return beat_pulses(beats, beat_templates(traits, phys), phys, rng)


def per_call_ms(fn, items) -> float:
    start = time.perf_counter()
    for item in items:
        fn(item)
    return 1000 * (time.perf_counter() - start) / len(items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=400)
    args = parser.parse_args()
    config = SynthConfig(fs=500.0, duration=10.0, seed=0)
    n_samples = int(config.fs * config.duration)
    synth_record(0, config)                                    # warm caches (filter design, imports)
    record_ms = per_call_ms(lambda i: synth_record(i, config), range(args.n))
    sample = [pulses(i, config) for i in range(min(args.n, 50))]
    windowed_ms = per_call_ms(lambda p: gaussian_sum(*p, n_samples, config.fs), sample)
    dense_ms = per_call_ms(lambda p: dense_gaussian_sum(*p, n_samples, config.fs), sample)
    print(json.dumps({
        "benchmark": "synth_speed", "records": args.n, "fs": config.fs, "duration_s": config.duration, "leads": 12,
        "records_per_s": round(1000 / record_ms, 1), "target_records_per_s": TARGET_RECORDS_PER_S,
        "ms_per_record": round(record_ms, 3), "pulse_sum_ms": round(windowed_ms, 3),
        "dense_pulse_sum_ms": round(dense_ms, 3), "pulse_sum_speedup": round(dense_ms / windowed_ms, 1),
    }))


if __name__ == "__main__":
    main()
