"""Trace extraction: follow each row's trace column by column through the ink mask (continuity picks the run
nearest the previous column's value), turn the path into mV at the page's scale and sample it at fs."""

from __future__ import annotations

import numpy as np

from .layout import PageGeometry, PanelGeometry

MAX_RUN_FRACTION = 0.6         # an ink run this much of the search band is a streak or fold, not the trace
SEARCH_GROW = 0.5              # the path may leave its row's band by this fraction of the band height
HOME_PULL = 0.3                # weight of the distance to the baseline when choosing among a column's ink runs
SEPARATOR_SKIP_PX = 2.0        # columns this close to a panel boundary are interpolated over (separator ticks)


def row_path(ink: np.ndarray, dark: np.ndarray, band: tuple[float, float], x_range: tuple[float, float],
             start_y: float, line_px: float, skip: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """The trace through one row: one y (px) per column from x_range[0] to x_range[1], NaN where the column has
    no ink (or a streak across the whole row) or is a panel boundary's separator (`skip`)."""
    grow = SEARCH_GROW * (band[1] - band[0])           # tall waves reach into the neighbouring rows
    y0, y1 = max(0, int(np.floor(band[0] - grow))), min(ink.shape[0], int(np.ceil(band[1] + grow)) + 1)
    own = (band[0] - y0, band[1] - y0)
    strip, shade = ink[y0:y1], dark[y0:y1]
    c0, c1 = max(0, int(np.ceil(x_range[0]))), min(ink.shape[1] - 1, int(np.floor(x_range[1])))
    runs = _column_runs(strip[:, c0:c1 + 1])
    shade_t = np.ascontiguousarray(shade[:, c0:c1 + 1].T)
    too_long = MAX_RUN_FRACTION * (band[1] - band[0])
    jump = max(3.0, 2 * line_px)
    intervals: list[tuple[float, float] | None] = []
    prev = start_y - y0
    for i, c in enumerate(range(c0, c1 + 1)):
        if any(abs(c - s) <= SEPARATOR_SKIP_PX + line_px / 2 for s in skip):
            intervals.append(None)
            continue
        run = _nearest_run(runs[i], prev, start_y - y0, own, jump)
        if run is None or run[1] - run[0] > too_long:
            intervals.append(None)
            continue
        a, b = max(0, run[0] - 1), min(strip.shape[0] - 1, run[1] + 1)
        weight = shade_t[i, a:b + 1]
        length = float(weight.sum())                    # ink extent in px, anti-aliased edges as fractions
        centre = float(np.dot(np.arange(a, b + 1), weight) / length) if length > 0 else 0.5 * (a + b)
        reach = max(0.0, (length - line_px) / 2)         # how far the pen's centre moved up and down in here
        lo, hi = centre - reach, centre + reach
        intervals.append((lo, hi))
        prev = 0.5 * (lo + hi)
    return c0 + np.arange(len(intervals), dtype=np.float64), _column_values(intervals) + y0


def _column_runs(mask: np.ndarray) -> list[list[tuple[int, int]]]:
    """Per column of a boolean [rows, columns] mask, its ink runs (first row, last row), top to bottom: found for
    all columns in one pass (a column-by-column scan costs more in numpy calls than in work)."""
    padded = np.zeros((mask.shape[1], mask.shape[0] + 2), np.int8)
    padded[:, 1:-1] = mask.T != 0
    change = np.diff(padded, axis=1)
    col_s, starts = np.nonzero(change == 1)
    _, ends = np.nonzero(change == -1)                  # a run ending at row r changes at r + 1
    bounds = np.searchsorted(col_s, np.arange(mask.shape[1] + 1)).tolist()
    pairs = list(zip(starts.tolist(), (ends - 1).tolist()))
    return [pairs[bounds[c]:bounds[c + 1]] for c in range(mask.shape[1])]


def _nearest_run(runs: list[tuple[int, int]], prev: float, home: float, own: tuple[float, float],
                 jump: float) -> tuple[int, int] | None:
    """The ink run of a column closest to y = prev (0 if prev lies inside it), with a pull toward the row's
    baseline `home`; a run outside the row's own band `own` only if it continues the path (within `jump` px).
    Ties go to the upper run."""
    best, chosen = np.inf, None
    for start, end in runs:
        dist = max(0, start - prev, prev - end)
        if not ((end >= own[0] and start <= own[1]) or dist <= jump):
            continue
        score = dist + HOME_PULL * max(0, start - home, home - end)
        if score < best:
            best, chosen = score, (start, end)
    return chosen


def _column_values(intervals: list) -> np.ndarray:
    """One y per column: the middle of the trace's extent there (on a steep stroke, the value at the column's
    centre time), or its end where that end is a local extreme over the neighbouring columns (a wave's tip)."""
    lo = np.array([iv[0] if iv else np.nan for iv in intervals] + [np.nan])
    hi = np.array([iv[1] if iv else np.nan for iv in intervals] + [np.nan])
    y = 0.5 * (lo + hi)
    with np.errstate(invalid="ignore"):
        top = (lo < np.roll(lo, 1)) & (lo <= np.roll(lo, -1)) & (hi - lo > 1)
        bottom = (hi > np.roll(hi, 1)) & (hi >= np.roll(hi, -1)) & (hi - lo > 1)
    y = np.where(top & ~bottom, lo, np.where(bottom & ~top, hi, y))
    return y[:-1]


def sample_panel(panel: PanelGeometry, geometry: PageGeometry, xs: np.ndarray, ys: np.ndarray,
                 fs: float) -> tuple[np.ndarray, np.ndarray]:
    """(sample indices, mV) of one panel from its row's polyline, samples ceil(t_start fs) .. < t_end fs."""
    t0, t1 = geometry.start_s + panel.t_start, geometry.start_s + panel.t_end
    n = np.arange(int(np.ceil(t0 * fs - 1e-9)), int(np.ceil(t1 * fs - 1e-9)))
    x = panel.x_start + (n / fs - t0) * geometry.px_per_s
    ok = np.isfinite(ys)
    if ok.sum() < 2:
        return n, np.full(n.size, np.nan)
    y = np.interp(x, xs[ok], ys[ok], left=np.nan, right=np.nan)
    return n, panel.sign * (panel.baseline - y) / geometry.px_per_mv
