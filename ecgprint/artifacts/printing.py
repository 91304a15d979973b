"""Print artifacts: paper tint and texture, toner fading and dropouts, ink colour, line width, printer
resolution with halftoning. None moves the trace, so truth and mask pass through."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .base import Photometric, new_seed, pick, register, scaled, signed
from .fields import COARSE, coarse_size, ink_density, lut3, random_bytes, shrink, smooth_noise, wash

PAPER_TINTS = ((1.0, 0.975, 0.92), (0.96, 0.96, 0.95), (1.0, 0.955, 0.86), (0.97, 0.98, 1.0))  # cream, grey, aged, blue
INK_COLOURS = ((25, 35, 110), (75, 75, 75), (70, 45, 25), (10, 60, 45))                      # navy, grey, brown, green
TONER_STEP = 4        # toner field grid, px: fine enough for 0.3 mm flecks
GRAIN_STD = 30.4      # measured std of uniform random bytes after a sigma 0.7 px Gaussian blur
_BAYER4_LEVELS = (np.array([[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]]) * 16 + 8).astype(np.uint8)


@register
@dataclass(frozen=True)
class PaperTexture(Photometric):
    """Paper tint (cream, grey, aged), millimetre-scale mottling and fibre grain, multiplied into the page."""

    name = "paper"
    family = "print"
    max_tint: float = 1.0          # fraction of the way from white to the picked tint
    max_mottle: float = 0.03       # relative brightness variation over ~3 mm blotches
    max_grain: float = 0.06        # relative std of the per-pixel fibre grain

    def sample_params(self, rng, severity):
        tint = pick(rng, PAPER_TINTS)
        amount = scaled(rng, severity, self.max_tint)
        return {"rgb": [round(1 - amount * (1 - c), 4) for c in tint],
                "mottle": scaled(rng, severity, self.max_mottle), "grain": scaled(rng, severity, self.max_grain),
                "seed": new_seed(rng)}

    def apply_image(self, image, params, px_per_mm):
        # A page-sized hot path, so uint8 throughout: the gain is held as 128 * (1 + mottle + grain); the grain
        # is uniform random bytes blurred (sigma 0.7 px), near-Gaussian with std GRAIN_STD around 127.5.
        rng = np.random.default_rng(params["seed"])
        size = (image.shape[1], image.shape[0])
        mottle = 128 * (1 + params["mottle"] * smooth_noise(rng, coarse_size(size), 3 * px_per_mm / COARSE))
        mottle = cv2.resize(np.clip(mottle + 0.5, 0, 255).astype(np.uint8), size, interpolation=cv2.INTER_LINEAR)
        grain = cv2.GaussianBlur(random_bytes(rng, image.shape[:2]), (0, 0), 0.7)
        k = 128 * params["grain"] / GRAIN_STD
        gain = cv2.addWeighted(mottle, 1.0, grain, k, -127.5 * k)
        tinted = cv2.merge([cv2.convertScaleAbs(gain, alpha=c) for c in params["rgb"]])
        return cv2.multiply(image, tinted, scale=1 / 128)


@register
@dataclass(frozen=True)
class TonerFade(Photometric):
    """Toner running low: printed density fades unevenly, with white dropout bands along the paper feed (the
    page's long axis) and flecks of missing toner."""

    name = "toner"
    family = "print"
    max_fade: float = 0.5          # fraction of ink density lost on average
    max_streak_depth: float = 0.8  # density lost at the centre of a dropout band
    max_flecks: float = 0.5        # density lost in flecks

    def sample_params(self, rng, severity):
        streaks = [[round(float(rng.uniform(0.05, 0.95)), 4), round(float(rng.uniform(0.5, 4.0)), 3),
                    scaled(rng, severity, self.max_streak_depth, 0.0)] for _ in range(3)]
        return {"fade": scaled(rng, severity, self.max_fade), "variation": float(rng.uniform(0.2, 0.6)),
                "streaks": streaks, "flecks": scaled(rng, severity, self.max_flecks), "seed": new_seed(rng)}

    def apply_image(self, image, params, px_per_mm):
        rng = np.random.default_rng(params["seed"])
        size = (image.shape[1], image.shape[0])
        grid = coarse_size(size, TONER_STEP)
        cell_px = size[0] / grid[0]
        uneven = np.clip(1 + params["variation"] * smooth_noise(rng, grid, 25 * px_per_mm / cell_px), 0, 2)
        keep = 1 - params["fade"] * uneven
        flecks = smooth_noise(rng, grid, 0.3 * px_per_mm / cell_px)
        keep *= 1 - params["flecks"] * np.clip(flecks - 1.5, 0, 1)
        long_axis = 0 if size[0] >= size[1] else 1           # feed direction: bands run along it
        across_px, across_cells = size[1 - long_axis], grid[1 - long_axis]
        across = (np.arange(across_cells, dtype=np.float32) + 0.5) * (across_px / across_cells)
        band = np.ones_like(across)
        for pos, width_mm, depth in params["streaks"]:
            d = (across - pos * across_px) / (width_mm * px_per_mm)
            band *= 1 - depth * np.exp(-d * d)
        keep *= band[:, None] if long_axis == 0 else band[None, :]
        return wash(image, 1 - np.clip(keep, 0, 1))


@register
@dataclass(frozen=True)
class InkColour(Photometric):
    """Black ink printed as navy, grey, brown or green toner, in proportion to how dark each pixel is."""

    name = "ink"
    family = "print"
    max_amount: float = 1.0

    def sample_params(self, rng, severity):
        return {"rgb": pick(rng, INK_COLOURS), "amount": scaled(rng, severity, self.max_amount, 0.6)}

    def apply_image(self, image, params, px_per_mm):
        density = ink_density(image)
        tables = np.arange(256, dtype=np.float32)[:, None] / 255 * np.asarray(params["rgb"], np.float32)
        table = np.clip(np.rint(tables * params["amount"]), 0, 255).astype(np.uint8)[:, None, :]
        shift = cv2.LUT(cv2.merge([density] * 3), table)
        return cv2.add(image, shift)


@register
@dataclass(frozen=True)
class LineWidth(Photometric):
    """Printer dot gain: ink spreads into thicker, bolder lines (spread > 0) or prints thin and light
    (spread < 0, weak edge pixels drop out). Affects traces, text and grid alike."""

    name = "line_width"
    family = "print"
    max_spread: float = 1.0

    def sample_params(self, rng, severity):
        return {"spread": signed(rng, severity, self.max_spread)}

    def apply_image(self, image, params, px_per_mm):
        spread = float(np.clip(params["spread"], -1, 1))
        if spread > 0:
            radius = max(1, round(0.1 * px_per_mm))
            kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1,) * 2)
            return cv2.addWeighted(image, 1 - spread, cv2.erode(image, kernel), spread, 0)
        cut = -0.6 * spread                                   # drop ink below this density, rescale the rest
        density = 1 - np.arange(256, dtype=np.float32) / 255
        thinned = 255 * (1 - np.clip((density - cut) / (1 - cut), 0, 1))
        return lut3(image, np.repeat(thinned[:, None], 3, axis=1))


@register
@dataclass(frozen=True)
class PrinterResolution(Photometric):
    """A low-resolution printer: the page printed on a coarser dot grid with ordered (Bayer) halftoning per
    ink channel, so tints become dot patterns and edges stair-step."""

    name = "printer_dpi"
    family = "print"
    max_reduction: float = 0.6     # 1 - printer dots per image pixel at severity 1
    max_halftone: float = 1.0

    def sample_params(self, rng, severity):
        return {"scale": round(1 - scaled(rng, severity, self.max_reduction), 4),
                "halftone": scaled(rng, severity, self.max_halftone)}

    def apply_image(self, image, params, px_per_mm):
        h, w = image.shape[:2]
        small_size = (max(1, round(w * params["scale"])), max(1, round(h * params["scale"])))
        small = shrink(image, small_size)
        sh, sw = small.shape[:2]
        threshold = np.tile(_BAYER4_LEVELS, (sh // 4 + 1, sw // 4 + 1))[:sh, :sw]
        dots = cv2.compare(small, cv2.merge([threshold] * 3), cv2.CMP_GT)    # 255 where the dot prints white
        small = cv2.addWeighted(small, 1 - params["halftone"], dots, params["halftone"], 0)
        return cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)
