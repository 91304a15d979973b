"""Scanner and fax artifacts: skew (a homography: truth follows), streaks and banding, dark page edges,
dust and speckle, binarisation and resolution loss."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .base import Artifact, Photometric, new_seed, pick, register, scaled, signed
from .fields import multiply, normal_noise, shrink
from .geometry import warp_homography

BAYER8 = (np.array([[0, 32, 8, 40, 2, 34, 10, 42], [48, 16, 56, 24, 50, 18, 58, 26], [12, 44, 4, 36, 14, 46, 6, 38],
                    [60, 28, 52, 20, 62, 30, 54, 22], [3, 35, 11, 43, 1, 33, 9, 41], [51, 19, 59, 27, 49, 17, 57, 25],
                    [15, 47, 7, 39, 13, 45, 5, 37], [63, 31, 55, 23, 61, 29, 53, 21]], np.float32) + 0.5) / 64
SCANNER_BEDS = ((246, 246, 244), (205, 207, 210), (28, 28, 30))   # white lid, grey lid, black bed


@register
@dataclass(frozen=True)
class Skew(Artifact):
    """The page placed crooked on the glass: rotation about the centre plus a shift; the uncovered scanner
    bed shows at the borders. Truth, boxes and mask are rotated with the image."""

    name = "skew"
    family = "scanner"
    geometric = True
    max_deg: float = 3.0
    max_shift: float = 0.01        # fraction of the page size

    def sample_params(self, rng, severity):
        return {"angle_deg": signed(rng, severity, self.max_deg, 0.3),
                "shift": [signed(rng, severity, self.max_shift, 0.0), signed(rng, severity, self.max_shift, 0.0)],
                "fill": pick(rng, SCANNER_BEDS)}

    def apply(self, image, truth, params, mask=None):
        w, h = truth.width, truth.height
        matrix = np.vstack([cv2.getRotationMatrix2D(((w - 1) / 2, (h - 1) / 2), params["angle_deg"], 1.0),
                            [0, 0, 1]])
        matrix[:2, 2] += [params["shift"][0] * w, params["shift"][1] * h]
        return warp_homography(image, truth, mask, matrix, self.name, params["fill"])


@register
@dataclass(frozen=True)
class Streaks(Photometric):
    """Dirt on the scanner glass or a weak sensor element: thin lines along the scan direction through the
    whole page, and banding (lamp flicker, uneven motor speed) across it."""

    name = "streaks"
    family = "scanner"
    max_lines: float = 6.0
    max_depth: float = 0.6         # light lost at a line's centre
    max_banding: float = 0.06      # relative brightness ripple

    def sample_params(self, rng, severity):
        lines = [[round(float(rng.random()), 5), round(float(rng.uniform(0.05, 0.4)), 3),
                  scaled(rng, severity, self.max_depth, 0.2)] for _ in range(int(self.max_lines))]
        return {"axis": int(rng.integers(2)), "lines": lines[:max(1, round(severity * self.max_lines))],
                "banding": scaled(rng, severity, self.max_banding), "period_mm": float(rng.uniform(2, 12)),
                "phase": float(rng.uniform(0, 2 * math.pi)), "seed": new_seed(rng)}

    def apply_image(self, image, params, px_per_mm):
        h, w = image.shape[:2]
        sensor, motion = (w, h) if params["axis"] == 0 else (h, w)
        x = np.arange(sensor, dtype=np.float32)
        across = np.ones(sensor, np.float32)
        for pos, width_mm, depth in params["lines"]:
            d = (x - pos * (sensor - 1)) / (width_mm * px_per_mm)
            across *= 1 - depth * np.exp(-d * d)
        t = np.arange(motion, dtype=np.float32) / px_per_mm
        drift = cv2.GaussianBlur(normal_noise(np.random.default_rng(params["seed"]), (motion, 1)), (0, 0),
                                 4 * px_per_mm).ravel()
        along = 1 + params["banding"] * (np.sin(2 * math.pi * t / params["period_mm"] + params["phase"])
                                         + 2 * drift / max(float(np.abs(drift).max()), 1e-6)) / 3
        return multiply(image, np.outer(along, across) if params["axis"] == 0 else np.outer(across, along))


@register
@dataclass(frozen=True)
class DarkEdges(Photometric):
    """Shadow where the page lifts off the glass or the lid does not close: darkening fading in from each
    page edge with its own depth."""

    name = "edges"
    family = "scanner"
    max_depth: float = 0.6
    max_width_mm: float = 12.0

    def sample_params(self, rng, severity):
        depth = [scaled(rng, severity, self.max_depth, 0.0) for _ in range(4)]     # left, top, right, bottom
        return {"depth": depth, "width_mm": float(rng.uniform(0.3, 1.0) * self.max_width_mm)}

    def apply_image(self, image, params, px_per_mm):
        h, w = image.shape[:2]
        left, top, right, bottom = params["depth"]
        width = max(params["width_mm"] * px_per_mm, 1.0)
        x, y = np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32)
        gx = (1 - left * np.exp(-x / width)) * (1 - right * np.exp(-(w - 1 - x) / width))
        gy = (1 - top * np.exp(-y / width)) * (1 - bottom * np.exp(-(h - 1 - y) / width))
        return multiply(image, np.outer(gy, gx))


@register
@dataclass(frozen=True)
class Dust(Photometric):
    """Dust specks, toner speckle and a few hairs on the glass, dark grey and mostly under 0.3 mm."""

    name = "dust"
    family = "scanner"
    max_specks: float = 400.0
    max_hairs: float = 6.0

    def sample_params(self, rng, severity):
        return {"specks": round(scaled(rng, severity, self.max_specks, 0.7)),
                "hairs": round(scaled(rng, severity, self.max_hairs, 0.3)), "seed": new_seed(rng)}

    def apply_image(self, image, params, px_per_mm):
        h, w = image.shape[:2]
        rng = np.random.default_rng(params["seed"])
        out = image.copy()
        for x, y, size, shade in rng.random((params["specks"], 4)):
            radius = 0.04 * px_per_mm * math.exp(2.2 * size)           # log-uniform 0.04..0.36 mm
            grey = int(30 + 150 * shade)
            cv2.circle(out, (round(16 * x * w), round(16 * y * h)), max(1, round(16 * radius)), (grey,) * 3,
                       -1, cv2.LINE_AA, 4)
        rng = np.random.default_rng([params["seed"], 1])     # hairs do not shift with the speck count
        for x, y, length, heading, shade in rng.random((params["hairs"], 5)):
            steps = 24
            turn = np.cumsum(rng.normal(0, 0.25, steps)) + heading * 2 * math.pi
            step = (2 + 6 * length) * px_per_mm / steps
            pts = np.cumsum(np.stack([np.cos(turn), np.sin(turn)], 1) * step, axis=0) + [x * w, y * h]
            cv2.polylines(out, [np.rint(pts * 16).astype(np.int32)], False, (int(40 + 80 * shade),) * 3, 1,
                          cv2.LINE_AA, 4)
        return out


@register
@dataclass(frozen=True)
class Binarize(Photometric):
    """Fax / 1-bit scan: grey levels to black and white. A good fax (photo mode) dithers, keeping the grid as
    dot patterns; with severity it drifts to text mode, a plain threshold that drops the grid, and noise
    before the threshold makes trace edges ragged and leaves speckle."""

    name = "binarize"
    family = "scanner"
    max_noise: float = 40.0        # grey-level std added before thresholding

    def sample_params(self, rng, severity):
        return {"threshold": float(rng.uniform(115, 150)), "dither": round(1 - scaled(rng, severity, 1.0), 4),
                "noise": scaled(rng, severity, self.max_noise, 0.3), "seed": new_seed(rng)}

    def apply_image(self, image, params, px_per_mm):
        grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
        grey = cv2.scaleAdd(normal_noise(np.random.default_rng(params["seed"]), grey.shape), params["noise"], grey)
        h, w = grey.shape
        cell = (params["threshold"] + params["dither"] * 255 * (BAYER8 - 0.5)).astype(np.float32)
        threshold = np.tile(cell, (h // 8 + 1, w // 8 + 1))[:h, :w]
        return cv2.merge([cv2.compare(grey, threshold, cv2.CMP_GT)] * 3)


@register
@dataclass(frozen=True)
class Downsample(Photometric):
    """A low-resolution scan (or fax's 204 x 98 dpi with y_ratio 0.5): anti-aliased down, linear back up to
    the page size, so the truth keeps its pixel frame."""

    name = "downsample"
    family = "scanner"
    max_reduction: float = 0.6
    y_ratio: float = 1.0           # vertical resolution relative to horizontal

    def sample_params(self, rng, severity):
        sx = 1 - scaled(rng, severity, self.max_reduction)
        return {"scale": [round(sx, 4), round(sx * min(self.y_ratio, 1.0), 4)]}

    def apply_image(self, image, params, px_per_mm):
        h, w = image.shape[:2]
        sx, sy = params["scale"]
        small = shrink(image, (max(1, round(w * sx)), max(1, round(h * sy))))
        return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
