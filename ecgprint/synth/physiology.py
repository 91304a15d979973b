"""Per-label physiology: turn a record's label set and its patient's traits into rates, intervals and rhythm
parameters. The ranges below are the numbers docs/synthetic.md quotes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .patient import PatientTraits

SINUS_RATE_BPM = {"normal": (61.0, 97.0), "SB": (45.0, 58.5), "ST": (102.0, 140.0)}
# The patient's rate rank is raised to this power: real normal and tachycardic rates crowd the low end of
# their range, bradycardic ones its high end (measured on the real records, docs/synthetic.md).
RATE_SKEW = {"normal": 1.5, "SB": 0.7, "ST": 1.5}
AF_RATE_BPM = (60.0, 140.0)                 # mean ventricular rate in AF
PR_MS = {"normal": (120.0, 200.0), "1dAVb": (218.0, 262.0)}
# 1dAVb with sinus tachycardia: a short-ish PR at a rate just over 100, so the P wave still clears the T wave.
AVB_TACHY = {"rate_bpm": (102.0, 110.0), "pr_ms": (218.0, 235.0)}
QRS_MS = {"normal": (76.0, 106.0), "RBBB": (120.0, 148.0), "LBBB": (122.0, 155.0)}
QTC_MS = (385.0, 470.0)                     # Fridericia-corrected QT of the normally conducted beat
P_MS = (95.0, 135.0)
RSA_FRACTION = {"normal": (0.015, 0.06), "SB": (0.015, 0.06), "ST": (0.003, 0.02)}
RR_WHITE_SD = (0.002, 0.015)                # beat-to-beat jitter of sinus RR, as a fraction of RR
MAYER_FRACTION = (0.002, 0.012)             # 0.1 Hz baroreflex oscillation of RR, as a fraction of RR
AF_RR_LOG_SD = (0.18, 0.28)                 # standard deviation of log RR in AF
FWAVE_HZ = (5.0, 8.5)                       # 300-510 fibrillatory waves per minute
FWAVE_MV = (0.01, 0.05)
# T voltage relative to the patient's: a share of the real records has flat or inverted T waves (non-specific
# repolarisation changes, not one of the six labels), about half of the AF records, a third of the sinus
# tachycardia records and a tenth of the others (T in V5 on the real records); negative scales invert T.
T_FLAT_SHARE = {"af": 0.5, "ST": 0.35, "normal": 0.12}
T_SCALE = {"flat": (-0.6, 0.3), "upright": (0.6, 1.1)}
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
    rr_white_sd: float
    t_scale: float
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
    avb_tachy = {"1dAVb", "ST"} <= labels
    t_class = "af" if af else "ST" if rate_class == "ST" else "normal"
    rate_bounds = (AF_RATE_BPM if af else AVB_TACHY["rate_bpm"] if avb_tachy else SINUS_RATE_BPM[rate_class])
    pr_bounds = AVB_TACHY["pr_ms"] if avb_tachy else PR_MS["1dAVb" if "1dAVb" in labels else "normal"]
    return Physiology(
        rhythm="af" if af else "sinus",
        conduction=conduction,
        rate_bpm=pick(rate_bounds, traits.rank_rate ** (1.0 if af else RATE_SKEW[rate_class])),
        pr_s=pick(pr_bounds, traits.rank_pr) / 1000.0,
        p_s=pick(P_MS, traits.rank_p) / 1000.0,
        qrs_s=pick(QRS_MS[conduction], traits.rank_qrs) / 1000.0,
        qtc_s=pick(QTC_MS, traits.rank_qtc) / 1000.0,
        rsa=pick(RSA_FRACTION[rate_class], traits.rank_hrv),
        mayer=pick(MAYER_FRACTION, traits.rank_hrv),
        rr_white_sd=pick(RR_WHITE_SD, traits.rank_hrv),
        t_scale=float(rng.uniform(*T_SCALE["flat" if traits.rank_t_flat < T_FLAT_SHARE[t_class] else "upright"])),
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
