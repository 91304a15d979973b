"""Everything printed besides the traces: calibration pulses, lead separators, lead names and the header and
footer text, drawn in the config's style; each returns what the truth records (calibration polylines, text boxes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .layout import PageLayout
from .raster import draw_polylines, draw_text
from .record import Record
from .style import CLASSIC_BAND_MM, LINE_PITCH

if TYPE_CHECKING:
    from .render import RenderConfig

LABEL_PAD_MM = 1.0          # lead name to panel start (above/below) or to the page margin (left)
WIDEST_LABEL = "-aVR"       # the left label gutter fits this lead name
SEPARATOR_HALF_MM = {"tick": 2.5, "bar": 3.0}   # half height of a separator, centred on the baseline
BAR_WIDTH_MM = 0.8
HEADER_STREAM = 3           # fake date and rate: seed stream [seed, 3] (artifacts use seed itself)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def draw_calibration(canvas: np.ndarray, page: PageLayout, config: RenderConfig, thickness: int) -> list[np.ndarray]:
    """Draw every row's calibration pulse with the trace pen; returns the px polylines."""
    calibration = [config.paper.to_px(c) for c in page.calibrations_mm]
    draw_polylines(canvas, calibration, config.trace_color, thickness, config.style.antialias)
    return calibration


def draw_separators(canvas: np.ndarray, page: PageLayout, config: RenderConfig, thickness: int) -> None:
    """Mark panel boundaries inside a row: a thin tick or a thick bar (a "gap" is left by the layout)."""
    kind = config.style.separator
    if kind == "gap" or not page.markers:
        return
    ppmm = config.paper.px_per_mm
    half = SEPARATOR_HALF_MM[kind] * ppmm
    ticks = [np.array([[ppmm * x, ppmm * y - half], [ppmm * x, ppmm * y + half]]) for x, y in page.markers]
    width = thickness if kind == "tick" else max(2 * thickness, round(BAR_WIDTH_MM * ppmm))
    draw_polylines(canvas, ticks, config.trace_color, width, config.style.antialias)


def draw_labels(canvas: np.ndarray, page: PageLayout, config: RenderConfig) -> list[dict]:
    """Print each panel's lead name above or below its baseline, or (first panel of a row) in the left gutter."""
    ppmm, style = config.paper.px_per_mm, config.style
    cap_mm = config.label_height_mm()
    first = {}                  # each row's leftmost panel
    for panel in page.panels:
        if panel.spec.row not in first or panel.x_start_mm < first[panel.spec.row].x_start_mm:
            first[panel.spec.row] = panel
    texts = []
    for panel in page.panels:
        x_mm = panel.x_start_mm + LABEL_PAD_MM
        if style.label_position == "left" and first[panel.spec.row] is panel:
            x_mm, y_mm = config.paper.margin_mm + LABEL_PAD_MM, panel.baseline_mm + cap_mm / 2
        elif style.label_position == "below":
            y_mm = panel.baseline_mm + 0.2 * page.row_height_mm + cap_mm
        else:
            y_mm = panel.baseline_mm - 0.3 * page.row_height_mm
        box = draw_text(canvas, panel.spec.lead, ppmm * x_mm, ppmm * y_mm, cap_mm * ppmm, config.text_color,
                        style.font)
        texts.append({"text": panel.spec.lead, "box": box})
    return texts


def text_fields(record: Record, config: RenderConfig, seed: int) -> dict[str, str]:
    """The printed text of every header field. The date and heart rate are fakes drawn from the seed, never the
    record's: no patient data is printed, and the text never tells the diagnosis. The ID is the record's
    `printed_id` (synthetic records: a neutral number) or its record id."""
    p = config.paper
    printed_id = record.metadata.get("printed_id", record.record_id)
    fields = {"id": f"ID: {printed_id}", "speed": f"{p.speed:g} mm/s", "gain": f"{p.gain:g} mm/mV",
              "filter": config.filter_text, "fs": f"{record.fs:g} Hz", "unconfirmed": "Unconfirmed report"}
    if {"date", "rate"} & {name for line in config.style.header_lines + config.style.footer_lines for name in line}:
        year, month, day, hour, minute, rate = np.random.default_rng([seed, HEADER_STREAM]).integers(
            [2005, 0, 1, 7, 0, 45], [2025, 12, 29, 19, 60, 111])
        fields["date"] = f"{day:02d}-{MONTHS[month]}-{year} {hour:02d}:{minute:02d}"
        fields["rate"] = f"HR {rate} bpm"
    return fields


def draw_text_block(canvas: np.ndarray, band_mm: tuple[float, float], config: RenderConfig, fields: dict[str, str],
                    lines: tuple[tuple[str, ...], ...]) -> list[dict]:
    """Print text lines (each a tuple of field names) in a band (top, height in mm), left-aligned at the margin."""
    ppmm, height = config.paper.px_per_mm, config.text_height_mm
    top, band = band_mm
    pitch = LINE_PITCH * height
    first = top + 0.6 * min(band, CLASSIC_BAND_MM)   # at the top of a tall band, lines running down from there
    x = ppmm * config.paper.margin_mm + ppmm * 2
    texts = ["    ".join(fields[name] for name in line) for line in lines]
    return [{"text": text, "box": draw_text(canvas, text, x, ppmm * (first + k * pitch), height * ppmm,
                                            config.text_color, config.style.font)}
            for k, text in enumerate(texts)]
