"""Traits of one synthetic patient (heart orientation, voltages, where they sit in each normal range), shared
by all of that patient's records so patient-wise splits matter."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def direction(frontal_deg: float, posterior_deg: float) -> np.ndarray:
    """Unit vector in Frank coordinates (x left, y feet, z back) from the frontal-plane angle (0 = left,
    +90 = feet, as on the hexaxial reference) and the elevation towards the back (negative = anterior)."""
    az, el = np.radians(frontal_deg), np.radians(posterior_deg)
    return np.array([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)])


TORSO_SD = 0.08     # per-person change of every lead vector (torso shape, heart position), per component


@dataclass(frozen=True)
class PatientTraits:
    """Angles in degrees (Frank frontal angle / elevation to the back), amplitudes in mV of the heart vector,
    and `rank_*` in [0, 1]: where the patient sits inside each label's interval range."""

    qrs_axis: float
    qrs_posterior: float
    qrs_amp: float
    septal_amp: float
    terminal_amp: float
    t_axis_offset: float
    t_anterior: float
    t_ratio: float
    p_axis: float
    p_posterior: float
    p_amp: float
    ectopic_axis: float
    ectopic_posterior: float
    rank_rate: float
    rank_pr: float
    rank_qrs: float
    rank_qtc: float
    rank_p: float
    rank_hrv: float
    rank_t_flat: float            # the patient's T waves are flat or inverted when below the label's share
    torso: np.ndarray             # [8, 3] change of the Dower lead vectors for this person's torso


def sample_patient(rng: np.random.Generator) -> PatientTraits:
    """Draw one patient. Ranges follow adult resting-ECG norms (see docs/synthetic.md)."""
    ranks = rng.beta(2.0, 2.0, size=6)
    return PatientTraits(
        qrs_axis=float(np.clip(rng.normal(25.0, 22.0), -35.0, 90.0)),
        qrs_posterior=float(np.clip(rng.normal(25.0, 14.0), 0.0, 60.0)),
        qrs_amp=float(1.4 * rng.lognormal(0.0, 0.3)),
        septal_amp=float(rng.uniform(0.06, 0.3)),
        terminal_amp=float(rng.uniform(0.25, 0.8)),
        t_axis_offset=float(rng.normal(0.0, 18.0)),
        t_anterior=float(rng.normal(-25.0, 15.0)),
        t_ratio=float(rng.uniform(0.1, 0.28)),
        p_axis=float(np.clip(rng.normal(52.0, 12.0), 25.0, 80.0)),
        p_posterior=float(np.clip(rng.normal(0.0, 25.0), -45.0, 45.0)),
        p_amp=float(rng.uniform(0.08, 0.18)),
        ectopic_axis=float(rng.uniform(-180.0, 180.0)),
        ectopic_posterior=float(rng.uniform(-60.0, 60.0)),
        rank_rate=float(ranks[0]), rank_pr=float(ranks[1]), rank_qrs=float(ranks[2]),
        rank_qtc=float(ranks[3]), rank_p=float(ranks[4]), rank_hrv=float(ranks[5]),
        rank_t_flat=float(rng.uniform()), torso=rng.normal(0.0, TORSO_SD, size=(8, 3)),
    )
