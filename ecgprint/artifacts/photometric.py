"""Photometric artifacts of any imaging chain: sensor noise, blur, motion blur, JPEG re-compression,
brightness/contrast/gamma and colour temperature. Pixel values only; truth and mask pass through."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .base import Photometric, new_seed, register, scaled, signed
from .fields import NORMAL_LUT, channel_gains, lut3, random_bytes

LEVELS = np.arange(256, dtype=np.float32)
_NORMAL_I16 = np.rint(NORMAL_LUT * 2 ** 10).astype(np.int16)


@register
@dataclass(frozen=True)
class Noise(Photometric):
    """Sensor noise, Poisson-Gaussian: read noise of constant std plus shot noise whose variance grows with
    the signal (the Gaussian approximation of Poisson counts), independent per channel."""

    name = "noise"
    family = "photometric"
    max_std: float = 8.0           # read noise, grey levels
    max_shot: float = 0.5          # shot-noise variance per grey level of signal

    def sample_params(self, rng, severity):
        return {"std": scaled(rng, severity, self.max_std), "shot": scaled(rng, severity, self.max_shot),
                "seed": new_seed(rng)}

    def apply_image(self, image, params, px_per_mm):
        # int16 fixed point (noise x 2^10, sigma x 2^4): a third of the float32 cost, same rounded result.
        sigma = np.sqrt(params["std"] ** 2 + params["shot"] * LEVELS)
        z = cv2.LUT(random_bytes(np.random.default_rng(params["seed"]), image.shape), _NORMAL_I16)
        sig = cv2.LUT(image, np.clip(np.rint(sigma * 16), 0, 32767).astype(np.int16))
        return cv2.add(image, cv2.multiply(z, sig, scale=1 / 2 ** 14, dtype=cv2.CV_16S), dtype=cv2.CV_8U)


@register
@dataclass(frozen=True)
class Blur(Photometric):
    """Uniform Gaussian blur: a soft print, scan or lens."""

    name = "blur"
    family = "photometric"
    max_sigma_mm: float = 0.2

    def sample_params(self, rng, severity):
        return {"sigma_mm": scaled(rng, severity, self.max_sigma_mm)}

    def apply_image(self, image, params, px_per_mm):
        return cv2.GaussianBlur(image, (0, 0), max(params["sigma_mm"] * px_per_mm, 0.01))


@register
@dataclass(frozen=True)
class MotionBlur(Photometric):
    """Camera shake: the page smeared along a straight line of the given length and angle."""

    name = "motion_blur"
    family = "photometric"
    max_length_mm: float = 1.0

    def sample_params(self, rng, severity):
        return {"length_mm": scaled(rng, severity, self.max_length_mm), "angle_deg": float(rng.uniform(0, 180))}

    def apply_image(self, image, params, px_per_mm):
        return cv2.filter2D(image, -1, line_kernel(params["length_mm"] * px_per_mm, params["angle_deg"]))


def line_kernel(length_px: float, angle_deg: float) -> np.ndarray:
    """Normalised anti-aliased line segment kernel (odd size), drawn 8x supersampled and area-averaged."""
    size = 2 * math.ceil(length_px / 2) + 1
    big = np.zeros((8 * size, 8 * size), np.float32)
    c = 4 * size - 0.5
    dx, dy = 4 * length_px * math.cos(math.radians(angle_deg)), 4 * length_px * math.sin(math.radians(angle_deg))
    cv2.line(big, (round((c - dx) * 16), round((c - dy) * 16)), (round((c + dx) * 16), round((c + dy) * 16)),
             1.0, 8, cv2.LINE_AA, 4)
    kernel = cv2.resize(big, (size, size), interpolation=cv2.INTER_AREA)
    return kernel / kernel.sum()


@register
@dataclass(frozen=True)
class Jpeg(Photometric):
    """JPEG re-compression (4:2:0 chroma): blocking, ringing around traces, colour bleeding."""

    name = "jpeg"
    family = "photometric"
    max_drop: float = 80.0         # quality falls from 95 by up to this much

    def sample_params(self, rng, severity):
        return {"quality": int(np.clip(round(95 - scaled(rng, severity, self.max_drop)), 5, 95))}

    def apply_image(self, image, params, px_per_mm):
        ok, buf = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR),
                               [cv2.IMWRITE_JPEG_QUALITY, params["quality"]])
        return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


@register
@dataclass(frozen=True)
class Tone(Photometric):
    """Brightness offset, contrast about mid-grey and gamma, as one lookup table."""

    name = "tone"
    family = "photometric"
    max_brightness: float = 40.0   # grey levels
    max_contrast: float = 0.35     # log contrast factor
    max_gamma: float = 0.4         # log gamma

    def sample_params(self, rng, severity):
        return {"brightness": signed(rng, severity, self.max_brightness),
                "contrast": math.exp(signed(rng, severity, self.max_contrast)),
                "gamma": math.exp(signed(rng, severity, self.max_gamma))}

    def apply_image(self, image, params, px_per_mm):
        v = (LEVELS / 255) ** params["gamma"]
        v = ((v - 0.5) * params["contrast"] + 0.5) * 255 + params["brightness"]
        return lut3(image, np.repeat(v[:, None], 3, axis=1))


@register
@dataclass(frozen=True)
class ColourTemperature(Photometric):
    """White balance off: warm (tungsten, red up, blue down) or cool (daylight shade), with a green/magenta
    tint, as per-channel gains."""

    name = "colour_temperature"
    family = "photometric"
    max_shift: float = 0.15        # red/blue gain change
    max_tint: float = 0.04         # green gain change

    def sample_params(self, rng, severity):
        return {"shift": signed(rng, severity, self.max_shift), "tint": signed(rng, severity, self.max_tint)}

    def apply_image(self, image, params, px_per_mm):
        return channel_gains(image, [1 + params["shift"], 1 + params["tint"], 1 - params["shift"]])
