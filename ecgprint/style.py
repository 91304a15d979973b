"""Drawing styles: the look of a page beyond paper and layout (trace pen, grid look, row placement, lead names,
separators, calibration pulse, header text), as a validated `Style` whose default is ecgprint's classic look,
plus `random_style`, a seeded draw over the looks of other ECG-printing software."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .raster import FONTS, MAJOR_PATTERNS

if TYPE_CHECKING:
    from .render import RenderConfig

HEADER_FIELDS = ("id", "date", "rate", "speed", "gain", "filter", "fs", "unconfirmed")
DEFAULT_HEADER = (("id", "speed", "gain", "filter", "fs"),)
CHOICES = {
    "major_pattern": tuple(MAJOR_PATTERNS),
    "row_placement": ("spread", "packed_top", "packed_bottom"),
    "label_position": ("above", "below", "left"),
    "font": tuple(FONTS),
    "separator": ("tick", "bar", "gap"),
    "calibration": ("before", "after"),
}
RANGES = {"grid_intensity": (0.2, 1.5), "row_pitch_mm": (10.0, 80.0), "header_mm": (0.0, 100.0),
          "footer_mm": (0.0, 100.0), "label_scale": (0.5, 3.0)}
CALIBRATION_MV = (0.5, 1.0)
MAX_TEXT_LINES = 4
LINE_PITCH = 1.6            # text line spacing, in text heights
CLASSIC_BAND_MM = 14.0      # a band's first text line sits 0.6 of this (or of a lower band) below the band's top
STYLE_MODES = ("default", "random")   # recipes and the CLI: Style() (or given fields), or random_style per page
STYLE_STREAM = 2          # random_style's seed stream: [seed, 2] (artifacts use seed itself, severity [seed, 1])


@dataclass(frozen=True)
class Style:
    """How a page is drawn; `Style()` is the classic ecgprint look (the bundled model was trained on it).

    Geometry stays exact in every style: the truth records what is drawn."""

    antialias: bool = True                 # anti-aliased trace, calibration and separator strokes
    grid_intensity: float = 1.0            # grid colours: < 1 fades toward the paper, > 1 saturates
    major_pattern: str = "solid"           # 5 mm lines: solid, dashed, dotted
    minor_grid: bool = True                # 1 mm lines
    row_placement: str = "spread"          # spread rows over the page, or pack them at row_pitch_mm (top/bottom)
    row_pitch_mm: float = 25.0             # row spacing when packed
    header_mm: float = 14.0                # height of the band above the rows
    footer_mm: float = 0.0                 # height of the band below the rows
    header_lines: tuple[tuple[str, ...], ...] = DEFAULT_HEADER   # text lines in the header band: HEADER_FIELDS
    footer_lines: tuple[tuple[str, ...], ...] = ()               # text lines in the footer band
    label_position: str = "above"          # lead names above/below the baseline, or left of the row
    label_scale: float = 1.0               # lead-name height / text_height_mm
    font: str = "simplex"                  # Hershey face of all text
    separator: str = "tick"                # between panels of a row: tick, thick bar, or a gap in the trace
    calibration: str = "before"            # calibration pulse before or after each row
    calibration_joined: bool = False       # pulse joined to the trace by a baseline stroke
    calibration_mv: float = 1.0            # pulse height in mV at the page gain

    def __post_init__(self) -> None:
        for name, allowed in CHOICES.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"style {name} must be one of {list(allowed)}, got {getattr(self, name)!r}")
        for name, (lo, hi) in RANGES.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
                raise ValueError(f"style {name} must be within {lo:g}..{hi:g}, got {value!r}")
        for name in ("antialias", "minor_grid", "calibration_joined"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"style {name} must be true or false, got {getattr(self, name)!r}")
        if self.calibration_mv not in CALIBRATION_MV:
            raise ValueError(f"style calibration_mv must be one of {list(CALIBRATION_MV)}, got {self.calibration_mv!r}")
        for name in ("header_lines", "footer_lines"):
            lines = getattr(self, name)
            if (isinstance(lines, str) or len(lines) > MAX_TEXT_LINES
                    or any(isinstance(line, str) or not line or set(line) - set(HEADER_FIELDS) for line in lines)):
                raise ValueError(f"style {name} must be up to {MAX_TEXT_LINES} non-empty lists of "
                                 f"{list(HEADER_FIELDS)}, got {lines!r}")
            object.__setattr__(self, name, tuple(tuple(line) for line in lines))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Style:
        """Inverse of dataclasses.asdict; unknown keys are an error naming the key."""
        if not isinstance(data, dict):
            raise ValueError(f"style must be a table of style fields, got {data!r}")
        unknown = sorted(set(data) - {f.name for f in dataclasses.fields(cls)})
        if unknown:
            raise ValueError(f"unknown style key(s) {unknown}")
        return cls(**data)


# The random draw. Ranges are chosen to cover printouts of common ECG software and printers; speed, gain and
# orientation stay the base's (they are recording settings, not looks). 100-200 dpi: the model sees 352 x 272 px,
# and more pixels cost render and artifact time without adding what survives the resize.
PAGE_SIZES = ("letter", "a4")
DPI_RANGE = (100, 200)
MARGIN_MM = (2.0, 12.0)
GRIDS = ("red", "pink", "orange", "green", "blue", "grey", "none")
GRID_P = (0.3, 0.15, 0.1, 0.1, 0.1, 0.1, 0.15)
INTENSITY = (0.35, 1.4)
TRACE_WIDTH_MM = (0.1, 0.6)
TRACE_COLOURS = ((0, 0, 0), (30, 30, 30), (65, 65, 65), (0, 0, 110), (20, 30, 80), (0, 60, 20))
TRACE_COLOUR_P = (0.45, 0.15, 0.1, 0.12, 0.12, 0.06)
TEXT_HEIGHT_MM = (1.8, 3.5)
LABEL_SCALE = (0.7, 1.5)
ROW_PITCH_MM = (20.0, 40.0)
LAYOUTS = (("3x4", ("II",)), ("3x4", ("II", "V1", "V5")), ("3x4", ()), ("6x2", ()), ("12x1", ()),
           ("3x4_cabrera", ("II",)))
LAYOUT_P = (0.35, 0.15, 0.1, 0.15, 0.1, 0.15)
FIELD_P = {"id": 0.9, "date": 0.6, "rate": 0.5, "speed": 0.9, "gain": 0.9, "filter": 0.6, "fs": 0.4,
           "unconfirmed": 0.3}


def _pick(rng: np.random.Generator, options: tuple, p: tuple[float, ...] | None = None):
    return options[int(rng.choice(len(options), p=p))]


def _text_lines(rng: np.random.Generator) -> tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...]]:
    """(header lines, footer lines): a random subset of the fields in their usual order, split into 1-3 lines, all
    printed at the top, all at the bottom, or the first lines at the top and the rest at the bottom."""
    fields = [name for name in HEADER_FIELDS if rng.random() < FIELD_P[name]] or ["id"]
    n_lines = min(len(fields), int(rng.integers(1, 4)))
    cuts = sorted(int(c) for c in rng.choice(np.arange(1, len(fields)), n_lines - 1, replace=False))
    lines = tuple(tuple(fields[a:b]) for a, b in zip([0, *cuts], [*cuts, len(fields)]))
    on_top = _pick(rng, (n_lines, 0, -1), (0.5, 0.25, 0.25))      # all, none, or -1: split
    if on_top < 0:
        on_top = int(rng.integers(1, n_lines)) if n_lines > 1 else n_lines
    return lines[:on_top], lines[on_top:]


def _band_mm(lines: tuple, text_height_mm: float) -> float:
    """Height a text band needs for its lines (as marks.draw_text_block places them) and 1 mm below."""
    if not lines:
        return 0.0
    return 0.6 * CLASSIC_BAND_MM + (len(lines) - 1) * LINE_PITCH * text_height_mm + text_height_mm + 1.0


def random_style(rng: np.random.Generator, base: RenderConfig) -> RenderConfig:
    """`base` drawn in a random style: paper size, dpi, margins and grid, layout, trace pen, text, and a Style.

    Keeps the base's record window (start, duration), speed, gain, orientation, artifacts (preset, severity,
    custom list) and mask; the same generator state gives the same config."""
    layout, rhythm = _pick(rng, LAYOUTS, LAYOUT_P)
    dpi = float(rng.integers(DPI_RANGE[0], DPI_RANGE[1] + 1))
    paper = dataclasses.replace(base.paper, size=_pick(rng, PAGE_SIZES), dpi=dpi,
                                margin_mm=round(float(rng.uniform(*MARGIN_MM)), 1), grid=_pick(rng, GRIDS, GRID_P))
    trace = np.clip(np.asarray(_pick(rng, TRACE_COLOURS, TRACE_COLOUR_P)) + rng.integers(-10, 11, 3), 0, 255)
    text_colour = tuple(int(c) for c in trace) if rng.random() < 0.5 else (0, 0, 0)
    config = dataclasses.replace(
        base, paper=paper, layout=layout, rhythm=rhythm, trace_color=tuple(int(c) for c in trace),
        text_color=text_colour, line_width_mm=round(float(rng.uniform(*TRACE_WIDTH_MM)), 3),
        text_height_mm=round(float(rng.uniform(*TEXT_HEIGHT_MM)), 2), show_labels=True,
        show_calibration=bool(rng.random() < 0.85), show_separators=bool(rng.random() < 0.8),
        show_header=bool(rng.random() < 0.85), style=Style())
    header, footer = _text_lines(rng)
    # Each band fits its lines; what the rows can spare (they keep a minimum height) goes mostly to the header band,
    # as on printouts that keep the top of the page for patient data and the interpretation.
    n_rows = 1 + max(spec.row for spec in config.panel_specs())
    header_mm, footer_mm = _band_mm(header, config.text_height_mm), _band_mm(footer, config.text_height_mm)
    rows_mm = n_rows * max(14.0, 36.0 - 2.0 * n_rows)
    spare = max(0.0, paper.size_mm[1] - 2 * paper.margin_mm - rows_mm - header_mm - footer_mm)
    extra = float(rng.uniform(0, min(spare, 60.0)))
    header_mm, footer_mm = header_mm + extra, footer_mm + float(rng.uniform(0, min(spare - extra, 10.0)))
    style = Style(
        antialias=bool(rng.random() < 0.6),
        grid_intensity=round(float(rng.uniform(*INTENSITY)), 2),
        major_pattern=_pick(rng, CHOICES["major_pattern"], (0.6, 0.25, 0.15)),
        minor_grid=bool(rng.random() < 0.8),
        row_placement=_pick(rng, CHOICES["row_placement"], (0.4, 0.2, 0.4)),
        row_pitch_mm=round(float(rng.uniform(*ROW_PITCH_MM)), 1),
        header_mm=round(header_mm, 1),
        footer_mm=round(footer_mm, 1),
        header_lines=header,
        footer_lines=footer,
        label_position=_pick(rng, CHOICES["label_position"], (0.5, 0.3, 0.2)),
        label_scale=round(float(rng.uniform(*LABEL_SCALE)), 2),
        font=_pick(rng, CHOICES["font"]),
        separator=_pick(rng, CHOICES["separator"], (0.5, 0.25, 0.25)),
        calibration=_pick(rng, CHOICES["calibration"], (0.7, 0.3)),
        calibration_joined=bool(rng.random() < 0.4),
        calibration_mv=_pick(rng, CALIBRATION_MV, (0.2, 0.8)))
    return dataclasses.replace(config, style=style)


def seeded_style(seed: int, base: RenderConfig) -> RenderConfig:
    """random_style drawn from the seed's style stream, distinct from the render's artifact stream."""
    return random_style(np.random.default_rng([seed, STYLE_STREAM]), base)
