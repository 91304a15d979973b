"""Page layouts: which lead is printed where and over which time window, resolved to mm on a Paper.

A layout is rows of panels; a panel's horizontal position is its time (x = trace origin + t * speed),
so panels in the same column show simultaneous signal, as on a standard 12-lead printout.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .leads import CABRERA_LIMB_ORDER, parse_lead_ref
from .paper import Paper

HEADER_MM = 14.0            # band at the top of the page for the header text
CAL_GAP_MM = 2.0            # space on each side of the calibration pulse
CAL_DURATION_S = 0.2        # calibration pulse: 1 mV for 200 ms
CAL_MV = 1.0

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
    """Everything the rasteriser needs, in mm: panels, calibration pulses, lead-switch markers, text anchors."""

    panels: tuple[Panel, ...]
    n_rows: int
    duration: float                      # seconds of signal across the page width
    trace_origin_mm: float               # x of t = 0
    baselines_mm: tuple[float, ...]      # one per row
    row_height_mm: float
    calibration_x_mm: float              # left edge of every row's calibration pulse
    markers: tuple[tuple[float, float], ...]  # (x_mm, baseline_mm) of lead-switch markers
    header_baseline_mm: float


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


def _geometry(paper: Paper) -> tuple[float, float]:
    """(calibration x, trace origin x) in mm for this paper."""
    cal_w = CAL_DURATION_S * paper.speed + 2 * CAL_GAP_MM
    # Trace origin on a 5 mm major line so the printout reads against the grid like a machine print.
    return paper.margin_mm + CAL_GAP_MM, 5.0 * -(-(paper.margin_mm + cal_w) // 5.0)


def fit_duration(paper: Paper, duration: float) -> float:
    """Seconds of signal shown across the page: `duration`, clipped to what fits the width at this speed."""
    page_w = paper.size_mm[0]
    return min(duration, (page_w - paper.margin_mm - _geometry(paper)[1]) / paper.speed)


def resolve(specs: Sequence[PanelSpec], paper: Paper) -> PageLayout:
    """Place panel specs on the page; panels (or parts) beyond the page width are dropped."""
    page_w, page_h = paper.size_mm
    cal_x, origin = _geometry(paper)
    shown = min(fit_duration(paper, float("inf")), max(s.t_end for s in specs))
    n_rows = max(s.row for s in specs) + 1
    top = paper.margin_mm + HEADER_MM
    row_h = (page_h - paper.margin_mm - top) / n_rows
    baselines = tuple(float(round(top + (r + 0.5) * row_h)) for r in range(n_rows))
    panels, markers = [], []
    for s in specs:
        if s.t_start >= shown:
            continue
        t_end = min(s.t_end, shown)
        x0, x1 = origin + s.t_start * paper.speed, origin + t_end * paper.speed
        cell = (x0, top + s.row * row_h, x1, top + (s.row + 1) * row_h)
        panels.append(Panel(PanelSpec(s.lead, s.row, s.t_start, t_end), x0, x1, baselines[s.row], cell))
        if s.t_start > 0:
            markers.append((x0, baselines[s.row]))
    return PageLayout(tuple(panels), n_rows, shown, origin, baselines, row_h, cal_x, tuple(markers),
                      paper.margin_mm + HEADER_MM * 0.6)
