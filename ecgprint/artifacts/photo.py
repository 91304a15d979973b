"""Camera-photo artifacts: perspective onto a table surface (homography), uneven lighting with a cast
shadow and glare, vignetting, lens barrel distortion (dense map), colour moire and depth-of-field blur."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .base import Artifact, Photometric, new_seed, pick, register, scaled, signed
from .fields import COARSE, blend, coarse_size, multiply, normal_noise, smooth_noise, unit_grid, wash
from .geometry import page_corners, warp_dense, warp_homography

SHADOW_RGB = (1.0, 0.96, 0.88)   # share of the light lost per channel in shadow: sky-lit shadows are bluish
# Table surfaces: (base RGB, grain contrast): oak, walnut, birch, grey laminate, white desk, dark desk.
TABLES = (((150, 105, 65), 0.25), ((92, 60, 42), 0.3), ((205, 175, 135), 0.2), ((125, 125, 130), 0.05),
          ((222, 222, 216), 0.03), ((48, 48, 54), 0.08))


@register
@dataclass(frozen=True)
class Perspective(Artifact):
    """The page photographed at an angle lying on a table: scaled to `fill` of the frame, rolled, its corners
    jittered (a homography; truth and mask follow); a wood or desk surface with the page's soft shadow fills
    the rest."""

    name = "perspective"
    family = "photo"
    geometric = True
    max_margin: float = 0.25       # fraction of the frame left around the page
    max_jitter: float = 0.06       # corner displacement, fraction of the frame
    max_roll_deg: float = 4.0

    def sample_params(self, rng, severity):
        fill = 1 - scaled(rng, severity, self.max_margin, 0.3)
        return {"fill": fill, "roll_deg": signed(rng, severity, self.max_roll_deg, 0.0),
                "centre": [0.5 + signed(rng, severity, (1 - fill) / 3, 0.0) for _ in range(2)],
                "jitter": [[signed(rng, severity, self.max_jitter, 0.0) for _ in range(2)] for _ in range(4)],
                **dict(zip(("table_rgb", "table_grain"), pick(rng, TABLES))),
                "grain_deg": float(rng.uniform(-20, 20)), "seed": new_seed(rng)}

    def apply(self, image, truth, params, mask=None):
        size = (truth.width, truth.height)
        src = page_corners(size)
        roll = math.radians(params["roll_deg"])
        rot = np.array([[math.cos(roll), -math.sin(roll)], [math.sin(roll), math.cos(roll)]])
        page = (src - (np.array(size) - 1) / 2) * params["fill"] @ rot.T      # scaled and rolled, in pixels
        dst = np.asarray(params["centre"]) * size - 0.5 + page + np.asarray(params["jitter"]) * size
        matrix = cv2.getPerspectiveTransform(src.astype(np.float32), dst.astype(np.float32)).astype(np.float64)
        table = table_surface(params, size, truth.px_per_mm, dst)
        return warp_homography(image, truth, mask, matrix, self.name, table)


def table_surface(params: dict, size: tuple[int, int], px_per_mm: float, page_quad: np.ndarray) -> np.ndarray:
    """A table top: base colour, wood grain (fibre streaks and warped growth rings along x, then turned by
    grain_deg) and the page's soft contact shadow, built on a coarse grid and upsampled."""
    rng = np.random.default_rng(params["seed"])
    gw, gh = coarse_size(size)
    cell_mm = size[0] / gw / px_per_mm
    fibres = normal_noise(rng, (gh, max(2, gw // 16)))
    fibres = cv2.resize(cv2.GaussianBlur(fibres, (0, 0), sigmaX=1.5, sigmaY=0.6), (gw, gh),
                        interpolation=cv2.INTER_CUBIC)
    fibres /= max(float(fibres.std()), 1e-6)
    _, ys = unit_grid(gw, gh)
    rings = np.sin(2 * math.pi * (ys * gh * cell_mm / 9.0 + 0.8 * smooth_noise(rng, (gw, gh), 60 / cell_mm)))
    grain = cv2.warpAffine((0.5 * fibres + 0.5 * rings).astype(np.float32),
                           cv2.getRotationMatrix2D((gw / 2, gh / 2), params["grain_deg"], 1.0), (gw, gh),
                           borderMode=cv2.BORDER_REFLECT)
    page = np.zeros((gh, gw), np.uint8)
    cv2.fillConvexPoly(page, np.rint((page_quad + 0.5) * [gw / size[0], gh / size[1]] * 16).astype(np.int32),
                       255, cv2.LINE_AA, 4)
    shadow = cv2.GaussianBlur(page.astype(np.float32) / 255, (0, 0), 2.5 / cell_mm)
    gain = np.clip((1 + 0.5 * params["table_grain"] * grain) * (1 - 0.45 * shadow), 0, 2)
    table = np.clip(np.asarray(params["table_rgb"], np.float32) * gain[..., None] + 0.5, 0, 255).astype(np.uint8)
    return cv2.resize(table, size, interpolation=cv2.INTER_LINEAR)


@register
@dataclass(frozen=True)
class Lighting(Photometric):
    """Uneven room light: a brightness ramp across the page, the soft cast shadow of the phone or a hand
    (slightly blue: lit by the sky, not the lamp) and a glare spot that washes the ink out."""

    name = "lighting"
    family = "photo"
    max_ramp: float = 0.35         # relative brightness change across the frame
    max_shadow: float = 0.5        # light lost in the cast shadow
    max_glare: float = 0.5         # ink washed out at the glare centre

    def sample_params(self, rng, severity):
        edge = int(rng.integers(4))
        along = float(rng.uniform(0.15, 0.85))
        centre = [[along, -0.1], [1.1, along], [along, 1.1], [-0.1, along]][edge]
        return {"ramp": signed(rng, severity, self.max_ramp), "ramp_deg": float(rng.uniform(0, 360)),
                "shadow": scaled(rng, severity, self.max_shadow, 0.4),
                "shadow_ellipse": [*centre, float(rng.uniform(0.15, 0.4)), float(rng.uniform(0.25, 0.6)),
                                   float(rng.uniform(0, 180))],
                "penumbra_mm": float(rng.uniform(5, 25)),
                "glare": scaled(rng, severity, self.max_glare, 0.0),
                "glare_spot": [float(rng.uniform(0.2, 0.8)), float(rng.uniform(0.2, 0.8)),
                               float(rng.uniform(0.05, 0.15))]}

    def apply_image(self, image, params, px_per_mm):
        size = (image.shape[1], image.shape[0])
        gw, gh = coarse_size(size)
        xs, ys = unit_grid(gw, gh)
        a = math.radians(params["ramp_deg"])
        ramp = 1 + params["ramp"] * ((xs - 0.5) * math.cos(a) + (ys - 0.5) * math.sin(a))
        cx, cy, ax, ay, deg = params["shadow_ellipse"]
        shadow = np.zeros((gh, gw), np.uint8)
        cv2.ellipse(shadow, (round(cx * gw * 16), round(cy * gh * 16)), (round(ax * gw * 16), round(ay * gh * 16)),
                    deg, 0, 360, 255, -1, cv2.LINE_AA, 4)
        shadow = cv2.GaussianBlur(shadow.astype(np.float32) / 255, (0, 0), params["penumbra_mm"] * px_per_mm / COARSE)
        gain = cv2.merge([ramp * (1 - params["shadow"] * shadow * w) for w in SHADOW_RGB])
        gx, gy, radius = params["glare_spot"]
        glare = params["glare"] * np.exp(-((xs - gx) ** 2 + ((ys - gy) * gh / gw) ** 2) / (2 * radius ** 2))
        return wash(image, glare.astype(np.float32), gain)


@register
@dataclass(frozen=True)
class Vignetting(Photometric):
    """Lens vignetting: light falling off towards the frame corners (roughly cos^4), centre slightly off."""

    name = "vignetting"
    family = "photo"
    max_strength: float = 0.45     # light lost in the corners

    def sample_params(self, rng, severity):
        return {"strength": scaled(rng, severity, self.max_strength),
                "centre": [0.5 + signed(rng, severity, 0.1, 0.0), 0.5 + signed(rng, severity, 0.1, 0.0)]}

    def apply_image(self, image, params, px_per_mm):
        size = (image.shape[1], image.shape[0])
        gw, gh = coarse_size(size)
        xs, ys = unit_grid(gw, gh)
        aspect = size[1] / size[0]
        r2 = ((xs - params["centre"][0]) ** 2 + ((ys - params["centre"][1]) * aspect) ** 2) / (0.25 * (1 + aspect ** 2))
        return multiply(image, 1 - params["strength"] * np.clip(r2, 0, 1.5) ** 1.5)


@register
@dataclass(frozen=True)
class Barrel(Artifact):
    """Lens barrel distortion, radial: straight grid lines bow outwards; scaled so the frame corners stay
    put and no border appears. A dense map: truth follows, page_to_image becomes None."""

    name = "barrel"
    family = "photo"
    geometric = True
    max_k: float = 0.08            # relative radius change between centre and corners

    def sample_params(self, rng, severity):
        return {"k": scaled(rng, severity, self.max_k)}

    def apply(self, image, truth, params, mask=None):
        size = (truth.width, truth.height)
        gw, gh = coarse_size(size)
        xs, ys = unit_grid(gw, gh)
        px = xs * size[0] - 0.5 - (size[0] - 1) / 2              # coarse cell centres in centred pixels
        py = ys * size[1] - 0.5 - (size[1] - 1) / 2
        r2 = (px ** 2 + py ** 2) / ((size[0] / 2) ** 2 + (size[1] / 2) ** 2)
        scale = (1 + params["k"] * r2) / (1 + params["k"]) - 1
        field = np.stack([px * scale, py * scale], axis=-1).astype(np.float32)
        return warp_dense(image, truth, mask, field, self.name, params)


@register
@dataclass(frozen=True)
class Moire(Photometric):
    """Colour moire: the camera's colour filter samples each channel on a coarser, offset lattice without
    enough optical low-pass, so the fine grid aliases into coloured beat bands."""

    name = "moire"
    family = "photo"
    max_amount: float = 0.6

    def sample_params(self, rng, severity):
        return {"scale": float(rng.uniform(0.3, 0.45)), "angle_deg": float(rng.uniform(-3, 3)),
                "offsets": rng.uniform(0, 1, (3, 2)).round(4).tolist(),
                "amount": scaled(rng, severity, self.max_amount)}

    def apply_image(self, image, params, px_per_mm):
        h, w = image.shape[:2]
        s = params["scale"]
        small_size = (max(1, round(w * s)), max(1, round(h * s)))
        rot = np.vstack([cv2.getRotationMatrix2D((w / 2, h / 2), params["angle_deg"], 1.0), [0, 0, 1]])
        channels = []
        for c, (ox, oy) in enumerate(params["offsets"]):
            to_small = np.array([[s, 0, ox], [0, s, oy]]) @ rot     # this channel's sampling lattice
            small = cv2.warpAffine(image[..., c], to_small, small_size, flags=cv2.INTER_NEAREST,
                                   borderMode=cv2.BORDER_REFLECT)
            channels.append(cv2.warpAffine(small, cv2.invertAffineTransform(to_small), (w, h),
                                           flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT))
        return cv2.addWeighted(image, 1 - params["amount"], cv2.merge(channels), params["amount"], 0)


@register
@dataclass(frozen=True)
class Defocus(Photometric):
    """Shallow depth of field on a tilted page: sharp along one line, blurring away from it."""

    name = "defocus"
    family = "photo"
    max_sigma_mm: float = 0.35

    def sample_params(self, rng, severity):
        return {"sigma_mm": scaled(rng, severity, self.max_sigma_mm), "focus": [float(rng.random()) for _ in "xy"],
                "tilt_deg": float(rng.uniform(0, 180)), "span": float(rng.uniform(0.4, 0.9))}

    def apply_image(self, image, params, px_per_mm):
        size = (image.shape[1], image.shape[0])
        blurred = cv2.GaussianBlur(image, (0, 0), max(params["sigma_mm"] * px_per_mm, 0.01))
        gw, gh = coarse_size(size)
        xs, ys = unit_grid(gw, gh)
        a = math.radians(params["tilt_deg"])
        depth = np.abs((xs - params["focus"][0]) * math.cos(a) + (ys - params["focus"][1]) * math.sin(a))
        return blend(image, blurred, np.clip(depth / params["span"], 0, 1))
