"""The annotated objects of one page, from its truth: printed lead traces, lead names, calibration pulses and header
text, each with a category, a box and a way to draw its mask. Shared by the COCO and YOLO writers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import cv2
import numpy as np

from ..leads import STANDARD_LEADS
from ..raster import draw_polylines
from ..truth import Truth, trace_box

CATEGORIES: tuple[str, ...] = (*STANDARD_LEADS, "lead_name", "calibration_pulse", "header_text")


@dataclass(frozen=True)
class PageObject:
    """One object: `box` [x0, y0, x1, y1] px in the truth's convention (pixel centres at integers), `line` the
    (N, 2) px polyline drawn at the page's trace width (traces, calibration pulses) or None (text: a box)."""

    category: str
    box: tuple[float, float, float, float]
    line: np.ndarray | None = None
    attributes: dict = field(default_factory=dict)

    @property
    def category_id(self) -> int:
        """0-based index into CATEGORIES (YOLO class; COCO ids are this + 1)."""
        return CATEGORIES.index(self.category)


def rhythm_rows(truth: Truth) -> set[int]:
    """Rows holding a rhythm strip: a row with a single trace on a page where some row holds several (3x4 + II);
    on a page of single-trace rows (12x1) no row is a rhythm strip."""
    per_row = Counter(lt.row for lt in truth.leads)
    return {row for row, n in per_row.items() if n == 1} if max(per_row.values(), default=0) > 1 else set()


def page_objects(truth: Truth) -> list[PageObject]:
    """Every object of the page with a non-empty box: traces (only their visible points are drawn), then lead
    names (text equal to a printed lead label), calibration pulses, then the other (header/footer) text."""
    size = (truth.width, truth.height)
    rhythm = rhythm_rows(truth)
    objects = []
    for lt in truth.leads:
        line = np.where(lt.visible[:, None], lt.points, np.nan)
        attributes = {"label": lt.label, "row": lt.row, "rhythm_strip": lt.row in rhythm, "t_start": lt.t_start,
                      "t_end": lt.t_end, "sample_start": lt.sample_start, "sample_end": lt.sample_end}
        if lt.visible.any():
            objects.append(PageObject(lt.lead, tuple(lt.box), line, attributes))
    labels = {lt.label for lt in truth.leads}
    objects += [PageObject("lead_name", tuple(t["box"]), None, {"text": t["text"]})
                for t in truth.text if t["text"] in labels]
    objects += [PageObject("calibration_pulse", tuple(trace_box(c, truth.line_px / 2, size)), c, {"row": row})
                for row, c in enumerate(truth.calibration)]
    objects += [PageObject("header_text", tuple(t["box"]), None, {"text": t["text"]})
                for t in truth.text if t["text"] not in labels]
    return [o for o in objects if o.box[2] > o.box[0] and o.box[3] > o.box[1]]


def object_mask(obj: PageObject, truth: Truth, labels: np.ndarray | None = None) -> np.ndarray:
    """bool (H, W) mask: a polyline drawn exactly as render.trace_mask draws a lead (same rasteriser, width and
    no antialiasing), or the pixels whose centres lie in a text box. With the page's `--mask` label image, a
    trace's mask is that image's pixels of its lead within 1 px of the drawing: the render's own mask, which the
    drawing from stored (rounded) coordinates can miss by a pixel here and there."""
    mask = np.zeros((truth.height, truth.width), np.uint8)
    if obj.line is not None:
        draw_polylines(mask, [obj.line], (1, 1, 1), max(1, round(truth.line_px)), antialias=False)
        if labels is not None and obj.category in STANDARD_LEADS:
            near = cv2.dilate(mask, np.ones((3, 3), np.uint8)).astype(bool)
            return near & (labels == STANDARD_LEADS.index(obj.category) + 1)
    else:
        x0, y0, x1, y1 = obj.box
        mask[max(0, int(np.ceil(y0))):int(np.floor(y1)) + 1, max(0, int(np.ceil(x0))):int(np.floor(x1)) + 1] = 1
    return mask.astype(bool)


def coco_box(box) -> list[float]:
    """[x0, y0, x1, y1] with pixel centres at integers -> COCO [x, y, w, h] with the image's corner at (0, 0)."""
    x0, y0, x1, y1 = (float(v) for v in box)
    return [round(x0 + 0.5, 2), round(y0 + 0.5, 2), round(x1 - x0, 2), round(y1 - y0, 2)]
