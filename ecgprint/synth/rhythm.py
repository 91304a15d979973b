"""Beat schedule: when each QRS starts and what kind of beat it is (sinus with heart-rate variability,
irregularly irregular atrial fibrillation, optional premature beats)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .physiology import Physiology

SINUS, PAC, PVC = 0, 1, 2
LEAD_IN_S = 1.5            # beats start this early so the record opens mid-rhythm, not on a first beat
TAIL_S = 0.5               # and run this long past the end so the last P waves are drawn
MAYER_HZ = 0.1
AF_MIN_RR_S = 0.25         # AV-node refractoriness caps the ventricular rate at 240 bpm
COUPLING = (0.55, 0.75)    # premature beat's RR as a fraction of the RR it interrupts
PVC_SHARE_IN_SINUS = 0.6


@dataclass(frozen=True)
class Beats:
    """QRS onset times (s, may start before 0), beat kinds (SINUS / PAC / PVC) and each beat's preceding RR."""

    onset: np.ndarray
    kind: np.ndarray
    rr: np.ndarray


def beat_schedule(phys: Physiology, duration: float, premature_rate: float, rng: np.random.Generator) -> Beats:
    """RR series for the record's rhythm, with premature beats inserted at `premature_rate` per beat."""
    mean_rr = 60.0 / phys.rate_bpm
    n = int(np.ceil((LEAD_IN_S + duration + TAIL_S + mean_rr) / (0.6 * mean_rr))) + 2
    phases = rng.uniform(0.0, 2 * np.pi, size=2)
    if phys.rhythm == "af":
        rr = mean_rr * np.exp(phys.af_rr_log_sd * rng.standard_normal(n) - phys.af_rr_log_sd ** 2 / 2)
        rr = np.maximum(rr, AF_MIN_RR_S)
    else:
        # Respiratory sinus arrhythmia + Mayer waves (McSharry et al. 2003), phase taken at nominal beat times.
        t = np.arange(n) * mean_rr
        rr = mean_rr * (1.0 + phys.rsa * np.sin(2 * np.pi * phys.respiration_hz * t + phases[0])
                        + phys.mayer * np.sin(2 * np.pi * MAYER_HZ * t + phases[1])
                        + phys.rr_white_sd * rng.standard_normal(n))
    kind = np.full(n, SINUS, dtype=np.int8)
    premature = rng.random(n) < premature_rate
    premature[0] = False
    coupling = rng.uniform(*COUPLING, size=n)
    pvc = rng.random(n) < (1.0 if phys.rhythm == "af" else PVC_SHARE_IN_SINUS)
    kind[premature] = np.where(pvc[premature], PVC, PAC)
    shortened = np.where(premature, rr * (1.0 - coupling), 0.0)
    rr = rr - shortened
    if phys.rhythm == "sinus":
        # A PVC does not reset the sinus node: the next beat comes on schedule (full compensatory pause).
        rr[1:] += np.where(kind[:-1] == PVC, shortened[:-1], 0.0)
    onset = -LEAD_IN_S - rng.uniform(0.0, mean_rr) + np.cumsum(rr)
    keep = onset < duration + TAIL_S
    return Beats(onset=onset[keep], kind=kind[keep], rr=rr[keep])
