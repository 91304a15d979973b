"""Which standard layout a page shows when its row count allows several (3x4 or Cabrera; 6x2 or 3x4 with three
rhythm strips): the reading whose simultaneous limb leads best obey Einthoven's and Goldberger's laws (all six are
sums of two, I and II), each rhythm strip named by the grid panel it repeats."""

from __future__ import annotations

import numpy as np

from ..leads import STANDARD_LEADS

# rows -> (layout, number of rhythm strips) readings, the row-count default first (it wins ties)
CANDIDATES = {3: (("3x4", 0), ("3x4_cabrera", 0)), 4: (("3x4", 1), ("3x4_cabrera", 1)),
              5: (("3x4", 2), ("3x4_cabrera", 2)), 6: (("6x2", 0), ("3x4", 3), ("3x4_cabrera", 3)),
              12: (("12x1", 0),)}
# Cabrera is a regional order: it is read only when its misfit is a quarter of the standard order's. On 132 real
# benchmark pages (docs/digitization.md), 3x4 pages read as Cabrera had misfit ratios 0.14-0.94 (median 0.71),
# true Cabrera pages 0.001-0.22 (median 0.014).
MISFIT_WEIGHT = {"3x4_cabrera": 4.0}
DEFAULT_STRIPS = ("II", "V1", "V5")     # rhythm strips whose grid panel is not found (too short, unreadable)
# I, II, III, aVR, aVL, aVF as combinations of I and II (the frontal plane has two degrees of freedom)
LIMB_BASIS = np.array([[1, 0], [0, 1], [-1, 1], [-0.5, -0.5], [1, -0.5], [-0.5, 1]])
MIN_MATCH_S = 1.0                       # a strip is matched to a grid panel over at least this much shared time
MIN_MATCH_R = 0.5                       # ... and only if they correlate this well


def limb_inconsistency(signal: np.ndarray) -> float:
    """How far the limb leads (signal [n, 12] mV, NaN where not printed) are from the frontal-plane model where at
    least three are printed at once: least-squares residual energy over signal energy (each set of printed leads
    centred), per residual degree of freedom: 0 for leads that obey it, about 1 for unrelated signals; inf when no
    three limb leads are printed together."""
    limb = signal[:, :6]
    known = np.isfinite(limb)
    residual = expected = 0.0
    for pattern in np.unique(known[known.sum(axis=1) >= 3], axis=0):
        rows = np.all(known == pattern, axis=1)
        basis, values = LIMB_BASIS[pattern], limb[rows][:, pattern]
        values = values - values.mean(axis=0)            # each row's baseline is found on its own
        fit, *_ = np.linalg.lstsq(basis, values.T, rcond=None)
        residual += float(np.sum((values.T - basis @ fit) ** 2))
        expected += float(np.sum(values ** 2)) * (pattern.sum() - 2) / pattern.sum()
    return residual / expected if expected > 0 else float("inf")


def strip_lead(grid: np.ndarray, strip: np.ndarray, fs: float, default: str) -> tuple[str, float]:
    """The standard lead a rhythm strip (strip [n] mV over the page's time) repeats and their correlation: the grid
    panel (grid [n, 12], NaN where not printed) it correlates best with over their shared time, else (`default`,
    0)."""
    best, name, matched = MIN_MATCH_R, default, 0.0
    for j, lead in enumerate(STANDARD_LEADS):
        both = np.isfinite(grid[:, j]) & np.isfinite(strip)
        if both.sum() < MIN_MATCH_S * fs:
            continue
        a, b = grid[both, j] - grid[both, j].mean(), strip[both] - strip[both].mean()
        norm = float(np.sqrt(np.dot(a, a) * np.dot(b, b)))
        r = float(np.dot(a, b)) / norm if norm > 0 else 0.0
        if r > best:
            best, name, matched = r, lead, r
    return name, matched
