"""Page layouts: which lead is printed where and over which time window, resolved to mm on a Paper.

A layout is rows of panels; a panel's horizontal position is its time (x = trace origin + t * speed),
so panels in the same column show simultaneous signal, as on a standard 12-lead printout.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .leads import CABRERA_LIMB_ORDER, parse_lead_ref
from .paper import Paper
from .style import Style

CAL_GAP_MM = 2.0            # space on each side of the calibration pulse
CAL_DURATION_S = 0.2        # calibration pulse: style.calibration_mv (1 mV by default) for 200 ms
GAP_MM = 2.0                # "gap" separator: a panel followed by another in its row stops this far before it
DEFAULT_STYLE = Style()

_GRID_ROWS = {
    "3x4": [["I", "aVR", "V1", "V4"], ["II", "aVL", "V2", "V5"], ["III", "aVF", "V3", "V6"]],
    "3x4_cabrera": [[CABRERA_LIMB_ORDER[0], CABRERA_LIMB_ORDER[3], "V1", "V4"],
                    [CABRERA_LIMB_ORDER[1], CABRERA_LIMB_ORDER[4], "V2", "V5"],
                    [CABRERA_LIMB_ORDER[2], CABRERA_LIMB_ORDER[5], "V3", "V6"]],
    "6x2": [["I", "V1"], ["II", "V2"], ["III", "V3"], ["aVR", "V4"], ["aVL", "V5"], ["aVF", "V6"]],
    "12x1": [[lead] for lead in ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")],
}
DEFAULT_RHYTHM = {"3x4": ("II",), "3x4_cabrera": ("II",), "6x2": (), "12x1": ()}
LAYOUTS = tuple(_GRID_ROWS)


@dataclass(frozen=True)
class PanelSpec:
    """One printed trace segment: `lead` (may be inverted, `-aVR`) from t_start to t_end seconds of the window."""

    lead: str
    row: int
    t_start: float
    t_end: float


@dataclass(frozen=True)
class Panel:
    """A PanelSpec placed on the page, in mm."""

    spec: PanelSpec
    x_start_mm: float
    x_end_mm: float
    baseline_mm: float
    cell_mm: tuple[float, float, float, float]  # x0, y0, x1, y1 of the row slot this panel occupies


@dataclass(frozen=True)
class PageLayout:
    """Everything the rasteriser needs, in mm: panels, calibration pulses, lead-switch markers, the text bands."""

    panels: tuple[Panel, ...]
    n_rows: int
    duration: float                      # seconds of signal across the page width
    trace_origin_mm: float               # x of t = 0
    baselines_mm: tuple[float, ...]      # one per row
    row_height_mm: float
    calibrations_mm: tuple[np.ndarray, ...]   # one (N, 2) polyline per row
    markers: tuple[tuple[float, float], ...]  # (x_mm, baseline_mm) of lead-switch markers
    header_band_mm: tuple[float, float]  # top and height of the band above the rows
    footer_band_mm: tuple[float, float]  # top and height of the band below the rows


def layout_rows(layout: str | Mapping, rhythm: Sequence[str] | None, duration: float) -> list[PanelSpec]:
    """Expand a named layout (+ rhythm strips) or a custom description into PanelSpecs.

    Custom description: {"rows": [[lead, ...] | [{"lead": "II", "start": 0, "end": 10}, ...], ...]};
    a row of bare lead names splits `duration` evenly between them.
    """
    if isinstance(layout, str):
        if layout not in _GRID_ROWS:
            raise ValueError(f"layout must be one of {list(LAYOUTS)} or a custom description, got {layout!r}")
        rows: list = [list(r) for r in _GRID_ROWS[layout]]
        strips = DEFAULT_RHYTHM[layout] if rhythm is None else tuple(rhythm)
        if len(strips) > 3:
            raise ValueError(f"at most 3 rhythm strips, got {len(strips)}")
        rows += [[lead] for lead in strips]
    elif isinstance(layout, Mapping):
        unknown = set(layout) - {"rows"}
        if unknown or not isinstance(layout.get("rows"), list) or not layout["rows"]:
            raise ValueError(f"custom layout needs exactly a non-empty 'rows' list, got keys {sorted(layout)}")
        rows = layout["rows"]
    else:
        raise ValueError(f"layout must be a name or a mapping, got {type(layout).__name__}")
    specs = []
    for r, row in enumerate(rows):
        if not isinstance(row, list) or not row:
            raise ValueError(f"layout row {r} must be a non-empty list")
        width = duration / len(row)
        for c, item in enumerate(row):
            if isinstance(item, str):
                lead, t0, t1 = item, c * width, (c + 1) * width
            elif isinstance(item, Mapping) and set(item) == {"lead", "start", "end"}:
                lead, t0, t1 = item["lead"], float(item["start"]), float(item["end"])
            else:
                raise ValueError(f"layout row {r} item {c}: expected a lead name or {{lead, start, end}}, got {item!r}")
            try:
                parse_lead_ref(lead)
            except KeyError as exc:
                raise ValueError(f"layout row {r}: {exc.args[0]}") from None
            if not 0 <= t0 < t1:
                raise ValueError(f"layout row {r} lead {lead}: need 0 <= start < end, got {t0}..{t1}")
            specs.append(PanelSpec(lead, r, t0, t1))
    return specs


def _geometry(paper: Paper, style: Style, gutter_mm: float) -> tuple[float, float, float]:
    """(left edge of a calibration pulse before the row, trace origin x, right end of the trace area) in mm."""
    cal_w = CAL_DURATION_S * paper.speed + 2 * CAL_GAP_MM
    left = paper.margin_mm + gutter_mm
    cal_x = left + CAL_GAP_MM
    right = paper.size_mm[0] - paper.margin_mm
    if style.calibration == "before":
        left += cal_w
    else:
        right -= cal_w
    # Trace origin on a 5 mm major line so the printout reads against the grid like a machine print.
    return cal_x, 5.0 * -(-left // 5.0), right


def fit_duration(paper: Paper, duration: float, style: Style = DEFAULT_STYLE, gutter_mm: float = 0.0) -> float:
    """Seconds of signal shown across the page: `duration`, clipped to what fits the width at this speed
    (`gutter_mm` is kept left of the traces for lead names)."""
    _, origin, right = _geometry(paper, style, gutter_mm)
    return min(duration, (right - origin) / paper.speed)


def _calibration(paper: Paper, style: Style, x_mm: float, baseline_mm: float, join_x_mm: float) -> np.ndarray:
    """A style.calibration_mv x 200 ms pulse with 1 mm of baseline on each side, in mm; joined: the baseline runs
    on to the trace at `join_x_mm`."""
    pulse_w = CAL_DURATION_S * paper.speed
    lead_in = CAL_GAP_MM / 2
    top = baseline_mm - style.calibration_mv * paper.gain
    xs = [x_mm, x_mm + lead_in, x_mm + lead_in, x_mm + lead_in + pulse_w, x_mm + lead_in + pulse_w,
          x_mm + 2 * lead_in + pulse_w]
    ys = [baseline_mm, baseline_mm, top, top, baseline_mm, baseline_mm]
    if style.calibration_joined:
        at = len(xs) if style.calibration == "before" else 0
        xs.insert(at, join_x_mm)
        ys.insert(at, baseline_mm)
    return np.stack([xs, ys], axis=1).astype(np.float64)


def resolve(specs: Sequence[PanelSpec], paper: Paper, style: Style = DEFAULT_STYLE,
            gutter_mm: float = 0.0) -> PageLayout:
    """Place panel specs on the page; panels (or parts) beyond the page width are dropped."""
    page_h = paper.size_mm[1]
    cal_x, origin, _ = _geometry(paper, style, gutter_mm)
    shown = min(fit_duration(paper, float("inf"), style, gutter_mm), max(s.t_end for s in specs))
    n_rows = max(s.row for s in specs) + 1
    top = paper.margin_mm + style.header_mm
    bottom = page_h - paper.margin_mm - style.footer_mm
    row_h = (bottom - top) / n_rows
    if style.row_placement != "spread":
        row_h = min(row_h, style.row_pitch_mm)
        if style.row_placement == "packed_bottom":
            top = bottom - n_rows * row_h
    baselines = tuple(float(round(top + (r + 0.5) * row_h)) for r in range(n_rows))
    starts = {(s.row, s.t_start) for s in specs if s.t_start > 0}
    gap_s = GAP_MM / paper.speed if style.separator == "gap" else 0.0
    panels, markers = [], []
    for s in specs:
        if s.t_start >= shown:
            continue
        t_end = min(s.t_end, shown)
        if gap_s and (s.row, s.t_end) in starts and s.t_end - gap_s > s.t_start:
            t_end = min(t_end, s.t_end - gap_s)
        x0, x1 = origin + s.t_start * paper.speed, origin + t_end * paper.speed
        cell = (x0, top + s.row * row_h, x1, top + (s.row + 1) * row_h)
        panels.append(Panel(PanelSpec(s.lead, s.row, s.t_start, t_end), x0, x1, baselines[s.row], cell))
        if s.t_start > 0:
            markers.append((x0, baselines[s.row]))
    trace_end = origin + shown * paper.speed
    if style.calibration == "before":
        calibrations = tuple(_calibration(paper, style, cal_x, b, origin) for b in baselines)
    else:
        calibrations = tuple(_calibration(paper, style, trace_end + CAL_GAP_MM, b, trace_end) for b in baselines)
    return PageLayout(tuple(panels), n_rows, shown, origin, baselines, row_h, calibrations, tuple(markers),
                      (paper.margin_mm, style.header_mm), (bottom, style.footer_mm))
