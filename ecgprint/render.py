"""The public entry point: render(record, config, seed) -> RenderResult, a printed ECG page plus its truth."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from . import layout as layout_mod
from .artifacts import build_pipeline, parse_description, preset
from .leads import STANDARD_LEADS
from .marks import (
    LABEL_PAD_MM,
    WIDEST_LABEL,
    draw_calibration,
    draw_labels,
    draw_separators,
    draw_text_block,
    text_fields,
)
from .paper import Paper
from .raster import draw_polylines, grid_canvas, text_width_px
from .record import Record
from .style import Style
from .truth import LeadTruth, Truth, panel_truth
from .truth_encoding import TRUTH_FORMATS, encode_json, encode_npz

IMAGE_FORMATS = ("png", "jpg")
# PNG: zlib level 1 with the "up" filter only: the page grid repeats row to row, so UP compresses as well as
# libpng's adaptive filter choice (~700 kB per letter page at 200 dpi) in under half its time (docs/performance.md).
PNG_LEVEL = 1


def png_params(level: int = PNG_LEVEL) -> list[int]:
    """OpenCV's PNG parameters: zlib `level` with the UP filter."""
    return [cv2.IMWRITE_PNG_COMPRESSION, int(level), cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_UP]


PNG_PARAMS = png_params()
# rgb: always three channels; auto: one grey channel when R = G = B on every pixel (grey/bw/no grid, black ink),
# which decodes to the same pixels in a third of the bytes, else RGB.
PNG_MODES = ("rgb", "auto")


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
    style: Style = Style()                     # drawing style (ecgprint.style); Style() is the classic look

    def __post_init__(self) -> None:
        if not isinstance(self.paper, Paper):
            raise ValueError("paper must be a Paper")
        if not isinstance(self.style, Style):
            raise ValueError("style must be a Style")
        if self.style.header_mm + self.style.footer_mm > self.paper.size_mm[1] - 2 * self.paper.margin_mm - 10:
            raise ValueError(f"style header_mm + footer_mm ({self.style.header_mm:g} + {self.style.footer_mm:g}) "
                             f"leave less than 10 mm for the rows of this page")
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
        shown = layout_mod.fit_duration(self.paper, self.duration, self.style, self.label_gutter_mm())
        return layout_mod.layout_rows(self.layout, self.rhythm, shown)

    def label_gutter_mm(self) -> float:
        """Width kept left of the traces for lead names printed there (style.label_position "left"), else 0."""
        if not (self.show_labels and self.style.label_position == "left"):
            return 0.0
        cap_px = self.label_height_mm() * self.paper.px_per_mm
        return text_width_px(WIDEST_LABEL, cap_px, self.style.font) / self.paper.px_per_mm + 2 * LABEL_PAD_MM

    def label_height_mm(self) -> float:
        """Cap height of the lead names."""
        return self.text_height_mm * self.style.label_scale

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["rhythm"] = None if self.rhythm is None else list(self.rhythm)
        out["trace_color"], out["text_color"] = list(self.trace_color), list(self.text_color)
        out["artifacts"] = None if self.artifacts is None else [dict(a) for a in self.artifacts]
        for key in ("header_lines", "footer_lines"):
            out["style"][key] = [list(line) for line in getattr(self.style, key)]
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
        if isinstance(data.get("style"), dict):
            data["style"] = Style.from_dict(data["style"])
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

    def remake_dict(self) -> dict[str, Any]:
        """The record id, config, seed and sampled artifact parameters that re-make the image."""
        return {"record_id": self.record_id, "seed": self.seed, "config": self.config.to_dict(),
                "artifacts": self.meta.get("artifacts", [])}

    def truth_dict(self) -> dict[str, Any]:
        """Truth plus the config, seed and sampled artifact parameters that re-make the image (JSON-serialisable)."""
        return {**self.remake_dict(), **self.truth.to_dict()}

    def save(self, folder: str | Path, name: str | None = None, fmt: str = "png", quality: int = 95,
             truth: bool | str = True, png_level: int = PNG_LEVEL, png_mode: str = "rgb") -> list[Path]:
        """Write `<name>.<fmt>`, the truth as `<name>.json` (`truth` True or "json") or `<name>.npz` ("npz"; see
        ecgprint.truth_encoding) and `<name>_mask.png` (if rendered with a mask) into `folder`; `name` defaults
        to safe_name(record_id) and may not lead outside `folder`. Returns the paths."""
        folder = Path(folder)
        name = safe_name(self.record_id) if name is None else name
        image_path = folder / f"{name}.{fmt}"
        if image_path.resolve().parent != folder.resolve():
            raise ValueError(f"{image_path}: file name {name!r} leads outside the output folder {folder}")
        kind = "json" if truth is True else truth
        if kind and kind not in TRUTH_FORMATS:
            raise ValueError(f"truth must be True, False or one of {TRUTH_FORMATS}, got {truth!r}")
        folder.mkdir(parents=True, exist_ok=True)
        files = {image_path: encode_image(self.image, fmt, quality, png_level, png_mode)}
        if kind == "json":
            files[folder / f"{name}.json"] = truth_json(self).encode()
        elif kind == "npz":
            files[folder / f"{name}.npz"] = encode_npz(self.remake_dict(), self.truth)
        if self.mask is not None:
            files[folder / f"{name}_mask.png"] = cv2.imencode(".png", self.mask)[1].tobytes()
        for path, data in files.items():
            path.write_bytes(data)
        return list(files)


def safe_name(record_id: str) -> str:
    """A file name from a record id that cannot escape the output folder."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", record_id).strip("._")
    return name or "record"


def line_thickness_px(config: RenderConfig) -> int:
    return max(1, round(config.line_width_mm * config.paper.px_per_mm))


def render(record: Record, config: RenderConfig = RenderConfig(), seed: int = 0) -> RenderResult:
    """Print `record` on paper as described by `config`; pure: the same inputs give the same bytes."""
    paper, style = config.paper, config.style
    if config.start >= record.duration:
        raise ValueError(f"{record.record_id}: start {config.start} s is beyond the record's "
                         f"{record.duration:.2f} s")
    page = layout_mod.resolve(config.panel_specs(), paper, style, config.label_gutter_mm())
    size = paper.size_px
    ppmm = paper.px_per_mm
    thickness = line_thickness_px(config)
    canvas = grid_canvas(paper, style.grid_intensity, style.major_pattern, style.minor_grid)
    leads: list[LeadTruth] = [panel_truth(record.signal, record.fs, config.start, panel, paper, size, thickness)
                              for panel in page.panels]
    leads = [lt for lt in leads if lt.sample_end > lt.sample_start]
    draw_polylines(canvas, [lt.points for lt in leads], config.trace_color, thickness, style.antialias)
    calibration = draw_calibration(canvas, page, config, thickness) if config.show_calibration else []
    if config.show_separators:
        draw_separators(canvas, page, config, thickness)
    texts = draw_labels(canvas, page, config) if config.show_labels else []
    if config.show_header:
        fields = text_fields(record, config, seed)
        texts += draw_text_block(canvas, page.header_band_mm, config, fields, config.style.header_lines)
        texts += draw_text_block(canvas, page.footer_band_mm, config, fields, config.style.footer_lines)

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


def encode_image(image: np.ndarray, fmt: str = "png", quality: int = 95, png_level: int = PNG_LEVEL,
                 png_mode: str = "rgb") -> bytes:
    """Encode an RGB image as PNG (zlib `png_level` 0-9 with the UP filter; `png_mode` in PNG_MODES) or JPEG
    (given quality); lossless PNG in every mode, deterministic bytes."""
    if fmt not in IMAGE_FORMATS:
        raise ValueError(f"image format must be one of {IMAGE_FORMATS}, got {fmt!r}")
    if fmt == "jpg":
        params, pixels = [cv2.IMWRITE_JPEG_QUALITY, int(quality)], cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    else:
        if png_mode not in PNG_MODES or not 0 <= png_level <= 9:
            raise ValueError(f"PNG needs png_mode in {PNG_MODES} and png_level 0..9, got {png_mode!r}, {png_level!r}")
        params = png_params(png_level)
        grey = png_mode == "auto" and is_grey(image)
        pixels = np.ascontiguousarray(image[..., 0]) if grey else cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode("." + fmt, pixels, params)
    if not ok:
        raise RuntimeError(f"OpenCV failed to encode {fmt}")
    return buf.tobytes()


def is_grey(image: np.ndarray, block: int = 1 << 16) -> bool:
    """R = G = B on every pixel of an RGB image; checked a block of pixels at a time, so a colour page answers
    after its first coloured block."""
    pixels = image.reshape(-1, 3)
    for start in range(0, len(pixels), block):
        part = pixels[start:start + block]
        if not (np.array_equal(part[:, 0], part[:, 1]) and np.array_equal(part[:, 1], part[:, 2])):
            return False
    return True


def truth_json(result: RenderResult) -> str:
    """The truth JSON `save` writes (see ecgprint.truth_encoding)."""
    return encode_json(result.remake_dict(), result.truth)
