"""Fibrillatory (f) waves of atrial fibrillation: narrow-band activity at the dominant atrial frequency
(4-9 Hz, Stridh & Sörnmo 2001; Bollmann et al. 2006) on two atrial dipole axes, so f waves are irregular in
shape, amplitude and timing and differ between leads."""

from __future__ import annotations

import numpy as np

from .patient import direction
from .physiology import Physiology

BANDWIDTH_HZ = (1.0, 2.5)            # spread of the atrial rate around its dominant frequency
SECOND_AXIS_SHARE = (0.2, 0.5)       # weight of the second, independent atrial axis
AM_HZ, AM_DEPTH = (0.1, 0.5), (0.2, 0.5)
# Towards V1 (anterior) and inferior, plus a leftward-posterior axis: f waves are largest in V1 and II, III, aVF.
ATRIAL_DIRECTIONS = np.array([direction(135.0, -45.0), direction(30.0, 30.0)])


def fibrillatory_waves(phys: Physiology, t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """f-wave heart vector [len(t), 3] in mV at times `t` (s); `phys.fwave_mv` is the peak amplitude of a
    sinusoid with the same power."""
    from scipy import signal  # imported here: only AF records need it, and it costs ~0.5 s of start-up
    fs = 1.0 / (t[1] - t[0])
    b, a = signal.iirpeak(phys.fwave_hz, phys.fwave_hz / rng.uniform(*BANDWIDTH_HZ), fs=fs)
    # Run the resonator in over one extra second so the record does not start with its transient.
    lead_in = int(fs)
    bands = signal.lfilter(b, a, rng.standard_normal((len(t) + lead_in, 2)), axis=0)[lead_in:]
    bands *= np.sqrt(2.0) / bands.std(axis=0)
    bands[:, 1] *= rng.uniform(*SECOND_AXIS_SHARE)
    fa, da, phase = rng.uniform(*AM_HZ), rng.uniform(*AM_DEPTH), rng.uniform(0.0, 2 * np.pi)
    envelope = phys.fwave_mv * (1.0 + da * np.sin(2 * np.pi * fa * t + phase))
    return envelope[:, None] * (bands @ ATRIAL_DIRECTIONS)
