"""The public entry point: render(record, config, seed) -> RenderResult, a printed ECG page plus its truth."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from . import layout as layout_mod
from .artifacts import build_pipeline, parse_description, preset
from .layout import CAL_DURATION_S, CAL_GAP_MM, CAL_MV
from .leads import STANDARD_LEADS
from .paper import Paper
from .raster import draw_polylines, draw_text, grid_canvas
from .record import Record
from .truth import LeadTruth, Truth, panel_truth

IMAGE_FORMATS = ("png", "jpg")
# PNG: zlib level 1 with the "up" filter only: the page grid repeats row to row, so UP compresses as well as
# libpng's adaptive filter choice (~700 kB per letter page at 200 dpi) in under half its time (docs/performance.md).
PNG_PARAMS = [cv2.IMWRITE_PNG_COMPRESSION, 1, cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_UP]


@dataclass(frozen=True)
class RenderConfig:
    """Everything that decides how a record is printed; with the seed it reproduces the image exactly."""

    paper: Paper = Paper()
    layout: str | dict = "3x4"
    rhythm: tuple[str, ...] | None = None      # rhythm-strip leads; None = the layout's default
    start: float = 0.0                         # seconds into the record where the page begins
    duration: float = 10.0                     # seconds across the page (clipped to what fits)
    trace_color: tuple[int, int, int] = (0, 0, 0)
    text_color: tuple[int, int, int] = (0, 0, 0)
    line_width_mm: float = 0.3
    text_height_mm: float = 2.5
    show_labels: bool = True
    show_calibration: bool = True
    show_separators: bool = True
    show_header: bool = True
    filter_text: str = "0.05-150 Hz"
    mask: bool = False
    preset: str = "clean"                      # artifact preset (ecgprint.artifacts.presets)
    severity: float = 0.0                      # 0 = the clean page exactly .. 1 = the preset's worst
    artifacts: tuple[dict, ...] | None = None  # custom artifacts applied after the preset's

    def __post_init__(self) -> None:
        if not isinstance(self.paper, Paper):
            raise ValueError("paper must be a Paper")
        if self.rhythm is not None:
            object.__setattr__(self, "rhythm", tuple(self.rhythm))
        object.__setattr__(self, "trace_color", _rgb(self.trace_color, "trace_color"))
        object.__setattr__(self, "text_color", _rgb(self.text_color, "text_color"))
        if self.start < 0:
            raise ValueError(f"start must be >= 0 s, got {self.start}")
        if not 0 < self.duration <= 60:
            raise ValueError(f"duration must be within (0, 60] s, got {self.duration}")
        if not 0.05 <= self.line_width_mm <= 2:
            raise ValueError(f"line_width_mm must be within 0.05..2, got {self.line_width_mm}")
        if not 1 <= self.text_height_mm <= 10:
            raise ValueError(f"text_height_mm must be within 1..10, got {self.text_height_mm}")
        self.panel_specs()   # validates the layout description
        preset(self.preset)
        if not 0 <= self.severity <= 1:
            raise ValueError(f"severity must be within 0..1, got {self.severity}")
        if self.artifacts is not None:
            object.__setattr__(self, "artifacts", parse_description(self.artifacts))

    def panel_specs(self) -> list[layout_mod.PanelSpec]:
        """The layout expanded over the seconds that fit on this paper."""
        return layout_mod.layout_rows(self.layout, self.rhythm, layout_mod.fit_duration(self.paper, self.duration))

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["rhythm"] = None if self.rhythm is None else list(self.rhythm)
        out["trace_color"], out["text_color"] = list(self.trace_color), list(self.text_color)
        out["artifacts"] = None if self.artifacts is None else [dict(a) for a in self.artifacts]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RenderConfig":
        """Inverse of to_dict; unknown keys are an error naming the key."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown render config key(s) {unknown}")
        data = dict(data)
        if "paper" in data:
            paper = data["paper"]
            paper_known = {f.name for f in dataclasses.fields(Paper)}
            if isinstance(paper, dict):
                bad = sorted(set(paper) - paper_known)
                if bad:
                    raise ValueError(f"unknown paper key(s) {bad}")
                data["paper"] = Paper(**paper)
        for key in ("trace_color", "text_color", "rhythm"):
            if data.get(key) is not None:
                data[key] = tuple(data[key])
        return cls(**data)


def _rgb(value, name: str) -> tuple[int, int, int]:
    rgb = tuple(int(v) for v in value)
    if len(rgb) != 3 or not all(0 <= v <= 255 for v in rgb):
        raise ValueError(f"{name} must be three integers 0..255, got {value!r}")
    return rgb


@dataclass
class RenderResult:
    """A rendered page: `image` uint8 (H, W, 3) RGB, its ground truth, and what made it."""

    image: np.ndarray
    truth: Truth
    config: RenderConfig
    seed: int
    record_id: str
    mask: np.ndarray | None = None   # uint8 (H, W): 0 = background, k = trace of STANDARD_LEADS[k-1]
    meta: dict[str, Any] = field(default_factory=dict)   # "artifacts": the sampled parameters, one per artifact

    def truth_dict(self) -> dict[str, Any]:
        """Truth plus the config, seed and sampled artifact parameters that re-make the image (JSON-serialisable)."""
        return {"record_id": self.record_id, "seed": self.seed, "config": self.config.to_dict(),
                "artifacts": self.meta.get("artifacts", []), **self.truth.to_dict()}


def line_thickness_px(config: RenderConfig) -> int:
    return max(1, round(config.line_width_mm * config.paper.px_per_mm))


def _calibration_polyline(paper: Paper, x_mm: float, baseline_mm: float) -> np.ndarray:
    """1 mV x 200 ms pulse with 1 mm of baseline before and after, in px."""
    pulse_w = CAL_DURATION_S * paper.speed
    lead_in = CAL_GAP_MM / 2
    top = baseline_mm - CAL_MV * paper.gain
    xs = [x_mm, x_mm + lead_in, x_mm + lead_in, x_mm + lead_in + pulse_w, x_mm + lead_in + pulse_w,
          x_mm + 2 * lead_in + pulse_w]
    ys = [baseline_mm, baseline_mm, top, top, baseline_mm, baseline_mm]
    return paper.to_px(np.stack([xs, ys], axis=1).astype(np.float64))


def header_text(record: Record, config: RenderConfig) -> str:
    p = config.paper
    return (f"ID: {record.record_id}    {p.speed:g} mm/s    {p.gain:g} mm/mV    {config.filter_text}"
            f"    {record.fs:g} Hz")


def render(record: Record, config: RenderConfig = RenderConfig(), seed: int = 0) -> RenderResult:
    """Print `record` on paper as described by `config`; pure: the same inputs give the same bytes."""
    paper = config.paper
    if config.start >= record.duration:
        raise ValueError(f"{record.record_id}: start {config.start} s is beyond the record's "
                         f"{record.duration:.2f} s")
    page = layout_mod.resolve(config.panel_specs(), paper)
    size = paper.size_px
    ppmm = paper.px_per_mm
    thickness = line_thickness_px(config)
    canvas = grid_canvas(paper)
    leads: list[LeadTruth] = [panel_truth(record.signal, record.fs, config.start, panel, paper, size, thickness)
                              for panel in page.panels]
    leads = [lt for lt in leads if lt.sample_end > lt.sample_start]
    draw_polylines(canvas, [lt.points for lt in leads], config.trace_color, thickness)

    calibration = []
    if config.show_calibration:
        calibration = [_calibration_polyline(paper, page.calibration_x_mm, b) for b in page.baselines_mm]
        draw_polylines(canvas, calibration, config.trace_color, thickness)
    if config.show_separators and page.markers:
        half = 2.5 * ppmm   # marker: 5 mm vertical tick centred on the baseline
        ticks = [np.array([[ppmm * x, ppmm * y - half], [ppmm * x, ppmm * y + half]]) for x, y in page.markers]
        draw_polylines(canvas, ticks, config.trace_color, thickness)

    cap = config.text_height_mm * ppmm
    texts = []
    if config.show_labels:
        for panel in page.panels:
            x = ppmm * (panel.x_start_mm + 1.0)
            y = ppmm * (panel.baseline_mm - 0.3 * page.row_height_mm)
            texts.append({"text": panel.spec.lead,
                          "box": draw_text(canvas, panel.spec.lead, x, y, cap, config.text_color)})
    if config.show_header:
        text = header_text(record, config)
        box = draw_text(canvas, text, ppmm * paper.margin_mm + ppmm * 2, ppmm * page.header_baseline_mm,
                        cap, config.text_color)
        texts.append({"text": text, "box": box})

    truth = Truth(size[0], size[1], ppmm, np.diag([ppmm, ppmm, 1.0]), leads, calibration, texts, line_px=thickness)
    mask = trace_mask(leads, size, thickness) if config.mask else None
    # Artifacts draw all their randomness from one Generator on the render seed (see artifacts.base.Pipeline).
    image, truth, mask, records = build_pipeline(config.preset, config.artifacts).run(
        canvas, truth, mask, np.random.default_rng(seed), config.severity)
    return RenderResult(image, truth, config, int(seed), record.record_id, mask, {"artifacts": records})


def trace_mask(leads: list[LeadTruth], size: tuple[int, int], thickness: int) -> np.ndarray:
    """Label image of the traces: pixel value k where lead STANDARD_LEADS[k-1] is drawn, else 0."""
    mask = np.zeros((size[1], size[0]), np.uint8)
    for lt in leads:
        draw_polylines(mask, [lt.points], (STANDARD_LEADS.index(lt.lead) + 1,) * 3, thickness, antialias=False)
    return mask


def encode_image(image: np.ndarray, fmt: str = "png", quality: int = 95) -> bytes:
    """Encode an RGB image as PNG (fast zlib level) or JPEG (given quality); deterministic bytes."""
    if fmt not in IMAGE_FORMATS:
        raise ValueError(f"image format must be one of {IMAGE_FORMATS}, got {fmt!r}")
    bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    params = PNG_PARAMS if fmt == "png" else [cv2.IMWRITE_JPEG_QUALITY, int(quality)]
    ok, buf = cv2.imencode("." + fmt, bgr, params)
    if not ok:
        raise RuntimeError(f"OpenCV failed to encode {fmt}")
    return buf.tobytes()


def truth_json(result: RenderResult) -> str:
    return json.dumps(result.truth_dict(), separators=(",", ":"))
