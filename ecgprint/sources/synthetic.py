"""Labelled synthetic 12-lead ECGs as a source like any other: records from the cardiac-dipole model in
`ecgprint.synth`, and a WFDB writer for them. Record i depends only on (seed, i)."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path

import numpy as np

from ..labels import LABEL_TO_SNOMED, LABELS, to_multi_hot
from ..leads import STANDARD_LEADS
from ..record import Record
from ..synth.atrial import fibrillatory_waves
from ..synth.config import NuisanceConfig, SynthConfig
from ..synth.dipole import INDEPENDENT_LEADS, beat_pulses, gaussian_sum, lead_matrix
from ..synth.morphology import beat_templates
from ..synth.noise import electrode_noise
from ..synth.patient import sample_patient
from ..synth.physiology import record_physiology
from ..synth.rhythm import PAC, PVC, beat_schedule
from .item import SourceItem

__all__ = ["NuisanceConfig", "SynthConfig", "example_record", "iter_synthetic", "list_synthetic", "record_ids",
           "synth_record", "write_wfdb"]

PATIENT_STREAM, RECORD_STREAM = 0, 1     # separate random streams for patient traits and record draws
EXAMPLE_SEED = 2024
WFDB_GAIN = 1000.0                       # ADC units per mV: 1 uV quantisation
INT16_MAX = 32767                        # -32768 is WFDB's missing-sample marker in format 16


def synth_record(index: int, config: SynthConfig = SynthConfig()) -> Record:
    """Record number `index` of the synthetic set described by `config`; the same (seed, index) always gives
    the same record, whatever else is generated."""
    if not (isinstance(index, (int, np.integer)) and index >= 0):
        raise ValueError(f"record index must be an integer >= 0, got {index!r}")
    index = int(index)
    patient = index // config.records_per_patient
    traits = sample_patient(np.random.default_rng([config.seed, PATIENT_STREAM, patient]))
    rng = np.random.default_rng([config.seed, RECORD_STREAM, index])
    sets, probabilities = zip(*config.label_distribution, strict=True)
    labels = sets[int(rng.choice(len(sets), p=np.array(probabilities)))]
    phys = record_physiology(labels, traits, rng)
    beats = beat_schedule(phys, config.duration, config.nuisance.premature_rate, rng)

    n = math.ceil(config.duration * config.fs - 1e-6)     # never shorter than asked (Record needs >= 2.5 s)
    t = np.arange(n) / config.fs
    heart = gaussian_sum(*beat_pulses(beats, beat_templates(traits, phys), phys, rng), n, config.fs)
    if phys.rhythm == "af":
        heart += fibrillatory_waves(phys, t, rng)
    gain = float(rng.lognormal(0.0, config.nuisance.amplitude_sd))
    noise, levels = electrode_noise(config.nuisance, phys.respiration_hz, t, config.fs, rng)
    signal = gain * (heart @ lead_matrix(rng).T) + noise

    metadata = {
        "generator": "ecgprint.synth", "seed": config.seed, "index": index,
        "rhythm": phys.rhythm, "conduction": phys.conduction, "rate_bpm": round(phys.rate_bpm, 1),
        "pr_ms": None if phys.rhythm == "af" else round(1000 * phys.pr_s, 1),
        "qrs_ms": round(1000 * phys.qrs_s, 1), "qtc_ms": round(1000 * phys.qtc_s, 1),
        "premature_beats": int(np.isin(beats.kind[(beats.onset >= 0) & (beats.onset < config.duration)],
                                       (PAC, PVC)).sum()),
        "gain": round(gain, 4), **levels,
    }
    record_id, patient_id = record_ids(index, config)
    return Record(signal, config.fs, leads=INDEPENDENT_LEADS, labels=labels, record_id=record_id,
                  patient_id=patient_id, source="synthetic", metadata=metadata)


def record_ids(index: int, config: SynthConfig) -> tuple[str, str]:
    """(record id, patient id) of record `index`, known without generating its signal."""
    return f"synth_{config.seed}_{index:06d}", f"synth_{config.seed}_p{index // config.records_per_patient:06d}"


def list_synthetic(n: int, config: SynthConfig = SynthConfig()) -> Iterator[SourceItem]:
    """Records 0..n-1 as source items (ids and patients at listing time, signals generated on load())."""
    for index in range(n):
        record_id, patient_id = record_ids(index, config)
        yield SourceItem(record_id, "", partial(synth_record, index, config), patient_id=patient_id)


def iter_synthetic(n: int, config: SynthConfig = SynthConfig(), start: int = 0) -> Iterator[Record]:
    """Records start, start+1, ..., start+n-1."""
    if n < 0 or start < 0:
        raise ValueError(f"n and start must be >= 0, got n={n}, start={start}")
    return (synth_record(i, config) for i in range(start, start + n))


def example_record() -> Record:
    """A fixed 10 s, 500 Hz normal sinus rhythm record (for `ecgprint render --example`)."""
    return synth_record(0, SynthConfig(fs=500.0, duration=10.0, seed=EXAMPLE_SEED, labels=frozenset()))


def write_wfdb(records: Iterable[Record], outdir: str | Path) -> Path:
    """Write each record as WFDB (format 16 at 1 uV per unit, format 32 if it would not fit; physical units
    mV) plus `labels.csv` (record, patient_id, one 0/1 column per label); returns the labels.csv path."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    labels_path = outdir / "labels.csv"
    with labels_path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["record", "patient_id", *LABELS])
        for record in records:
            _write_one(record, outdir)
            writer.writerow([record.record_id, record.patient_id or "", *to_multi_hot(record.labels).tolist()])
    return labels_path


def _write_one(record: Record, outdir: Path) -> None:
    import wfdb   # here, not at the top: wfdb imports pandas, which generating and rendering never need

    digital = np.rint(record.signal.astype(np.float64) * WFDB_GAIN)
    fits16 = np.abs(digital).max() <= INT16_MAX
    fmt = "16" if fits16 else "32"
    # Challenge-style `Dx:` SNOMED codes and a patient id, so `ecgprint render`/`build` read the labels back
    dx = ",".join(LABEL_TO_SNOMED[label] for label in LABELS if label in record.labels)
    comments = [f"Dx: {dx}", f"patient_id: {record.patient_id}",
                f"source: {record.source}"]
    wfdb.wrsamp(record.record_id, fs=record.fs, units=["mV"] * len(STANDARD_LEADS), sig_name=list(STANDARD_LEADS),
                d_signal=digital.astype(np.int16 if fits16 else np.int32), fmt=[fmt] * len(STANDARD_LEADS),
                adc_gain=[WFDB_GAIN] * len(STANDARD_LEADS), baseline=[0] * len(STANDARD_LEADS),
                comments=comments, write_dir=str(outdir))
