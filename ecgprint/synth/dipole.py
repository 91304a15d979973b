"""The heart vector over time (Gaussian pulses placed at each beat) and its projection onto the leads."""

from __future__ import annotations

import numpy as np

from .morphology import P_ANCHOR, T_ANCHOR, Waves
from .physiology import Physiology, qt_interval
from .rhythm import Beats

# Dower transform (Dower et al. 1980; as tabulated by Edenbrandt & Pahlm 1988): rows are the independent
# leads, columns the Frank x (left), y (feet), z (back) components. The other four limb leads follow from
# I and II exactly (Einthoven, Goldberger), which Record does when given these eight.
INDEPENDENT_LEADS = ("I", "II", "V1", "V2", "V3", "V4", "V5", "V6")
DOWER = np.array([
    [0.632, -0.235, 0.059],
    [0.235, 1.066, -0.132],
    [-0.515, 0.157, -0.917],
    [0.044, 0.164, -1.387],
    [0.882, 0.098, -1.277],
    [1.213, 0.127, -0.601],
    [1.125, 0.127, -0.086],
    [0.831, 0.076, 0.230],
])
PLACEMENT_SHIFT_SD = 0.2     # precordial electrode displacement, in units of the spacing to the next electrode
PLACEMENT_GAIN_SD = 0.05     # and the resulting change of that lead's sensitivity
# The atria lie far from most chest electrodes (V1 sits over the right atrium), so the dipole model
# overstates atrial activity in V2-V6: real records show about 60 % of the P voltage the Dower transform
# predicts there (docs/synthetic.md).
ATRIAL_LEAD_GAIN = np.array([1.0, 1.0, 1.0, 0.8, 0.6, 0.6, 0.6, 0.6])
PULSE_SUPPORT = 5.0          # pulses are evaluated within +-5 sigma (relative error < 4e-6)
RESPIRATORY_ROTATION_DEG = 4.0
BEAT_GAIN_SD = 0.01


def lead_matrix(torso: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Dower matrix plus this person's `torso` change, with this recording's precordial electrode placement:
    each V lead vector moves part of the way towards a neighbour's and its gain changes slightly."""
    chest = DOWER[2:]
    shift = rng.normal(0.0, PLACEMENT_SHIFT_SD, size=len(chest))
    i = np.arange(len(chest))
    neighbour = chest[np.clip(i + np.sign(shift).astype(int), 0, len(chest) - 1)]
    moved = chest + np.abs(shift)[:, None] * (neighbour - chest)
    moved *= 1.0 + rng.normal(0.0, PLACEMENT_GAIN_SD, size=(len(chest), 1))
    return np.vstack([DOWER[:2], moved]) + torso


def frontal_rotation(angle: np.ndarray) -> np.ndarray:
    """Rotation matrices [len(angle), 3, 3] about the antero-posterior (Frank z) axis."""
    c, s, zero, one = np.cos(angle), np.sin(angle), np.zeros_like(angle), np.ones_like(angle)
    return np.stack([np.stack([c, -s, zero], -1), np.stack([s, c, zero], -1), np.stack([zero, zero, one], -1)], -2)


def beat_pulses(beats: Beats, templates: dict[int, Waves], phys: Physiology,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centres (s), widths (s) and vectors (mV) of every pulse of every beat. Breathing swings each beat's
    amplitude and rotates it in the frontal plane; a little independent gain jitter is added per beat."""
    phase = 2 * np.pi * phys.respiration_hz * beats.onset + rng.uniform(0.0, 2 * np.pi)
    gain = 1.0 + phys.respiratory_modulation * np.sin(phase) + rng.normal(0.0, BEAT_GAIN_SD, size=len(phase))
    rotation = gain[:, None, None] * frontal_rotation(np.radians(RESPIRATORY_ROTATION_DEG) * np.cos(phase))
    qt = qt_interval(phys, beats.rr)
    centres, sigmas, vectors = [], [], []
    for kind, tpl in templates.items():
        sel = beats.kind == kind
        beat_qt = qt[sel, None]
        is_t = tpl.anchor == T_ANCHOR
        after_qrs_onset = np.where(tpl.anchor == P_ANCHOR, tpl.offset - phys.pr_s, tpl.offset)
        centres.append((beats.onset[sel, None] + np.where(is_t, tpl.offset * beat_qt, after_qrs_onset)).ravel())
        sigmas.append(np.where(is_t, tpl.sigma * beat_qt, tpl.sigma).ravel())
        vectors.append(np.einsum("bij,cj->bci", rotation[sel], tpl.vector).reshape(-1, 3))
    return np.concatenate(centres), np.concatenate(sigmas), np.concatenate(vectors)


def atrial_pulses(beats: Beats, templates: dict[int, Waves]) -> np.ndarray:
    """Which pulses of `beat_pulses` (same order) are atrial, i.e. P waves."""
    return np.concatenate([np.tile(tpl.anchor == P_ANCHOR, int((beats.kind == kind).sum()))
                           for kind, tpl in templates.items()])


def gaussian_sum(centres: np.ndarray, sigmas: np.ndarray, vectors: np.ndarray, n: int, fs: float) -> np.ndarray:
    """Sum of 3-D Gaussian pulses sampled at t = i / fs, i < n -> [n, 3].

    Hot path: each pulse is evaluated only on a window of +-PULSE_SUPPORT sigma, pulses are grouped by window
    size (powers of two, so narrow QRS pulses do not pay for wide T windows) and scattered with bincount into
    a padded buffer (no masking of window samples that fall outside the record); benchmarks/synth_speed.py
    measures it against evaluating every pulse on every sample.
    """
    if len(centres) == 0:
        return np.zeros((n, 3))
    group = np.ceil(np.log2(np.maximum(np.ceil(PULSE_SUPPORT * sigmas * fs), 1.0))).astype(int)
    pad = 2 ** (int(group.max()) + 1)
    out = np.zeros((3, n + 2 * pad))
    nearest = np.rint(centres * fs).astype(np.int64)
    for g in np.unique(group):
        half = 2 ** int(g)
        sel = (group == g) & (nearest + half >= 0) & (nearest - half < n)
        idx = nearest[sel, None] + np.arange(-half, half + 1)
        shape = np.exp(-0.5 * ((idx / fs - centres[sel, None]) / sigmas[sel, None]) ** 2)
        for d in range(3):
            out[d] += np.bincount((idx + pad).ravel(), weights=(shape * vectors[sel, d, None]).ravel(),
                                  minlength=out.shape[1])
    return out[:, pad:pad + n].T
