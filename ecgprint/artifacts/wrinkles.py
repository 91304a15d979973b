"""Paper relief: wrinkles and folds as a height field over the page. Grazing light shades its slopes
(Lambert) and an oblique view shifts each point by its height (parallax): a dense map, so truth follows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .base import Artifact, new_seed, register, scaled
from .fields import coarse_size, multiply, smooth_noise, unit_grid
from .geometry import warp_dense

RELIEF_STEP = 4     # height field grid, px: fine enough for a crease's sharp shading edge at 0.5 mm


def light_params(rng: np.random.Generator, severity: float, max_view: float) -> dict:
    """Light direction (azimuth, elevation) and view tilt (tangent, x and y) shared by both relief artifacts."""
    view = scaled(rng, severity, max_view)
    heading = rng.uniform(0, 2 * math.pi)
    return {"light_deg": float(rng.uniform(0, 360)), "elevation_deg": float(rng.uniform(25, 50)),
            "view": [view * math.cos(heading), view * math.sin(heading)]}


def shade_and_warp(image, truth, mask, height_mm: np.ndarray, params: dict, name: str):
    """Warp by parallax (height x view tangent) and multiply by Lambert shading of the coarse height field.
    Viewed straight on (view 0: a page flattened on scanner glass) nothing moves, so there is no warp."""
    ppmm = truth.px_per_mm
    cell_mm = RELIEF_STEP / ppmm
    hy, hx = np.gradient(height_mm, cell_mm)
    az, el = math.radians(params["light_deg"]), math.radians(params["elevation_deg"])
    lit = (math.sin(el) - math.cos(el) * (hx * math.cos(az) + hy * math.sin(az))) / np.sqrt(1 + hx * hx + hy * hy)
    gain = np.clip(lit / math.sin(el), 0.3, 1.2).astype(np.float32)
    if any(params["view"]):
        field = (height_mm[..., None] * (np.asarray(params["view"], np.float32) * ppmm)).astype(np.float32)
        image, truth, mask = warp_dense(image, truth, mask, field, name, params)
    return multiply(image, gain), truth, mask


def relief_grid(size: tuple[int, int], px_per_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """Coarse cell centres of the relief grid in page mm."""
    gw, gh = coarse_size(size, RELIEF_STEP)
    xs, ys = unit_grid(gw, gh)
    return xs * (size[0] / px_per_mm), ys * (size[1] / px_per_mm)


def ridge(x_mm, y_mm, line, height_mm: float, width_mm: float, taper: bool) -> np.ndarray:
    """A crease along segment line=(x0, y0, x1, y1) mm: height * exp(-|distance| / width), a sharp kink at the
    crease; with `taper` it fades out smoothly towards both ends of the segment."""
    x0, y0, x1, y1 = line
    length = max(math.hypot(x1 - x0, y1 - y0), 1e-6)
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    dx, dy = x_mm - x0, y_mm - y0
    across = np.abs(dx * uy - dy * ux)
    h = height_mm * np.exp(-across / width_mm)
    if taper:
        t = np.clip(2 * (dx * ux + dy * uy) / length - 1, -1, 1)
        h *= (1 - t * t) ** 2
    return h


@register
@dataclass(frozen=True)
class Wrinkles(Artifact):
    """Crumpled then flattened paper: many short random creases (ridges and valleys) on a gently undulating
    sheet."""

    name = "wrinkles"
    family = "damage"
    geometric = True
    max_count: float = 30.0
    max_height_mm: float = 0.5
    max_view: float = 0.5          # tangent of the viewing tilt

    def sample_params(self, rng, severity):
        creases = []
        for _ in range(int(self.max_count)):
            x, y, angle, length, width, size, sign = rng.random(7)
            half = 0.5 * (10 + 60 * length) * np.array([math.cos(angle * math.pi), math.sin(angle * math.pi)])
            height = (1 if sign < 0.5 else -1) * severity * self.max_height_mm * (0.3 + 0.7 * size)
            creases.append([round(float(v), 3) for v in (x, y, *half)]
                           + [round(height, 4), round(0.4 + 1.6 * width, 3)])
        count = round(severity * self.max_count)
        return {"creases": creases[:count], "undulation_mm": scaled(rng, severity, 2 * self.max_height_mm),
                **light_params(rng, severity, self.max_view), "seed": new_seed(rng)}

    def apply(self, image, truth, params, mask=None):
        size = (truth.width, truth.height)
        xs, ys = relief_grid(size, truth.px_per_mm)
        page_w, page_h = size[0] / truth.px_per_mm, size[1] / truth.px_per_mm
        cell = RELIEF_STEP / truth.px_per_mm
        height = params["undulation_mm"] * smooth_noise(np.random.default_rng(params["seed"]), xs.shape[::-1],
                                                        25 / cell)
        for fx, fy, hx, hy, h, width in params["creases"]:
            cx, cy = fx * page_w, fy * page_h
            pad = abs(hx) + abs(hy) + 5 * width
            c0, c1 = max(0, int((cx - pad) / cell)), min(xs.shape[1], int((cx + pad) / cell) + 2)
            r0, r1 = max(0, int((cy - pad) / cell)), min(xs.shape[0], int((cy + pad) / cell) + 2)
            if c1 > c0 and r1 > r0:
                height[r0:r1, c0:c1] += ridge(xs[r0:r1, c0:c1], ys[r0:r1, c0:c1],
                                              (cx - hx, cy - hy, cx + hx, cy + hy), h, width, taper=True)
        return shade_and_warp(image, truth, mask, height, params, self.name)


@register
@dataclass(frozen=True)
class Creases(Artifact):
    """Fold lines across the whole sheet (folded in half or in thirds, then opened): a sharp light/dark edge
    along each fold and a thin line of cracked fibres and toner."""

    name = "creases"
    family = "damage"
    geometric = True
    max_height_mm: float = 1.0
    max_view: float = 0.4
    max_crack: float = 0.45        # darkening of the fibre line

    def sample_params(self, rng, severity):
        folds = []
        for _ in range(3):
            vertical, where, tilt, sign, width = rng.random(5)
            pos = (1 / 3, 1 / 2, 2 / 3)[int(where * 3)] + 0.04 * (where * 3 % 1 - 0.5)
            folds.append([int(vertical < 0.6), round(pos, 4), round(2 * (tilt - 0.5), 3),
                          round((1 if sign > 0.5 else -1) * scaled(rng, severity, self.max_height_mm), 4),
                          round(1 + 3 * width, 3)])
        return {"folds": folds[:1 + int(rng.integers(3))], "crack": scaled(rng, severity, self.max_crack),
                **light_params(rng, severity, self.max_view)}

    def apply(self, image, truth, params, mask=None):
        size = (truth.width, truth.height)
        xs, ys = relief_grid(size, truth.px_per_mm)
        w_mm, h_mm = size[0] / truth.px_per_mm, size[1] / truth.px_per_mm
        height = np.zeros(xs.shape, np.float32)
        lines = []
        for vertical, pos, tilt_deg, h, width in params["folds"]:
            slope = math.tan(math.radians(tilt_deg))
            if vertical:
                line = (pos * w_mm - slope * h_mm / 2, 0.0, pos * w_mm + slope * h_mm / 2, h_mm)
            else:
                line = (0.0, pos * h_mm - slope * w_mm / 2, w_mm, pos * h_mm + slope * w_mm / 2)
            height += ridge(xs, ys, line, h, width, taper=False)
            lines.append(line)
        image, truth, mask = shade_and_warp(image, truth, mask, height, params, self.name)
        return crack_lines(image, truth, lines, params["crack"]), truth, mask


def crack_lines(image: np.ndarray, truth, lines_mm: list, darkness: float) -> np.ndarray:
    """Darken thin anti-aliased lines (image mm, like the height field) by `darkness`: paper greys, ink stays.
    Each line is drawn in its own bounding box only (a fold spans the page but is a few pixels wide)."""
    out = image.copy()
    h, w = image.shape[:2]
    level = round(255 * darkness)
    for x0, y0, x1, y1 in lines_mm:
        t = np.linspace(0, 1, 64)[:, None]
        pts = (np.array([x0, y0]) * (1 - t) + np.array([x1, y1]) * t) * truth.px_per_mm
        bx0, by0 = np.maximum(np.floor(pts.min(axis=0)).astype(int) - 2, 0)
        bx1, by1 = np.minimum(np.ceil(pts.max(axis=0)).astype(int) + 3, [w, h])
        crack = np.zeros((by1 - by0, bx1 - bx0), np.uint8)
        cv2.polylines(crack, [np.rint((pts - [bx0, by0]) * 16).astype(np.int32)], False, level, 1, cv2.LINE_AA, 4)
        out[by0:by1, bx0:bx1] = cv2.subtract(out[by0:by1, bx0:bx1], cv2.merge([crack] * 3))
    return out
