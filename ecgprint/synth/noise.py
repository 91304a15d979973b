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
# Relative nuisance per electrode, set so the lead spectra match the real records (docs/synthetic.md): chest
# electrodes move with breathing more than limb electrodes (real limb leads carry about 40 % less wander
# power than chest leads); muscle noise is least over the sternum (V1-V2) and most over the lateral chest
# and limb muscles.
WANDER_WEIGHT = np.array([0.5, 0.5, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
EMG_WEIGHT = np.array([0.9, 0.9, 1.2, 0.3, 0.6, 0.8, 1.1, 1.4, 1.4])
LEVEL_EXPONENT = 1.5          # record level = bound * u ** 1.5: mostly quiet records, a few noisy ones


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
    level = rng.uniform(0.0, 1.0, size=3) ** LEVEL_EXPONENT * (cfg.baseline_wander_mv, cfg.powerline_mv, cfg.emg_mv)
    mains = cfg.mains_hz if cfg.mains_hz is not None else MAINS_HZ[int(rng.integers(len(MAINS_HZ)))]
    per_electrode = rng.uniform(0.0, 1.0, size=(3, len(ELECTRODES)))
    freqs = np.concatenate([[respiration_hz], rng.uniform(*DRIFT_HZ, size=2)])
    total = _oscillations(t, freqs, level[0] * per_electrode[0] * WANDER_WEIGHT, rng)
    if mains < fs / 2:   # above Nyquist, the amplifier's anti-aliasing filter removes the hum
        total += _oscillations(t, np.array([float(mains)]), level[1] * per_electrode[1], rng)
    white = rng.standard_normal((len(t), len(ELECTRODES))) * (level[2] * per_electrode[2] * EMG_WEIGHT)
    from scipy.signal import sosfilt
    total += sosfilt(_emg_filter(fs), white, axis=0)
    levels = {"baseline_wander_mv": float(level[0]), "powerline_mv": float(level[1]),
              "mains_hz": int(mains), "emg_mv": float(level[2])}
    return total @ ELECTRODES_TO_LEADS.T, levels
