"""Recording nuisances at the nine electrodes (baseline wander, mains hum, muscle noise), combined into the
eight independent leads exactly as the ECG amplifier combines electrode potentials."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .config import MAINS_HZ, NuisanceConfig

ELECTRODES = ("RA", "LA", "LL", "C1", "C2", "C3", "C4", "C5", "C6")
# I = LA - RA, II = LL - RA, Vi = Ci - Wilson central terminal (mean of RA, LA, LL).
ELECTRODES_TO_LEADS = np.vstack([
    [-1.0, 1.0, 0.0, 0, 0, 0, 0, 0, 0],
    [-1.0, 0.0, 1.0, 0, 0, 0, 0, 0, 0],
    np.hstack([np.full((6, 3), -1.0 / 3.0), np.eye(6)]),
])
DRIFT_HZ = (0.03, 0.3)        # electrode drift besides the respiratory component
EMG_HIGHPASS_HZ = 20.0
LIMB_EMG_WEIGHT = 1.5         # limb electrodes pick up more skeletal-muscle tremor than chest electrodes


@lru_cache(maxsize=16)
def _emg_filter(fs: float) -> np.ndarray:
    from scipy import signal  # imported here, as in atrial.py: `import ecgprint.synth` stays cheap
    return signal.butter(2, EMG_HIGHPASS_HZ, btype="highpass", fs=fs, output="sos")


def _oscillations(t: np.ndarray, freqs: np.ndarray, amplitude: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Sinusoids at `freqs` with random phase and amplitude up to `amplitude` [9] per electrode -> [n, 9].

    Hot path: per-electrode sinusoids are mixed from one shared sin/cos basis (a matmul instead of 9x the
    trigonometry)."""
    arg = 2 * np.pi * t[:, None] * freqs[None, :]
    basis = np.hstack([np.sin(arg), np.cos(arg)])
    weights = rng.standard_normal((basis.shape[1], len(ELECTRODES))) / np.sqrt(len(freqs))
    return basis @ (weights * amplitude[None, :])


def electrode_noise(cfg: NuisanceConfig, respiration_hz: float, t: np.ndarray, fs: float,
                    rng: np.random.Generator) -> tuple[np.ndarray, dict[str, float]]:
    """Nuisance at the independent leads [len(t), 8] (mV) and the levels this record drew."""
    level = rng.uniform(0.0, 1.0, size=3) * (cfg.baseline_wander_mv, cfg.powerline_mv, cfg.emg_mv)
    mains = cfg.mains_hz if cfg.mains_hz is not None else MAINS_HZ[int(rng.integers(len(MAINS_HZ)))]
    per_electrode = rng.uniform(0.0, 1.0, size=(3, len(ELECTRODES)))
    freqs = np.concatenate([[respiration_hz], rng.uniform(*DRIFT_HZ, size=2)])
    total = _oscillations(t, freqs, level[0] * per_electrode[0], rng)
    if mains < fs / 2:   # above Nyquist, the amplifier's anti-aliasing filter removes the hum
        total += _oscillations(t, np.array([float(mains)]), level[1] * per_electrode[1], rng)
    emg_weight = np.where(np.arange(len(ELECTRODES)) < 3, LIMB_EMG_WEIGHT, 1.0)
    white = rng.standard_normal((len(t), len(ELECTRODES))) * (level[2] * per_electrode[2] * emg_weight)
    from scipy.signal import sosfilt
    total += sosfilt(_emg_filter(fs), white, axis=0)
    levels = {"baseline_wander_mv": float(level[0]), "powerline_mv": float(level[1]),
              "mains_hz": int(mains), "emg_mv": float(level[2])}
    return total @ ELECTRODES_TO_LEADS.T, levels
