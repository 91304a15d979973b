"""Per-label physiology: turn a record's label set and its patient's traits into rates, intervals and rhythm
parameters. The ranges below are the numbers docs/synthetic.md quotes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .patient import PatientTraits

SINUS_RATE_BPM = {"normal": (62.0, 98.0), "SB": (40.0, 57.0), "ST": (104.0, 150.0)}
AF_RATE_BPM = (65.0, 130.0)                 # mean ventricular rate in AF
PR_MS = {"normal": (125.0, 195.0), "1dAVb": (215.0, 330.0)}
QRS_MS = {"normal": (76.0, 100.0), "RBBB": (120.0, 155.0), "LBBB": (125.0, 165.0)}
QTC_MS = (385.0, 445.0)                     # Fridericia-corrected QT of the normally conducted beat
P_MS = (85.0, 115.0)
RSA_FRACTION = {"normal": (0.005, 0.03), "SB": (0.01, 0.045), "ST": (0.002, 0.012)}
MAYER_FRACTION = (0.002, 0.012)             # 0.1 Hz baroreflex oscillation of RR, as a fraction of RR
AF_RR_LOG_SD = (0.22, 0.36)                 # standard deviation of log RR in AF
FWAVE_HZ = (5.0, 8.5)                       # 300-510 fibrillatory waves per minute
FWAVE_MV = (0.03, 0.1)
RESPIRATION_HZ = (0.2, 0.33)
RESPIRATORY_QRS_MODULATION = (0.02, 0.08)   # fractional beat-to-beat QRS amplitude swing with breathing
RECORD_JITTER = 0.08                        # how far a record strays from its patient's rank (in rank units)


@dataclass(frozen=True)
class Physiology:
    """What one record's heart does: rhythm ("sinus" or "af"), conduction ("normal", "RBBB", "LBBB"),
    rates in bpm, durations in seconds, variability as fractions of RR."""

    rhythm: str
    conduction: str
    rate_bpm: float
    pr_s: float
    p_s: float
    qrs_s: float
    qtc_s: float
    rsa: float
    mayer: float
    af_rr_log_sd: float
    fwave_hz: float
    fwave_mv: float
    respiration_hz: float
    respiratory_modulation: float


def record_physiology(labels: frozenset[str], traits: PatientTraits, rng: np.random.Generator) -> Physiology:
    """Map a compatible label set to physiology, placing the record near its patient's rank in each range."""

    def pick(bounds: tuple[float, float], rank: float) -> float:
        r = float(np.clip(rank + rng.normal(0.0, RECORD_JITTER), 0.0, 1.0))
        return bounds[0] + r * (bounds[1] - bounds[0])

    rate_class = "SB" if "SB" in labels else "ST" if "ST" in labels else "normal"
    conduction = "RBBB" if "RBBB" in labels else "LBBB" if "LBBB" in labels else "normal"
    af = "AF" in labels
    return Physiology(
        rhythm="af" if af else "sinus",
        conduction=conduction,
        rate_bpm=pick(AF_RATE_BPM if af else SINUS_RATE_BPM[rate_class], traits.rank_rate),
        pr_s=pick(PR_MS["1dAVb" if "1dAVb" in labels else "normal"], traits.rank_pr) / 1000.0,
        p_s=pick(P_MS, traits.rank_p) / 1000.0,
        qrs_s=pick(QRS_MS[conduction], traits.rank_qrs) / 1000.0,
        qtc_s=pick(QTC_MS, traits.rank_qtc) / 1000.0,
        rsa=pick(RSA_FRACTION[rate_class], traits.rank_hrv),
        mayer=pick(MAYER_FRACTION, traits.rank_hrv),
        af_rr_log_sd=float(rng.uniform(*AF_RR_LOG_SD)),
        fwave_hz=float(rng.uniform(*FWAVE_HZ)),
        fwave_mv=float(rng.uniform(*FWAVE_MV)),
        respiration_hz=float(rng.uniform(*RESPIRATION_HZ)),
        respiratory_modulation=float(rng.uniform(*RESPIRATORY_QRS_MODULATION)),
    )


def qt_interval(phys: Physiology, rr: np.ndarray) -> np.ndarray:
    """QT (s) of beats after RR intervals `rr` (Fridericia: QT = QTc * RR^(1/3)); a wide QRS lengthens QT
    by its extra width, leaving the JT interval normal."""
    return phys.qtc_s * np.cbrt(rr) + max(phys.qrs_s - QRS_MS["normal"][1] / 1000.0, 0.0)
