"""Drawing primitives on an RGB uint8 canvas with OpenCV: the mm grid, sub-pixel anti-aliased polylines, text.

Coordinates are pixels with pixel centres at integers (the convention of OpenCV's drawing functions).
"""

from __future__ import annotations

import functools

import cv2
import numpy as np

from .paper import GRID_STYLES, Paper

SUBPIXEL_BITS = 4            # cv2 fixed-point shift: polylines are placed to 1/16 px
_SCALE = 1 << SUBPIXEL_BITS
# Thick anti-aliased cv2 polylines cost per vertex, and a 10 s page has ~20k samples at < 0.5 px spacing.
# Dropping vertices that lie within 1/4 px of the simplified line (Ramer-Douglas-Peucker) makes drawing
# ~4x faster with no visible change; every sample still lies within 1/4 px of the drawn centre line.
SIMPLIFY_PX = 0.25
MINOR_LINE_MM = 0.1
MAJOR_LINE_MM = 0.2
MIN_LINE_PX = 0.7            # keep grid lines visible at low dpi
FONT = cv2.FONT_HERSHEY_SIMPLEX
_FONT_CAP_PX = cv2.getTextSize("H", FONT, 1.0, 1)[0][1]   # cap height of the font at scale 1


def _line_coverage(n: int, centres: np.ndarray, width: float) -> np.ndarray:
    """Fraction of each of `n` pixels [i-0.5, i+0.5] covered by lines of `width` px centred at `centres`."""
    cov = np.zeros(n, np.float32)
    half = max(width, MIN_LINE_PX) / 2
    for c in centres:
        lo, hi = c - half, c + half
        for i in range(max(0, int(np.floor(lo + 0.5))), min(n, int(np.floor(hi + 0.5)) + 1)):
            cov[i] = max(cov[i], min(hi, i + 0.5) - max(lo, i - 0.5))
    return np.clip(cov, 0.0, 1.0)


@functools.lru_cache(maxsize=16)
def _grid_background(paper: Paper) -> np.ndarray:
    # Cached: the grid depends only on the paper, and a dataset build renders thousands of pages on the same
    # paper; computing it costs ~10x the rest of a render (see docs/performance.md).
    w, h = paper.size_px
    style = GRID_STYLES[paper.grid]
    paper_rgb = style[0] if style else (255, 255, 255)
    canvas = np.empty((h, w, 3), np.uint8)
    canvas[:] = paper_rgb
    if style is None:
        canvas.flags.writeable = False
        return canvas
    page_w, page_h = paper.size_mm
    ppmm = paper.px_per_mm
    xs_mm = np.arange(np.ceil(paper.margin_mm), np.floor(page_w - paper.margin_mm) + 1)
    ys_mm = np.arange(np.ceil(paper.margin_mm), np.floor(page_h - paper.margin_mm) + 1)
    img = canvas.astype(np.float32)
    for is_major, colour, width in ((False, style[1], MINOR_LINE_MM), (True, style[2], MAJOR_LINE_MM)):
        pick_x = (xs_mm % 5 == 0) == is_major
        pick_y = (ys_mm % 5 == 0) == is_major
        cx = _line_coverage(w, xs_mm[pick_x] * ppmm, width * ppmm)
        cy = _line_coverage(h, ys_mm[pick_y] * ppmm, width * ppmm)
        # Lines span only the grid area, not the margins.
        x_in = (np.arange(w) >= xs_mm[0] * ppmm - 1) & (np.arange(w) <= xs_mm[-1] * ppmm + 1)
        y_in = (np.arange(h) >= ys_mm[0] * ppmm - 1) & (np.arange(h) <= ys_mm[-1] * ppmm + 1)
        alpha = np.maximum.outer(cy * y_in, cx * x_in)[..., None]
        img = img * (1 - alpha) + np.asarray(colour, np.float32) * alpha
    canvas = np.rint(img).astype(np.uint8)
    canvas.flags.writeable = False
    return canvas


def grid_canvas(paper: Paper) -> np.ndarray:
    """A fresh, writable page with the paper colour and the 1 mm / 5 mm grid exactly on the mm lattice."""
    return _grid_background(paper).copy()


def _fixed_point_runs(points: np.ndarray) -> list[np.ndarray]:
    """Split a float (N, 2) polyline at NaN rows and convert each run to cv2 fixed-point int32."""
    finite = np.isfinite(points).all(axis=1)
    if finite.all():
        return [np.rint(points * _SCALE).astype(np.int32)]
    edges = np.flatnonzero(np.diff(np.r_[0, finite.astype(np.int8), 0]))
    return [np.rint(points[a:b] * _SCALE).astype(np.int32) for a, b in zip(edges[::2], edges[1::2]) if b - a > 1]


def draw_polylines(canvas: np.ndarray, polylines: list[np.ndarray], colour, thickness: int,
                   antialias: bool = True) -> None:
    """Draw float (N, 2) pixel polylines in place, within 1/4 px of every point; NaN rows break a line."""
    runs = [cv2.approxPolyDP(run.reshape(-1, 1, 2), SIMPLIFY_PX * _SCALE, False)
            for line in polylines for run in _fixed_point_runs(line)]
    if runs:
        cv2.polylines(canvas, runs, False, tuple(int(c) for c in colour), int(thickness),
                      cv2.LINE_AA if antialias else cv2.LINE_8, SUBPIXEL_BITS)


def text_scale(cap_height_px: float) -> float:
    """OpenCV font scale giving capital letters `cap_height_px` tall."""
    return cap_height_px / _FONT_CAP_PX


def draw_text(canvas: np.ndarray, text: str, x: float, y: float, cap_height_px: float, colour) -> list[float]:
    """Draw text with its baseline-left at (x, y); returns its box [x0, y0, x1, y1] in px."""
    scale = text_scale(cap_height_px)
    thickness = max(1, round(cap_height_px / 12))
    (tw, th), descent = cv2.getTextSize(text, FONT, scale, thickness)
    org = (int(round(x)), int(round(y)))
    cv2.putText(canvas, text, org, FONT, scale, tuple(int(c) for c in colour), thickness, cv2.LINE_AA)
    return [float(org[0]), float(org[1] - th), float(org[0] + tw), float(org[1] + descent)]
