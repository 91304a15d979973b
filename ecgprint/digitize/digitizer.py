"""The baseline digitizer: page image -> 12-lead signal in mV. Blind (grid -> upright page, layout, pulses) or
with oracle geometry (the page truth's warp and layout), which leaves only trace extraction to be measured."""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import cv2
import numpy as np

from .. import layout as page_layout
from ..leads import STANDARD_LEADS, parse_lead_ref
from ..record import Record
from .grid import Darkness, GridFit, darkness, ink_mask
from .layout import (
    LETTER_WIDTH_MM,
    GridMismatch,
    PageGeometry,
    PanelGeometry,
    detect_layout,
    line_width,
    trace_span,
    with_layout,
)
from .layout_choice import CANDIDATES, DEFAULT_STRIPS, MISFIT_WEIGHT, limb_inconsistency, strip_lead
from .rectify import fit_grid, no_grid
from .trace import row_path, sample_panel

DEFAULT_FS = 500.0
# rows whose ink covers less of their traced columns (median over rows) are a faint pen broken by the ink threshold
# (0.75-0.91 on 100-dpi scans of a 0.3 mm pen, >= 0.98 on clean pages): their paths jumped across the gaps
MIN_INK_COVER = 0.95


@dataclass
class Digitization:
    """The signal [n, 12] (mV, STANDARD_LEADS order, NaN where no panel printed the lead), how it was found."""

    signal: np.ndarray
    fs: float
    geometry: PageGeometry
    grid: GridFit
    paths: list[tuple[np.ndarray, np.ndarray]]      # per row: the traced polyline in image px

    def record(self, record_id: str) -> Record:
        """The signal as a Record (unprinted samples 0, as the Challenge scores NaN output)."""
        return Record(np.nan_to_num(self.signal, nan=0.0), self.fs, record_id=record_id, source="digitized")

    def found(self) -> dict:
        """JSON-ready description of where each lead was found (image px) and the page scale."""
        inverse = np.linalg.inv(self.grid.to_rectified)
        g = self.geometry
        leads = []
        for p in g.panels:
            x1 = p.x_start + (p.t_end - p.t_start) * g.px_per_s
            top, bottom = g.bands[p.row]
            corners = _apply(inverse, np.array([[p.x_start, top], [x1, top], [x1, bottom], [p.x_start, bottom]]))
            start = _apply(inverse, np.array([[p.x_start, p.baseline]]))[0]
            leads.append({"lead": p.lead, "sign": p.sign, "row": p.row, "t_start": round(p.t_start, 4),
                          "t_end": round(p.t_end, 4), "baseline_start_px": np.round(start, 2).tolist(),
                          "region_px": np.round(corners, 1).tolist()})
        return {"fs": self.fs, "layout": g.layout, "px_per_s": round(g.px_per_s, 4),
                "px_per_mv": round(g.px_per_mv, 4), "calibrated": g.calibrated, "grid_found": self.grid.found,
                "grid_px_per_mm": round(self.grid.px_per_mm, 4), "grid_angles_deg": list(self.grid.angles_deg),
                "image_to_upright": np.round(self.grid.to_rectified, 8).tolist(), "leads": leads}


def digitize(image: np.ndarray, fs: float = DEFAULT_FS, oracle: dict | None = None, layout: str | None = None,
             rhythm: tuple[str, ...] | None = None) -> Digitization:
    """Digitize an RGB uint8 page. `oracle`: an ecgprint truth dict (its config and page_to_image) replaces grid
    and layout detection. `layout`/`rhythm`: name the layout instead of reading it from the row count and, where
    that allows several, the limb leads' agreement (layout_choice)."""
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"need an RGB uint8 image, got {image.dtype} {image.shape}")
    if not 50 <= fs <= 5000:
        raise ValueError(f"fs must be within 50..5000 Hz, got {fs}")
    if oracle is None:
        try:
            return _blind(image, fit_grid(darkness(image)), fs, layout, rhythm)
        except GridMismatch:                   # a period found in text or pen edges: it neither rectifies nor times
            return _blind(image, no_grid(image.shape), fs, layout, rhythm)
    fit, geometry = oracle_geometry(oracle)
    dark = darkness(_warp(image, fit))
    ink = ink_mask(dark, fit.px_per_mm)
    geometry = dataclasses.replace(geometry, line_px=line_width(ink, dark.value))
    return _extract(ink, dark, fit, geometry, fs)


def _blind(image: np.ndarray, fit: GridFit, fs: float, layout: str | None, rhythm: tuple[str, ...] | None
           ) -> Digitization:
    """Read a page on its upright map `fit`: ink, layout (retried on grown ink if refused), traces."""
    dark = darkness(_warp(image, fit))
    grid_mm = fit.px_per_mm if fit.found else None
    px_per_mm = grid_mm or image.shape[1] / LETTER_WIDTH_MM
    ink = ink_mask(dark, px_per_mm)
    grown = functools.cache(lambda: ink_mask(dark, px_per_mm, grow=True))    # computed only where needed
    try:
        geometry = detect_layout(ink, dark.value, grid_mm, layout, rhythm, extent_ink=grown)
    except ValueError as refusal:          # rows not found: a faint pen's flat stretches may be missing
        ink = grown()
        try:
            geometry = detect_layout(ink, dark.value, grid_mm, layout, rhythm)
        except ValueError:
            raise refusal from None
    broken = _ink_cover(ink, geometry) < MIN_INK_COVER       # a faint pen: trace it on grown ink
    return _extract(grown() if broken else ink, dark, fit, geometry, fs, choose=layout is None)


def _ink_cover(ink: np.ndarray, geometry: PageGeometry) -> float:
    """Median over rows of the share of the traced columns in which the row's band has ink."""
    x0, duration = trace_span(geometry)
    a, b = int(x0), int(np.ceil(x0 + duration * geometry.px_per_s))
    return float(np.median([ink[int(top):int(bottom) + 1, a:b].any(axis=0).mean() for top, bottom in geometry.bands]))


def oracle_geometry(truth: dict) -> tuple[GridFit, PageGeometry]:
    """The exact upright map and layout of a rendered page, from its truth JSON (config + page_to_image)."""
    from ..render import RenderConfig, line_thickness_px
    if truth.get("page_to_image") is None:
        raise ValueError("the truth has no page_to_image (a lens or wrinkle warp): no oracle geometry")
    config = RenderConfig.from_dict(truth["config"])
    paper = config.paper
    page = page_layout.resolve(config.panel_specs(), paper, config.style, config.label_gutter_mm())
    ppmm = paper.px_per_mm
    to_upright = np.diag([ppmm, ppmm, 1.0]) @ np.linalg.inv(np.asarray(truth["page_to_image"], np.float64))
    fit = GridFit(to_upright, paper.size_px, ppmm, (0.0, 0.0), True)
    panels, bands = [], {}
    for p in page.panels:
        lead, sign = parse_lead_ref(p.spec.lead)
        panels.append(PanelGeometry(lead, sign, p.spec.row, p.spec.t_start, p.spec.t_end, p.x_start_mm * ppmm,
                                    p.baseline_mm * ppmm))
        bands[p.spec.row] = (p.cell_mm[1] * ppmm, p.cell_mm[3] * ppmm)
    geometry = PageGeometry(tuple(panels), tuple(bands[r] for r in range(page.n_rows)), paper.speed * ppmm,
                            paper.gain * ppmm, float(line_thickness_px(config)), "oracle", True, config.start)
    return fit, geometry


def _extract(ink: np.ndarray, dark: Darkness, fit: GridFit, geometry: PageGeometry, fs: float,
             choose: bool = False) -> Digitization:
    """Trace every row, then sample every panel, averaging where two panels show the same lead at the same time.
    `choose`: read the rows as each layout their count allows (layout_choice.CANDIDATES) and keep the reading
    whose limb leads agree best, its rhythm strips named by the grid panel they repeat."""
    options = CANDIDATES.get(len(geometry.bands), ()) if choose else ()
    traced = _trace_rows(ink, dark, [geometry] + [with_layout(geometry, name, ()) for name, _ in options])
    if len(options) > 1:
        readings = [_reading(geometry, name, strips, traced, fs) for name, strips in options]
        geometry = min(readings, key=lambda r: r[1])[0]
    inverse = np.linalg.inv(fit.to_rectified)
    paths = [tuple(_apply(inverse, np.stack(traced[row], 1)).T) for row in sorted(traced)]
    return Digitization(_sample(geometry, traced, fs), fs, geometry, fit, paths)


def _reading(geometry: PageGeometry, name: str, strips: int, traced: dict, fs: float) -> tuple[PageGeometry, float]:
    """The page read as layout `name` with `strips` rhythm strips, each named by the grid panel it repeats, and how
    badly that reading fits: its grid's limb-lead inconsistency plus, per strip, 1 - its match's correlation, times
    the layout's MISFIT_WEIGHT (a rare order must fit clearly better)."""
    grid = with_layout(geometry, name, ())
    signal = _sample(grid, traced, fs)
    first = max(p.row for p in grid.panels) + 1
    matches = [strip_lead(signal, _whole_row(grid, first + k, traced, fs), fs, DEFAULT_STRIPS[k])
               for k in range(strips)]
    misfit = (limb_inconsistency(signal) + sum(1 - r for _, r in matches)) * MISFIT_WEIGHT.get(name, 1.0)
    return with_layout(geometry, name, tuple(lead for lead, _ in matches)), misfit


def _whole_row(grid: PageGeometry, row: int, traced: dict, fs: float) -> np.ndarray:
    """[n] mV of a row below the grid read as one panel over the page's whole span (NaN where not traced)."""
    x0, duration = trace_span(grid)
    xs, ys = traced[row]
    panel = PanelGeometry("II", 1.0, row, 0.0, duration, x0, float(np.nanmedian(ys)) if np.isfinite(ys).any() else 0.0)
    n, mv = sample_panel(panel, grid, xs, ys, fs)
    out = np.full(int(np.ceil((grid.start_s + duration) * fs - 1e-9)), np.nan)
    ok = n < out.size
    out[n[ok]] = mv[ok]
    return out


def _trace_rows(ink: np.ndarray, dark: Darkness, readings: list[PageGeometry]) -> dict:
    """row -> (xs, ys) upright px of every row with a panel in any reading, separators skipped at every panel
    boundary of any reading (one trace serves them all)."""
    g = readings[0]
    traced = {}
    for row, band in enumerate(g.bands):
        panels = [p for r in readings for p in r.panels if p.row == row]
        if not panels:
            continue
        first = min(panels, key=lambda p: p.x_start)
        x1 = max(p.x_start + (p.t_end - p.t_start) * g.px_per_s for p in panels)
        skip = sorted({p.x_start for p in panels if p.x_start > first.x_start + 1})
        traced[row] = row_path(ink, dark.value, band, (first.x_start, x1), first.baseline, g.line_px, skip)
    return traced


def _sample(geometry: PageGeometry, traced: dict, fs: float) -> np.ndarray:
    """[n, 12] mV (STANDARD_LEADS order, NaN where no panel printed the lead) of the panels on their rows' traces."""
    end = max(geometry.start_s + p.t_end for p in geometry.panels)
    total = np.zeros((int(np.ceil(end * fs - 1e-9)), len(STANDARD_LEADS)))
    count = np.zeros_like(total)
    for p in geometry.panels:
        n, mv = sample_panel(p, geometry, *traced[p.row], fs)
        ok = np.isfinite(mv) & (n < total.shape[0])
        j = STANDARD_LEADS.index(p.lead)
        total[n[ok], j] += mv[ok]
        count[n[ok], j] += 1
    with np.errstate(invalid="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _warp(image: np.ndarray, fit: GridFit) -> np.ndarray:
    if np.allclose(fit.to_rectified, np.eye(3)) and (image.shape[1], image.shape[0]) == fit.size:
        return image
    return cv2.warpPerspective(image, fit.to_rectified, fit.size, flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=(255, 255, 255))


def _apply(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    homog = np.c_[points, np.ones(len(points))] @ matrix.T
    return homog[:, :2] / homog[:, 2:3]

