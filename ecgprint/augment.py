"""Lead-consistent signal augmentation: one more plausible recording of the same heart per printed page.

Gain and time warp act on all leads alike; baseline wander and muscle noise are drawn at the nine electrodes and
combined into the leads as the amplifier does, so Einthoven's and Goldberger's relations still hold afterwards.
The warp is local (a slow sinusoidal displacement of the time axis), so the mean heart rate, and with it the SB/ST
labels, does not change.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .leads import STANDARD_LEADS, derive_limb_leads
from .record import Record
from .synth.noise import ELECTRODES, ELECTRODES_TO_LEADS

INDEPENDENT_LEADS = ("I", "II", "V1", "V2", "V3", "V4", "V5", "V6")   # the rows of ELECTRODES_TO_LEADS
WANDER_HZ = (0.05, 0.5)       # respiration and electrode drift
WARP_HZ = (0.1, 0.3)          # a displacement period of 3-10 s: several beats stretched, then compressed
LIMITS = {"gain": 0.5, "wander_mv": 2.0, "noise_mv": 0.5, "warp": 0.1}


@dataclass(frozen=True)
class SignalAugment:
    """Maximum strength of each augmentation; each page draws a level uniformly up to it (0 switches it off).

    gain: relative amplitude change (+-); wander_mv / noise_mv: per-electrode baseline wander and white muscle
    noise; warp: largest local stretch of the time axis (0.03 = intervals change by up to 3 %).
    """

    gain: float = 0.0
    wander_mv: float = 0.0
    noise_mv: float = 0.0
    warp: float = 0.0

    def __post_init__(self) -> None:
        for name, limit in LIMITS.items():
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and 0 <= value <= limit):
                raise ValueError(f"augment.{name} must be a number in [0, {limit}], got {value!r}")

    @property
    def active(self) -> bool:
        return any(asdict(self).values())

    def to_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}

    def apply(self, record: Record, rng: np.random.Generator) -> Record:
        """A copy of `record` with an augmented signal (same labels, ids and rate)."""
        signal, _ = augment_signal(record.signal.astype(np.float64), record.fs, self, rng)
        return Record(signal, record.fs, STANDARD_LEADS, record.labels, record.record_id, record.patient_id,
                      record.source, record.path, record.allow_nan, dict(record.metadata))


def augment_signal(signal: np.ndarray, fs: float, spec: SignalAugment,
                   rng: np.random.Generator) -> tuple[np.ndarray, dict[str, float]]:
    """[n, 12] mV in STANDARD_LEADS order -> augmented float32 [n, 12] and the drawn levels. Every level is drawn
    whether or not it is used, so switching one augmentation off leaves the others' draws unchanged."""
    n = signal.shape[0]
    t = np.arange(n) / fs
    gain, wander, noise, warp = rng.uniform(0.0, 1.0, size=4) * (2 * spec.gain, spec.wander_mv, spec.noise_mv,
                                                               spec.warp)
    gain -= spec.gain
    warp_hz, warp_phase = rng.uniform(*WARP_HZ), rng.uniform(0, 2 * np.pi)
    out = signal
    if warp > 0:   # sample at t + d(t); |d'(t)| <= warp < 1 keeps time monotone
        shifted = np.clip(t + warp / (2 * np.pi * warp_hz) * np.sin(2 * np.pi * warp_hz * t + warp_phase), 0, t[-1])
        out = np.stack([np.interp(shifted, t, out[:, k]) for k in range(out.shape[1])], axis=1)
    out = out * (1.0 + gain)
    freqs = rng.uniform(*WANDER_HZ, size=3)
    phases = rng.uniform(0, 2 * np.pi, size=(3, len(ELECTRODES)))
    weights = rng.standard_normal((3, len(ELECTRODES))) / np.sqrt(3)
    waves = np.sin(2 * np.pi * freqs[None, :, None] * t[:, None, None] + phases[None])   # [n, 3, 9]
    electrodes = np.einsum("nfe,fe->ne", waves, weights) * wander
    electrodes += rng.standard_normal((n, len(ELECTRODES))) * noise
    independent = electrodes @ ELECTRODES_TO_LEADS.T
    nuisance = derive_limb_leads({name: independent[:, k] for k, name in enumerate(INDEPENDENT_LEADS)})
    out = out + np.stack([nuisance[name] for name in STANDARD_LEADS], axis=1)
    drawn = {"gain": float(gain), "wander_mv": float(wander), "noise_mv": float(noise), "warp": float(warp),
             "warp_hz": float(warp_hz)}
    return out.astype(np.float32), drawn
