"""Ground truth of a render: per printed lead, its exact sub-pixel trace coordinates, box and time window.

The rasteriser draws exactly these coordinates, so the truth is the drawn trace by construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .layout import Panel
from .leads import STANDARD_LEADS, parse_lead_ref
from .paper import Paper

JSON_DECIMALS = 2            # coordinates in truth JSON are rounded to 1/100 px (np.round): within 0.005 px


@dataclass
class LeadTruth:
    """One printed trace segment. `points` (N, 2) are (x, y) px of samples sample_start..sample_end-1."""

    lead: str               # standard lead name
    label: str              # as printed, e.g. "-aVR"
    sign: float             # -1 for an inverted lead
    row: int
    t_start: float          # seconds from the record's start
    t_end: float
    sample_start: int
    sample_end: int
    points: np.ndarray
    visible: np.ndarray     # bool (N,): finite, inside the image and not under an opaque occluder
    box: list[float]        # [x0, y0, x1, y1] px: trace extent plus half the line width
    cell: list[float]       # [x0, y0, x1, y1] px: the layout slot

    def to_dict(self, arrays: bool = True) -> dict:
        """JSON-ready dict; without `arrays`, everything but `points` and `visible` (ecgprint.truth_encoding
        writes those itself)."""
        data = {
            "lead": self.lead, "label": self.label, "sign": self.sign, "row": self.row,
            "t_start": self.t_start, "t_end": self.t_end,
            "sample_start": self.sample_start, "sample_end": self.sample_end,
            "box": _round(self.box), "cell": _round(self.cell),
        }
        if arrays:
            pts = np.where(np.isfinite(self.points), np.round(self.points, JSON_DECIMALS), None)
            data.update(points=pts.tolist(), visible=self.visible.astype(int).tolist())
        return data

    @classmethod
    def from_dict(cls, data: dict) -> LeadTruth:
        """Inverse of to_dict (null points become NaN); KeyError/TypeError/ValueError for a malformed entry."""
        return cls(str(data["lead"]), str(data["label"]), float(data["sign"]), int(data["row"]),
                   float(data["t_start"]), float(data["t_end"]), int(data["sample_start"]), int(data["sample_end"]),
                   np.asarray(data["points"], np.float64).reshape(-1, 2), np.asarray(data["visible"], bool),
                   [float(v) for v in data["box"]], [float(v) for v in data["cell"]])


@dataclass
class Truth:
    """Ground truth of one image; `page_to_image` maps page mm (homogeneous) to image px, or is None once a
    non-projective warp (lens, wrinkles) has been applied; `warps` lists every geometric step after printing."""

    width: int
    height: int
    px_per_mm: float
    page_to_image: np.ndarray | None
    leads: list[LeadTruth]
    calibration: list[np.ndarray] = field(default_factory=list)   # one (N, 2) px polyline per row
    text: list[dict] = field(default_factory=list)                # {"text", "box"}
    line_px: float = 0.0                                          # printed trace width, px
    warps: list[dict] = field(default_factory=list)               # {"artifact", "kind", ...} in order

    def to_dict(self, leads: bool = True) -> dict:
        """JSON-ready dict; without `leads`, everything but the per-lead entries (see LeadTruth.to_dict)."""
        data = {
            "image_size": [self.width, self.height],
            "px_per_mm": self.px_per_mm,
            "pixel_convention": "pixel centres at integer coordinates; x right, y down",
            "page_to_image": None if self.page_to_image is None else self.page_to_image.tolist(),
            "warps": self.warps,
            "calibration": [np.round(c, JSON_DECIMALS).tolist() for c in self.calibration],
            "text": self.text,
        }
        if leads:
            data["leads"] = [lead.to_dict() for lead in self.leads]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Truth:
        """Inverse of to_dict, so it reads `ecgprint render`'s truth JSON (whose extra keys, the config and seed,
        are ignored); `line_px` is not in that JSON and reads as 0 there. ValueError (one line) for anything else."""
        if not isinstance(data, dict) or not {"leads", "image_size"} <= set(data):
            raise ValueError("not an ecgprint truth JSON (needs 'leads' and 'image_size')")
        try:
            width, height = (int(v) for v in data["image_size"])
            page_to_image = data.get("page_to_image")
            return cls(width, height, float(data["px_per_mm"]),
                       None if page_to_image is None else np.asarray(page_to_image, np.float64).reshape(3, 3),
                       [LeadTruth.from_dict(lead) for lead in data["leads"]],
                       [np.asarray(c, np.float64).reshape(-1, 2) for c in data.get("calibration", [])],
                       [{"text": str(t["text"]), "box": [float(v) for v in t["box"]]} for t in data.get("text", [])],
                       float(data.get("line_px", 0.0)), list(data.get("warps", [])))
        except KeyError as exc:
            raise ValueError(f"not an ecgprint truth JSON (missing key {exc})") from None
        except (TypeError, ValueError) as exc:
            raise ValueError(f"not an ecgprint truth JSON ({exc})") from None


def _round(values) -> list[float]:
    return [round(float(v), JSON_DECIMALS) for v in values]


def panel_truth(signal: np.ndarray, fs: float, start_s: float, panel: Panel, paper: Paper,
                size: tuple[int, int], line_px: float) -> LeadTruth:
    """Map one panel's samples to pixel coordinates: x from time at the paper speed, y from mV at the gain."""
    lead, sign = parse_lead_ref(panel.spec.lead)
    s0 = int(np.ceil((start_s + panel.spec.t_start) * fs - 1e-9))
    s1 = min(signal.shape[0], int(np.ceil((start_s + panel.spec.t_end) * fs - 1e-9)))
    samples = np.arange(s0, max(s0, s1))
    values = signal[samples, STANDARD_LEADS.index(lead)].astype(np.float64) * sign
    x_mm = panel.x_start_mm + (samples / fs - start_s - panel.spec.t_start) * paper.speed
    y_mm = panel.baseline_mm - values * paper.gain
    points = np.stack([paper.to_px(x_mm), paper.to_px(y_mm)], axis=1)
    w, h = size
    visible = (np.isfinite(points).all(axis=1) & (points[:, 0] >= -0.5) & (points[:, 0] <= w - 0.5)
               & (points[:, 1] >= -0.5) & (points[:, 1] <= h - 0.5))
    cell = [paper.to_px(v) for v in panel.cell_mm]
    return LeadTruth(lead, panel.spec.lead, sign, panel.spec.row,
                     start_s + panel.spec.t_start, start_s + panel.spec.t_end, int(s0), int(max(s0, s1)),
                     points, visible, trace_box(points, line_px / 2, size), cell)


def trace_box(points: np.ndarray, pad: float, size: tuple[int, int]) -> list[float]:
    """Bounding box [x0, y0, x1, y1] of the finite points, padded, clipped to the image."""
    finite = points[np.isfinite(points).all(axis=1)]
    if finite.size == 0:
        return [0.0, 0.0, 0.0, 0.0]
    w, h = size
    x0, y0 = np.maximum(finite.min(axis=0) - pad, -0.5)
    x1, y1 = np.minimum(finite.max(axis=0) + pad, [w - 0.5, h - 0.5])
    return [float(x0), float(y0), float(x1), float(y1)]
