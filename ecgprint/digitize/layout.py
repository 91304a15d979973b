"""Layout detection on an upright page: trace rows (baselines), the traced x-range, calibration pulses (-> baseline
and mV scale) and the standard layout's lead segments, as a PageGeometry the trace extractor reads."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import uniform_filter1d
from scipy.signal import find_peaks

from .. import layout as page_layout
from ..leads import parse_lead_ref

SPEED_MM_S = 25.0               # assumed paper speed and gain (the standard; the header text is not read)
GAIN_MM_MV = 10.0
CALIBRATION_MV = 1.0            # a calibration pulse is taken to be 1 mV
LETTER_WIDTH_MM = 279.4         # without a grid, px per mm is first guessed from a landscape letter page
STANDARD_PAGE_S = 10.0          # without a grid the traced span is this long (and 25 mm/s, 10 mm/mV without a pulse)
GRID_PAGE_S = (8.0, 12.5)       # a "grid" timing the traced span outside this is not the page's (text, JPEG, beats)
MIN_ROW_MM = 8.0                # rows are at least this far apart
MIN_TRACE_MM = 10.0             # an ink run this long along a row is trace, shorter ones are pulse/labels/text
MERGE_GAP_MM = 0.4              # runs closer than this are one (anti-aliasing, faded toner)
MIN_ROW_SPAN = 0.8              # a trace row covers this much of the median row's x-range
MIN_ROW_COVER = 0.5             # a trace row has ink near its baseline over half the traced width
ROWS_TO_LAYOUT = {3: ("3x4", ()), 4: ("3x4", ("II",)), 5: ("3x4", ("II", "V1")), 6: ("6x2", ()),
                  12: ("12x1", ())}


class GridMismatch(ValueError):
    """The grid's mm time the traced span outside GRID_PAGE_S: it is not the page's grid (read the page without)."""


@dataclass(frozen=True)
class PanelGeometry:
    """One printed segment on the upright page: `lead` (standard name, `sign` -1 if printed inverted) from
    t_start to t_end s; time t is at x = x_start + (t - t_start) * px_per_s, value v at y = baseline - v * px_per_mv."""

    lead: str
    sign: float
    row: int
    t_start: float
    t_end: float
    x_start: float
    baseline: float


@dataclass(frozen=True)
class PageGeometry:
    """Where the traces are on the upright page and how px map to s and mV; `bands`: (top, bottom) per row."""

    panels: tuple[PanelGeometry, ...]
    bands: tuple[tuple[float, float], ...]
    px_per_s: float
    px_per_mv: float
    line_px: float
    layout: str
    calibrated: bool              # baselines from calibration pulses (else each row's most inked line)
    start_s: float = 0.0          # record time of the page's t = 0


def detect_layout(ink: np.ndarray, dark: np.ndarray, px_per_mm: float | None, layout: str | None = None,
                  rhythm: tuple[str, ...] | None = None,
                  extent_ink: Callable[[], np.ndarray] | None = None) -> PageGeometry:
    """Find the rows and panels in a boolean ink mask (and its darkness) of an upright page. `px_per_mm` None: no
    grid was found: the span is a STANDARD_PAGE_S page and the calibration pulse gives the mV scale; GridMismatch if
    the grid's mm time the span outside GRID_PAGE_S. `layout`/`rhythm` override the row-count guess.
    `extent_ink`: makes the mask to take the traced x-range from where the rows' own ink does not agree on it (grown
    ink, in which a faint pen's flat stretches do not break the trace into runs too short to count); only called
    then."""
    h, w = ink.shape
    line_px = line_width(ink, dark)
    guess_mm = px_per_mm or w / LETTER_WIDTH_MM           # a letter-size landscape page, until a pulse says more
    baselines = _row_baselines(ink, guess_mm)
    if not baselines:
        raise ValueError("no trace rows found on the page")
    bands = _bands(baselines, h)
    extents = [_trace_extent(ink, band, guess_mm) for band in bands]
    keep = [i for i, e in enumerate(extents) if e is not None]
    if not keep:
        raise ValueError("no trace rows found on the page")
    start, end = (float(np.median([extents[i][k] for i in keep])) for k in (0, 1))
    # every row spans the same time: rows covering less of the median span are scanner edges, text, ...
    keep = [i for i in keep if min(end, extents[i][1]) - max(start, extents[i][0]) >= MIN_ROW_SPAN * (end - start)]
    baselines = [baselines[i] for i in keep]
    bands = _bands(baselines, h)
    extents = [extents[i] for i in keep]
    tol = MERGE_GAP_MM * 2 * guess_mm
    first, last = _shared_edge([e[0] for e in extents], tol), _shared_edge([-e[1] for e in extents], tol)
    if (first is None or last is None) and extent_ink is not None:
        grown = [e for e in (_trace_extent(extent_ink(), band, guess_mm) for band in bands) if e is not None]
        first = first if first is not None or not grown else _shared_edge([e[0] for e in grown], tol)
        last = last if last is not None or not grown else _shared_edge([-e[1] for e in grown], tol)
    first = float(np.median([e[0] for e in extents])) if first is None else first
    last = float(np.median([e[1] for e in extents])) if last is None else -last
    x0, x1 = first + (line_px - 1) / 2, last - (line_px - 1) / 2
    seconds = (x1 - x0) / (SPEED_MM_S * px_per_mm) if px_per_mm else STANDARD_PAGE_S
    if not GRID_PAGE_S[0] <= seconds <= GRID_PAGE_S[1]:
        raise GridMismatch(f"the grid's {px_per_mm:.2f} px/mm time the traces as a {seconds:.1f} s page: "
                           "not the page's grid")
    pulses = [_pulse(ink, dark, band, int(first), guess_mm, line_px) for band in bands]
    if all(p is None for p in pulses):       # none free-standing: a pulse joined to the trace may start its ink
        joined = [_joined_pulse(ink, dark, band, b, int(first), guess_mm, line_px) for band, b in zip(bands, baselines)]
        falls = [j[2] for j in joined if j is not None]
        if 2 * len(falls) >= len(joined):
            pulses = [None if j is None else j[:2] for j in joined]
            x0 = _joined_origin(float(np.median(falls)), x1, px_per_mm or guess_mm, line_px)
    px_per_mv, pulses = _mv_scale(pulses, px_per_mm)
    found = [p for p in pulses if p is not None]
    baselines = [p[0] if p is not None else b for p, b in zip(pulses, baselines)]
    if px_per_mm is None:     # no grid: the traced span is a standard page; a pulse's height is too coarse a ruler
        px_per_s = (x1 - x0) / STANDARD_PAGE_S
        px_per_mv = px_per_mv or px_per_s / SPEED_MM_S * GAIN_MM_MV
    else:
        px_per_s = SPEED_MM_S * px_per_mm
    name, strips = (layout, rhythm) if layout else ROWS_TO_LAYOUT.get(len(baselines), (None, None))
    if name is None:
        raise ValueError(f"{len(baselines)} trace rows match no standard layout (3x4 +0..2 rhythm strips, 6x2, "
                         f"12x1); name it with --layout")
    panels = _panels(name, strips, x0, (x1 - x0) / px_per_s, px_per_s, baselines)
    if max(p.row for p in panels) + 1 != len(baselines):
        raise ValueError(f"layout {name} has {max(p.row for p in panels) + 1} rows, the page {len(baselines)}")
    return PageGeometry(panels, tuple(bands), px_per_s, px_per_mv, line_px, name, bool(found))


def with_layout(geometry: PageGeometry, name: str, strips: tuple[str, ...]) -> PageGeometry:
    """The same rows, scale and traced span read as another layout (`strips`: its rhythm strips; the rows below
    them keep no panel)."""
    baselines = {p.row: p.baseline for p in geometry.panels}
    x0, duration = trace_span(geometry)
    panels = _panels(name, strips, x0, duration, geometry.px_per_s, [baselines[r] for r in sorted(baselines)])
    return dataclasses.replace(geometry, panels=panels, layout=name)


def trace_span(geometry: PageGeometry) -> tuple[float, float]:
    """(x of the page's t = 0, duration s) of the traced span its panels cover."""
    return (min(p.x_start - p.t_start * geometry.px_per_s for p in geometry.panels),
            max(p.t_end for p in geometry.panels))


def _panels(name: str, strips: tuple[str, ...] | None, x0: float, duration: float, px_per_s: float,
            baselines: list[float]) -> tuple[PanelGeometry, ...]:
    """The panels of a named layout whose trace starts at x0 and spans `duration` s, on the rows' baselines."""
    specs = page_layout.layout_rows(name, strips, duration)
    if max(s.row for s in specs) + 1 > len(baselines):
        raise ValueError(f"layout {name} has {max(s.row for s in specs) + 1} rows, the page {len(baselines)}")
    panels = []
    for s in specs:
        lead, sign = parse_lead_ref(s.lead)
        panels.append(PanelGeometry(lead, sign, s.row, s.t_start, s.t_end, x0 + s.t_start * px_per_s,
                                    baselines[s.row]))
    return tuple(panels)


def _shared_edge(values: list[float], tol: float) -> float | None:
    """The lowest value at least two rows share within `tol` (rows start together, but a faded start makes a
    row's ink begin late); None when no two rows agree."""
    values = np.sort(np.asarray(values, np.float64))
    for v in values:
        if np.sum(np.abs(values - v) <= tol) >= min(2, values.size):
            return float(v)
    return None


def _mv_scale(pulses: list, px_per_mm: float | None) -> tuple[float | None, list]:
    """px per mV and the pulses that agree with it: with a grid, GAIN_MM_MV unless the pulses agree on half or twice
    that; without, the median pulse height. Pulses of another height (a streak through one) are dropped."""
    heights = np.array([p[1] for p in pulses if p is not None]) / CALIBRATION_MV
    scale = px_per_mm * GAIN_MM_MV if px_per_mm else (float(np.median(heights)) if heights.size else None)
    if px_per_mm and heights.size:
        for factor in (0.5, 2.0):
            if np.mean(np.abs(heights / (scale * factor) - 1) < 0.1) > 0.5:
                scale *= factor
    if scale is None:
        return None, pulses
    return scale, [p if p is not None and abs(p[1] / CALIBRATION_MV / scale - 1) < 0.1 else None for p in pulses]


def line_width(ink: np.ndarray, dark: np.ndarray) -> float:
    """The printed pen width in px (anti-aliasing included): median darkness summed down a column over the short
    vertical ink runs (flat trace)."""
    step = max(1, ink.shape[1] // 400)
    cols, shade = ink[:, ::step], dark[:, ::step]
    d = np.diff(np.pad(cols, ((1, 1), (0, 0))).astype(np.int8), axis=0)
    starts, ends = np.nonzero(d.T == 1), np.nonzero(d.T == -1)
    lengths = ends[1] - starts[1]
    short = lengths <= max(1, np.median(lengths)) if lengths.size else lengths
    if not np.any(short):
        return 2.0
    csum = np.vstack([np.zeros((1, shade.shape[1])), np.cumsum(shade, axis=0)])
    col, a, b = starts[0][short], starts[1][short], ends[1][short]
    return float(np.median(csum[b, col] - csum[a, col]))


def _row_baselines(ink: np.ndarray, px_per_mm: float) -> list[float]:
    """Peaks of the row profile of ink (the trace spends most time on its baseline), at least MIN_ROW_MM apart,
    that have ink near them across most of the page."""
    profile = uniform_filter1d(ink.sum(axis=1).astype(np.float64), max(1, int(0.5 * px_per_mm)))
    peaks, _ = find_peaks(profile, distance=max(1, int(MIN_ROW_MM * px_per_mm)), height=0.15 * profile.max())
    cols = np.flatnonzero(ink.any(axis=0))
    if cols.size == 0:
        return []
    span = slice(cols[0], cols[-1] + 1)
    near = max(1, int(2.5 * px_per_mm))
    rows = []
    for y in peaks:
        cover = ink[max(0, y - near):y + near + 1, span].any(axis=0).mean()
        if cover >= MIN_ROW_COVER:
            rows.append(float(y))
    return rows


def _bands(baselines: list[float], height: int) -> list[tuple[float, float]]:
    """Each row's vertical search band: halfway to the neighbouring rows (as far again at the ends)."""
    if len(baselines) == 1:
        return [(0.0, float(height - 1))]
    gaps = np.diff(baselines)
    bands = []
    for i, b in enumerate(baselines):
        up = gaps[i - 1] / 2 if i > 0 else gaps[0] / 2
        down = gaps[i] / 2 if i < len(gaps) else gaps[-1] / 2
        bands.append((max(0.0, b - up), min(float(height - 1), b + down)))
    return bands


def _runs(flags: np.ndarray, merge: int) -> list[tuple[int, int]]:
    """[start, end] index pairs of True runs, gaps up to `merge` closed."""
    idx = np.flatnonzero(flags)
    if idx.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > merge + 1)
    starts = np.concatenate([[idx[0]], idx[breaks + 1]])
    ends = np.concatenate([idx[breaks], [idx[-1]]])
    return list(zip(starts.tolist(), ends.tolist()))


def _trace_extent(ink: np.ndarray, band: tuple[float, float], px_per_mm: float) -> tuple[int, int] | None:
    """First and last column of the row's trace: the span of its ink runs at least MIN_TRACE_MM long."""
    cols = ink[int(band[0]):int(band[1]) + 1].any(axis=0)
    runs = [r for r in _runs(cols, int(MERGE_GAP_MM * px_per_mm)) if r[1] - r[0] >= MIN_TRACE_MM * px_per_mm]
    return (runs[0][0], runs[-1][1]) if runs else None


def _pulse(ink: np.ndarray, dark: np.ndarray, band: tuple[float, float], trace_x0: int, px_per_mm: float,
           line_px: float) -> tuple[float, float] | None:
    """(baseline y, height px) of a calibration pulse in the 12 mm left of the trace, if one is there: an ink blob
    3..11 mm wide rising at least 3 mm; baseline and top are darkness centroids of its lead-in and top strokes."""
    y0, y1 = int(band[0]), int(band[1]) + 1
    x_lo = max(0, int(trace_x0 - 12 * px_per_mm))
    region = ink[y0:y1, x_lo:max(x_lo, trace_x0 - 1)]
    if region.size == 0 or not region.any():
        return None
    a, b = max(_runs(region.any(axis=0), int(MERGE_GAP_MM * px_per_mm)), key=lambda r: r[1] - r[0])
    rows = np.flatnonzero(region[:, a:b + 1].any(axis=1))
    top, bottom = rows[0], rows[-1]
    if bottom - top < 3 * px_per_mm or not 3 * px_per_mm <= b - a <= 11 * px_per_mm:
        return None
    pen = int(np.ceil(line_px))
    x_lo += a
    lead_in = _centroid(dark[y0:y1, x_lo + pen:x_lo + max(pen + 1, int(0.8 * px_per_mm))], bottom, pen)
    mid = x_lo + (b - a) // 2
    plateau = _centroid(dark[y0:y1, mid - pen:mid + pen + 1], top, pen)
    return float(y0 + lead_in), float(lead_in - plateau)


def _joined_pulse(ink: np.ndarray, dark: np.ndarray, band: tuple[float, float], baseline: float, x_start: int,
                  px_per_mm: float, line_px: float) -> tuple[float, float, float] | None:
    """(baseline y, height px, x of its falling edge) of a calibration pulse at the start of a row's trace ink (drawn
    joined to the trace): a flat top 3.5..6.5 mm wide at least 3 mm above the row, within its first 12 mm."""
    y0, y1 = int(band[0]), int(band[1]) + 1
    region = ink[y0:y1, x_start:x_start + int(12 * px_per_mm)]
    if region.shape[1] < 2:
        return None
    top = np.where(region.any(axis=0), np.argmax(region, axis=0), region.shape[0])
    high = _runs(top < baseline - y0 - 3 * px_per_mm, 0)
    runs = [r for r in high if 3.5 * px_per_mm <= r[1] - r[0] <= 6.5 * px_per_mm]
    if not runs:
        return None
    plateau_tops = top[runs[0][0]:runs[0][1] + 1]       # flat: other ink above a few columns (a label, the row
    if np.mean(np.abs(plateau_tops - np.median(plateau_tops)) <= 0.5 * px_per_mm) < 0.8:   # above) is tolerated
        return None
    a, b = runs[0]
    pen = int(np.ceil(line_px))
    lead_in = dark[y0:y1, x_start + pen:x_start + max(pen + 1, a - pen)]
    bottom = int(np.flatnonzero(region[:, :max(1, a - pen)].any(axis=1)).max(initial=int(baseline - y0)))
    foot = _centroid(lead_in, bottom, pen)
    mid = x_start + (a + b) // 2
    plateau = _centroid(dark[y0:y1, mid - pen:mid + pen + 1], int(top[(a + b) // 2]), pen)
    return float(y0 + foot), float(foot - plateau), float(x_start + b)


def _joined_origin(fall: float, x1: float, px_per_mm: float, line_px: float) -> float:
    """Where the trace starts after a joined pulse: a standard 10 s before its end if that lies just after the
    pulse (within 8 mm of its 1 mm lead-out), else the end of the lead-out."""
    lead_out = fall + line_px / 2 + 1.0 * px_per_mm
    standard = x1 - STANDARD_PAGE_S * SPEED_MM_S * px_per_mm
    return standard if lead_out - 0.5 * px_per_mm <= standard <= lead_out + 8 * px_per_mm else lead_out


def _centroid(patch: np.ndarray, row: int, pen: int) -> float:
    """Darkness-weighted mean row of a horizontal stroke whose extreme ink row is `row`."""
    rows = np.arange(max(0, row - pen - 2), min(patch.shape[0], row + pen + 3))
    weight = patch[rows].sum(axis=1)
    return float(np.dot(rows, weight) / weight.sum()) if weight.sum() > 0 else float(row)
