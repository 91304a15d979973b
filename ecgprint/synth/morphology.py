"""Wave templates: each beat type as a few Gaussian pulses of the 3-D heart vector (a 3-D form of the
McSharry et al. 2003 sum-of-Gaussians model), with activation order set by the conduction pattern."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .patient import PatientTraits, direction
from .physiology import Physiology
from .rhythm import PAC, PVC, SINUS

P_ANCHOR, QRS_ANCHOR, T_ANCHOR = 0, 1, 2
LBBB_VOLTAGE = 1.3        # LBBB raises QRS voltage (deep S in V1-V3, tall R in V5-V6)
T_AXIS_CENTRE = 15.0      # the normal T axis follows the QRS axis only half-way (fitted to the real T in I and II)


@dataclass(frozen=True)
class Waves:
    """Gaussian pulses of one beat type. `anchor` says what `offset` and `sigma` are relative to:
    P_ANCHOR and QRS_ANCHOR: seconds after P onset / QRS onset; T_ANCHOR: fractions of the beat's QT
    after QRS onset. `vector` [n, 3] is each pulse's peak heart vector in mV (Frank x left, y feet, z back)."""

    anchor: np.ndarray
    offset: np.ndarray
    sigma: np.ndarray
    vector: np.ndarray

    def __add__(self, other: "Waves") -> "Waves":
        return Waves(*(np.concatenate([a, b]) for a, b in zip(self.astuple(), other.astuple(), strict=True)))

    def astuple(self) -> tuple[np.ndarray, ...]:
        return self.anchor, self.offset, self.sigma, self.vector


def waves(anchor: int, rows: list[tuple[float, float, np.ndarray]]) -> Waves:
    """Build a Waves table from (offset, sigma, vector) rows sharing one anchor."""
    return Waves(anchor=np.full(len(rows), anchor, dtype=np.int8),
                 offset=np.array([r[0] for r in rows]), sigma=np.array([r[1] for r in rows]),
                 vector=np.array([r[2] for r in rows]))


def sinus_p(tr: PatientTraits, p_s: float) -> Waves:
    """Right then left atrial activation: anterior-inferior then posterior-leftward, so the P wave is upright
    in II and biphasic (+/-) in V1."""
    return waves(P_ANCHOR, [
        (0.38 * p_s, 0.17 * p_s, 0.7 * tr.p_amp * direction(tr.p_axis + 15.0, tr.p_posterior - 35.0)),
        (0.62 * p_s, 0.17 * p_s, 0.7 * tr.p_amp * direction(tr.p_axis - 25.0, tr.p_posterior + 45.0)),
    ])


def ectopic_p(tr: PatientTraits, p_s: float) -> Waves:
    """Low-atrial premature P wave: superiorly directed, so inverted in II, III and aVF."""
    return waves(P_ANCHOR, [(0.5 * p_s, 0.2 * p_s, 0.8 * tr.p_amp * direction(-70.0, 0.0))])


def qrs(tr: PatientTraits, conduction: str, d: float) -> Waves:
    """QRS of duration `d` seconds for "normal", "RBBB" or "LBBB" conduction. Ventricular activation sweeps
    counter-clockwise in the horizontal plane (anterior-leftward, then posterior-leftward), which is what
    gives the R-wave progression V1 -> V6."""
    septal = tr.septal_amp * direction(190.0 + 0.5 * (tr.qrs_axis - 25.0), -50.0)
    early = 0.5 * tr.qrs_amp * direction(tr.qrs_axis + 5.0, tr.qrs_posterior - 40.0)
    late = 0.75 * tr.qrs_amp * direction(tr.qrs_axis - 5.0, tr.qrs_posterior + 10.0)
    if conduction == "normal":
        # Septum left-to-right, apex and free walls, then the basal right-superior forces.
        return waves(QRS_ANCHOR, [
            (0.16 * d, 0.065 * d, septal),
            (0.38 * d, 0.105 * d, early),
            (0.54 * d, 0.105 * d, late),
            (0.76 * d, 0.08 * d, tr.terminal_amp * direction(195.0, 45.0)),
        ])
    if conduction == "RBBB":
        # Normal septal and left ventricular activation, then slow rightward-anterior right ventricular
        # activation: rsR' in V1-V2, wide slurred S in I and V6.
        return waves(QRS_ANCHOR, [
            (0.10 * d, 0.045 * d, septal),
            (0.25 * d, 0.065 * d, 1.15 * early),
            (0.36 * d, 0.065 * d, 0.45 * late),
            (0.66 * d, 0.14 * d, 0.85 * (0.15 + tr.terminal_amp) * tr.qrs_amp * direction(190.0, -65.0)),
        ])
    # LBBB: septum activated right-to-left (no septal q in I/V6), then slow leftward-posterior spread in two
    # fronts: broad notched R in I, aVL, V5-V6 and QS/rS in V1.
    amp = LBBB_VOLTAGE * tr.qrs_amp
    return waves(QRS_ANCHOR, [
        (0.12 * d, 0.08 * d, 0.25 * direction(tr.qrs_axis, -45.0 + 40.0 * tr.rank_qrs)),
        (0.40 * d, 0.13 * d, 0.8 * amp * direction(tr.qrs_axis + 5.0, 58.0)),
        (0.70 * d, 0.12 * d, amp * direction(tr.qrs_axis - 10.0, 65.0)),
        # a small terminal rightward force: the s wave in II and V5-V6 of most real LBBB records
        (0.90 * d, 0.07 * d, 0.2 * amp * direction(tr.qrs_axis + 160.0, -20.0)),
    ])


def t_wave(tr: PatientTraits, conduction: str, scale: float = 1.0) -> Waves:
    """Repolarisation as a slow ascending and a faster descending pulse (asymmetric T), `scale` times the
    patient's T voltage. Bundle branch blocks give secondary ST-T changes: RBBB turns T away from the
    terminal rightward-anterior forces; in LBBB the T vector points anterior-inferior (upright in II and
    V1-V3, as measured on the real LBBB records) with a discordant ST shift."""
    amp = scale * tr.t_ratio * tr.qrs_amp
    t_axis = 0.5 * (tr.qrs_axis + T_AXIS_CENTRE) + tr.t_axis_offset
    if conduction == "normal":
        vec, ascending, start = amp * direction(t_axis, tr.t_anterior), 0.45, 0.62
    elif conduction == "RBBB":
        vec, ascending, start = amp * direction(t_axis, 10.0), 0.45, 0.62
    else:
        vec = amp * direction(75.0 + tr.t_axis_offset, -55.0)
        ascending, start = 0.8, 0.5
    return waves(T_ANCHOR, [(start, 0.16, ascending * vec), (0.74, 0.085, vec)])


def ectopic_ventricular(tr: PatientTraits, d: float) -> Waves:
    """Premature ventricular beat from the patient's one ectopic focus: wide, bizarre QRS (two slow fronts)
    with a T wave opposite to it."""
    axis, posterior = tr.ectopic_axis, tr.ectopic_posterior
    return waves(QRS_ANCHOR, [
        (0.35 * d, 0.15 * d, 1.4 * tr.qrs_amp * direction(axis, posterior)),
        (0.70 * d, 0.12 * d, 0.6 * tr.qrs_amp * direction(axis + 40.0, posterior - 20.0)),
    ]) + waves(T_ANCHOR, [(0.55, 0.16, 0.5 * tr.qrs_amp * direction(axis + 180.0, -posterior)),
                          (0.74, 0.09, 0.6 * tr.qrs_amp * direction(axis + 180.0, -posterior))])


def beat_templates(tr: PatientTraits, phys: Physiology) -> dict[int, Waves]:
    """Templates per beat kind (rhythm.SINUS / PAC / PVC); in AF the supraventricular beats have no P."""
    conducted = qrs(tr, phys.conduction, phys.qrs_s) + t_wave(tr, phys.conduction, phys.t_scale)
    pvc_width = max(phys.qrs_s, 0.14) + 0.02
    sinus = conducted if phys.rhythm == "af" else sinus_p(tr, phys.p_s) + conducted
    return {SINUS: sinus, PAC: ectopic_p(tr, phys.p_s) + conducted, PVC: ectopic_ventricular(tr, pvc_width)}
