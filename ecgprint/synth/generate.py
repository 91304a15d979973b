"""The generator driver: runs the cardiac-dipole model of this package into labelled 12-lead Records.
Record i depends only on (seed, i)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator

import numpy as np

from ..record import Record
from .atrial import fibrillatory_waves
from .config import SynthConfig
from .dipole import ATRIAL_LEAD_GAIN, INDEPENDENT_LEADS, atrial_pulses, beat_pulses, gaussian_sum, lead_matrix
from .morphology import beat_templates
from .noise import electrode_noise
from .patient import sample_patient
from .physiology import record_physiology
from .rhythm import PAC, PVC, beat_schedule

PATIENT_STREAM, RECORD_STREAM = 0, 1     # separate random streams for patient traits and record draws


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
    templates = beat_templates(traits, phys)
    centres, sigmas, vectors = beat_pulses(beats, templates, phys, rng)
    atrial = atrial_pulses(beats, templates)
    ventricles = gaussian_sum(centres[~atrial], sigmas[~atrial], vectors[~atrial], n, config.fs)
    atria = gaussian_sum(centres[atrial], sigmas[atrial], vectors[atrial], n, config.fs)
    if phys.rhythm == "af":
        atria += fibrillatory_waves(phys, t, rng)
    gain = float(rng.lognormal(0.0, config.nuisance.amplitude_sd))
    noise, levels = electrode_noise(config.nuisance, phys.respiration_hz, t, config.fs, rng)
    leads = lead_matrix(traits.torso, rng)
    signal = gain * (ventricles @ leads.T + atria @ (ATRIAL_LEAD_GAIN[:, None] * leads).T) + noise

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
                  patient_id=patient_id, source="synthetic", metadata={**metadata, "printed_id": printed_id(record_id)})


def printed_id(record_id: str) -> str:
    """The ID a page of this record prints: a six-digit number from a hash of its id, like the numeric IDs of real
    records, so that no printed page says "synth" (a model could learn the source from it)."""
    return str(100000 + int(hashlib.sha256(record_id.encode()).hexdigest()[:8], 16) % 900000)


def record_ids(index: int, config: SynthConfig) -> tuple[str, str]:
    """(record id, patient id) of record `index`, known without generating its signal."""
    return f"synth_{config.seed}_{index:06d}", f"synth_{config.seed}_p{index // config.records_per_patient:06d}"


def iter_synthetic(n: int, config: SynthConfig = SynthConfig(), start: int = 0) -> Iterator[Record]:
    """Records start, start+1, ..., start+n-1."""
    if n < 0 or start < 0:
        raise ValueError(f"n and start must be >= 0, got n={n}, start={start}")
    return (synth_record(i, config) for i in range(start, start + n))

