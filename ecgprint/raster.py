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
# Major-line patterns: (period, ink length) in mm along the line, ink centred on the mm lattice; None = solid.
MAJOR_PATTERNS: dict[str, tuple[float, float] | None] = {"solid": None, "dashed": (2.0, 1.0), "dotted": (1.0, 0.25)}
FONTS = {"simplex": cv2.FONT_HERSHEY_SIMPLEX, "duplex": cv2.FONT_HERSHEY_DUPLEX, "complex": cv2.FONT_HERSHEY_COMPLEX,
         "triplex": cv2.FONT_HERSHEY_TRIPLEX, "plain": cv2.FONT_HERSHEY_PLAIN}
_FONT_CAP_PX = {name: cv2.getTextSize("H", face, 1.0, 1)[0][1] for name, face in FONTS.items()}  # cap height at scale 1


def _line_coverage(n: int, centres: np.ndarray, width: float) -> np.ndarray:
    """Fraction of each of `n` pixels [i-0.5, i+0.5] covered by lines of `width` px centred at `centres`."""
    cov = np.zeros(n, np.float32)
    half = max(width, MIN_LINE_PX) / 2
    for c in centres:
        lo, hi = c - half, c + half
        for i in range(max(0, int(np.floor(lo + 0.5))), min(n, int(np.floor(hi + 0.5)) + 1)):
            cov[i] = max(cov[i], min(hi, i + 0.5) - max(lo, i - 0.5))
    return np.clip(cov, 0.0, 1.0)


def _dashes(n: int, lo_mm: float, hi_mm: float, ppmm: float, pattern: str) -> np.ndarray:
    """Ink coverage of each of `n` pixels along a major line running from lo_mm to hi_mm (all 1 = solid)."""
    dash = MAJOR_PATTERNS[pattern]
    if dash is None:
        return np.ones(n, np.float32)
    period, ink = dash
    return _line_coverage(n, np.arange(lo_mm, hi_mm + period / 2, period) * ppmm, ink * ppmm)


def _faded(colour, paper_rgb, intensity: float) -> np.ndarray:
    """A grid colour moved toward the paper colour (intensity < 1) or away from it (> 1, more saturated)."""
    paper_f = np.asarray(paper_rgb, np.float32)
    return np.clip(paper_f + np.float32(intensity) * (np.asarray(colour, np.float32) - paper_f), 0, 255)


@functools.lru_cache(maxsize=8)
def _grid_background(paper: Paper, intensity: float = 1.0, pattern: str = "solid", minor: bool = True) -> np.ndarray:
    # Cached on everything the grid depends on: a dataset build renders thousands of pages on the same paper,
    # and computing a grid costs several renders (docs/performance.md).
    w, h = paper.size_px
    style = GRID_STYLES[paper.grid]
    paper_rgb = style[0] if style else (255, 255, 255)
    if style is None:
        canvas = np.empty((h, w, 3), np.uint8)
        canvas[:] = paper_rgb
        canvas.flags.writeable = False
        return canvas
    page_w, page_h = paper.size_mm
    ppmm = paper.px_per_mm
    xs_mm = np.arange(np.ceil(paper.margin_mm), np.floor(page_w - paper.margin_mm) + 1)
    ys_mm = np.arange(np.ceil(paper.margin_mm), np.floor(page_h - paper.margin_mm) + 1)
    # Lines span only the grid area, not the margins.
    x_in = (np.arange(w) >= xs_mm[0] * ppmm - 1) & (np.arange(w) <= xs_mm[-1] * ppmm + 1)
    y_in = (np.arange(h) >= ys_mm[0] * ppmm - 1) & (np.arange(h) <= ys_mm[-1] * ppmm + 1)
    layers = []   # per line kind: colour, row alpha, column alpha, dash coverage along x and along y
    for is_major, colour, width in ((False, style[1], MINOR_LINE_MM), (True, style[2], MAJOR_LINE_MM)):
        if not (is_major or minor):
            continue
        kind = pattern if is_major else "solid"
        pick_x = (xs_mm % 5 == 0) == is_major
        pick_y = (ys_mm % 5 == 0) == is_major
        layers.append((_faded(colour, paper_rgb, intensity),
                       _line_coverage(h, ys_mm[pick_y] * ppmm, width * ppmm) * y_in,
                       _line_coverage(w, xs_mm[pick_x] * ppmm, width * ppmm) * x_in,
                       _dashes(w, xs_mm[0], xs_mm[-1], ppmm, kind), _dashes(h, ys_mm[0], ys_mm[-1], ppmm, kind)))
    # A pixel's alpha is max(row alpha x dash along x, dash along y x column alpha): rows with equal row alphas and
    # dashes are equal, so each distinct row is blended once (~1/4 of the rows at 200 dpi) and then copied.
    profiles = np.stack([v for _, rows, _, _, along_y in layers for v in (rows, along_y)], axis=1)
    distinct, inverse = np.unique(profiles, axis=0, return_inverse=True)
    img = np.empty((len(distinct), w, 3), np.float32)
    img[:] = paper_rgb
    for k, (colour, _, cols, along_x, _) in enumerate(layers):
        alpha = np.maximum(np.outer(distinct[:, 2 * k], along_x), np.outer(distinct[:, 2 * k + 1], cols))[..., None]
        img = img * (1 - alpha) + colour * alpha
    canvas = np.rint(img).astype(np.uint8)[inverse.reshape(-1)]
    canvas.flags.writeable = False
    return canvas


def grid_canvas(paper: Paper, intensity: float = 1.0, pattern: str = "solid", minor: bool = True) -> np.ndarray:
    """A fresh, writable page with the paper colour and the 1 mm / 5 mm grid exactly on the mm lattice; the
    grid colours faded or saturated by `intensity`, major lines solid/dashed/dotted, minor lines optional."""
    return _grid_background(paper, intensity, pattern, minor).copy()


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


def text_scale(cap_height_px: float, font: str = "simplex") -> float:
    """OpenCV font scale giving capital letters `cap_height_px` tall."""
    return cap_height_px / _FONT_CAP_PX[font]


def _text_metrics(text: str, cap_height_px: float, font: str) -> tuple[float, int, int, int, int]:
    """(scale, thickness, width, height above the baseline, descent) of `text` in px."""
    scale = text_scale(cap_height_px, font)
    thickness = max(1, round(cap_height_px / 12))
    (tw, th), descent = cv2.getTextSize(text, FONTS[font], scale, thickness)
    return scale, thickness, tw, th, descent


def text_width_px(text: str, cap_height_px: float, font: str = "simplex") -> int:
    """Width in px of `text` as draw_text prints it."""
    return _text_metrics(text, cap_height_px, font)[2]


def draw_text(canvas: np.ndarray, text: str, x: float, y: float, cap_height_px: float, colour,
              font: str = "simplex") -> list[float]:
    """Draw text with its baseline-left at (x, y) in a Hershey `font`; returns its box [x0, y0, x1, y1] in px."""
    scale, thickness, tw, th, descent = _text_metrics(text, cap_height_px, font)
    org = (int(round(x)), int(round(y)))
    cv2.putText(canvas, text, org, FONTS[font], scale, tuple(int(c) for c in colour), thickness, cv2.LINE_AA)
    return [float(org[0]), float(org[1] - th), float(org[0] + tw), float(org[1] + descent)]
