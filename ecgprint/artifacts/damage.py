"""Paper damage and handling: coffee stains (translucent) and opaque occluders - punch holes, staples, a torn
corner, a sticky note. Trace points under an occluder become visible=False and its pixels leave the mask."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import cv2
import numpy as np

from .base import Artifact, Photometric, new_seed, pick, register, scaled
from .fields import blend, coarse_size, multiply
from .handwriting import NOTES, PENS, ink_over, pen_width, write

COFFEE = (0.80, 0.62, 0.42)                      # transmittance of dried coffee per channel at full density
BEHIND = ((244, 244, 242), (215, 215, 215), (35, 35, 38))   # what shows through: white lid, grey, dark bed
NOTE_COLOURS = ((252, 238, 120), (250, 190, 205), (200, 238, 165), (180, 220, 250))
NOTE_SIZES_MM = ((76, 76), (76, 51), (51, 38))


@register
@dataclass(frozen=True)
class CoffeeStain(Photometric):
    """Dried coffee: a translucent brown pool with the darker rim of the coffee-ring effect and an
    irregular edge, or just a cup's partial ring, plus a few splash drops."""

    name = "coffee"
    family = "damage"
    max_stains: float = 3.0
    max_density: float = 0.5

    def sample_params(self, rng, severity):
        stains = []
        for _ in range(int(self.max_stains)):
            x, y, r, cup, start, sweep = rng.random(6)
            density = scaled(rng, severity, self.max_density, 0.4)
            stains.append([round(float(x), 4), round(float(y), 4), round(12 + 30 * float(r), 2),
                           round(0.0 if cup < 0.4 else density, 4), round(density * 1.6, 4),
                           round(360 * float(start), 1), round(360 if cup >= 0.4 else 200 + 160 * float(sweep), 1)])
        return {"stains": stains[:max(1, round(scaled(rng, severity, self.max_stains, 0.5)))], "seed": new_seed(rng)}

    def apply_image(self, image, params, px_per_mm):
        size = (image.shape[1], image.shape[0])
        gw, gh = coarse_size(size, 2)
        ppmm = px_per_mm * gw / size[0]
        keep = np.ones((gh, gw), np.float32)                 # 1 - coffee density
        for i, (fx, fy, radius_mm, fill, rim, start, sweep) in enumerate(params["stains"]):
            rng = np.random.default_rng([params["seed"], i])
            cx, cy, r = fx * gw, fy * gh, radius_mm * ppmm
            x0, x1 = max(0, int(cx - 1.6 * r)), min(gw, int(cx + 1.6 * r) + 1)
            y0, y1 = max(0, int(cy - 1.6 * r)), min(gh, int(cy + 1.6 * r) + 1)
            if x1 <= x0 or y1 <= y0:
                continue
            ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
            dist, theta = np.hypot(xs - cx, ys - cy), np.arctan2(ys - cy, xs - cx)
            edge = r * (1 + sum(rng.normal(0, 0.09 / k) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
                                for k in range(2, 7)))
            inside = np.clip(edge - dist + 0.5, 0, 1)
            arc = np.mod(np.degrees(theta) - start, 360)
            along = 1.0 if sweep >= 360 else np.clip(np.minimum(arc, sweep - arc) / 20, 0, 1) * (arc <= sweep)
            ring = rim * np.exp(-((edge - dist) / (0.06 * r + 1)) ** 2) * inside * along   # sharp outer edge
            density = np.clip(fill * inside * (0.8 + 0.2 * np.cos(dist / r * 3)) + ring, 0, 0.95)
            for _ in range(int(rng.integers(0, 5))):            # splash drops just outside the pool
                a, d, s = rng.uniform(0, 2 * np.pi), rng.uniform(1.1, 1.5) * r, rng.uniform(0.4, 1.5) * ppmm
                drop = np.hypot(xs - cx - d * math.cos(a), ys - cy - d * math.sin(a))
                density = np.maximum(density, max(fill, rim) * 0.8 * np.clip(s - drop + 0.5, 0, 1))
            keep[y0:y1, x0:x1] *= 1 - density
        gain = cv2.merge([1 - (1 - keep) * (1 - t) for t in COFFEE])
        return multiply(image, gain)


@dataclass
class Layer:
    """An opaque object's pixels over the region [x0, x0 + w) x [y0, y0 + h): colour, coverage alpha in [0, 1],
    and an optional gain `shade` applied to the page beneath first (its shadow)."""

    x0: int
    y0: int
    rgb: np.ndarray
    alpha: np.ndarray
    shade: np.ndarray | None = None


class Occluder(Artifact):
    """An opaque object over the page, drawn as layers; whatever it covers leaves the truth and the mask."""

    def layers(self, params: dict, size: tuple[int, int], px_per_mm: float) -> list[Layer]:
        raise NotImplementedError

    def apply(self, image, truth, params, mask=None):
        image = image.copy()
        mask = None if mask is None else mask.copy()
        for layer in self.layers(params, (truth.width, truth.height), truth.px_per_mm):
            covered = composite(image, layer)
            if covered is None:
                continue
            x0, y0, region = covered
            if mask is not None:
                mask[y0:y0 + region.shape[0], x0:x0 + region.shape[1]][region] = 0
            truth = dataclasses.replace(truth, leads=[dataclasses.replace(lt, visible=lt.visible & ~hits(
                lt.points, x0, y0, region)) for lt in truth.leads])
        return image, truth, mask


def composite(image: np.ndarray, layer: Layer) -> tuple[int, int, np.ndarray] | None:
    """Draw a layer in place, clipped to the image; returns (x0, y0, covered bool region) or None if outside."""
    h, w = image.shape[:2]
    lh, lw = layer.alpha.shape
    x0, y0 = max(layer.x0, 0), max(layer.y0, 0)
    x1, y1 = min(layer.x0 + lw, w), min(layer.y0 + lh, h)
    if x1 <= x0 or y1 <= y0:
        return None
    local = (slice(y0 - layer.y0, y1 - layer.y0), slice(x0 - layer.x0, x1 - layer.x0))
    region = image[y0:y1, x0:x1]
    if layer.shade is not None:
        region = multiply(region, np.ascontiguousarray(layer.shade[local]))
    alpha = np.ascontiguousarray(layer.alpha[local])
    image[y0:y1, x0:x1] = blend(region, np.ascontiguousarray(layer.rgb[local]), alpha)
    return x0, y0, alpha > 0


def hits(points: np.ndarray, x0: int, y0: int, covered: np.ndarray) -> np.ndarray:
    """Which (N, 2) points fall on a covered pixel of the region at (x0, y0)."""
    out = np.zeros(len(points), bool)
    with np.errstate(invalid="ignore"):
        xi, yi = np.rint(points[:, 0]) - x0, np.rint(points[:, 1]) - y0
        ok = (xi >= 0) & (yi >= 0) & (xi < covered.shape[1]) & (yi < covered.shape[0])
    out[ok] = covered[yi[ok].astype(int), xi[ok].astype(int)]
    return out


def polygon_layer(polygons: list[np.ndarray], pad: int) -> tuple[int, int, np.ndarray]:
    """Anti-aliased coverage (float32 0..1) of filled (N, 2) pixel polygons in their padded bounding box."""
    pts = np.concatenate(polygons)
    x0, y0 = np.floor(pts.min(axis=0)).astype(int) - pad
    x1, y1 = np.ceil(pts.max(axis=0)).astype(int) + pad + 1
    alpha = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.fillPoly(alpha, [np.rint((p - [x0, y0]) * 16).astype(np.int32) for p in polygons], 255, cv2.LINE_AA, 4)
    return int(x0), int(y0), alpha.astype(np.float32) / 255


def edge_point(corner: int, along_x: float, along_y: float, size: tuple[int, int]) -> np.ndarray:
    """A point offset (along_x, along_y) px inwards from image corner 0..3 (TL, TR, BR, BL)."""
    w, h = size
    cx, cy = [(-0.5, -0.5), (w - 0.5, -0.5), (w - 0.5, h - 0.5), (-0.5, h - 0.5)][corner]
    return np.array([cx + (along_x if cx < 0 else -along_x), cy + (along_y if cy < 0 else -along_y)])


@register
@dataclass(frozen=True)
class PunchHoles(Occluder):
    """Two or three filing holes (6 mm, 80 or 108 mm apart) near one edge, showing what is behind the page,
    each with a thin shadow on its far wall."""

    name = "punch_holes"
    family = "damage"
    max_inset_mm: float = 10.0     # how much closer to the page centre the holes move at severity 1

    def sample_params(self, rng, severity):
        count = 2 + int(rng.integers(2))
        return {"edge": int(rng.integers(4)), "count": count, "spacing_mm": 80.0 if count == 2 else 108.0,
                "offset_mm": round(16 - scaled(rng, severity, self.max_inset_mm, 0.0), 3),
                "diameter_mm": round(float(rng.uniform(5.5, 6.5)), 3), "behind": pick(rng, BEHIND)}

    def layers(self, params, size, px_per_mm):
        w, h = size
        edge = params["edge"]
        along = w if edge in (1, 3) else h                  # edges: 0 left, 1 top, 2 right, 3 bottom
        offsets = (np.arange(params["count"]) - (params["count"] - 1) / 2) * params["spacing_mm"] * px_per_mm
        inset = params["offset_mm"] * px_per_mm
        r = params["diameter_mm"] / 2 * px_per_mm
        out = []
        for o in offsets:
            c = along / 2 + o
            cx, cy = [(inset, c), (c, inset), (w - inset, c), (c, h - inset)][edge]
            t = np.linspace(0, 2 * np.pi, 72, endpoint=False)
            x0, y0, alpha = polygon_layer([np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], 1)], 2)
            ys, xs = np.mgrid[0:alpha.shape[0], 0:alpha.shape[1]]
            wall = np.clip(((ys + y0 - cy) + 0.6 * (xs + x0 - cx)) / r, 0, 1)   # far wall in shadow
            rgb = np.asarray(params["behind"], np.float32) * (1 - 0.35 * wall[..., None] ** 2)
            out.append(Layer(x0, y0, rgb.astype(np.uint8), alpha))
        return out


@register
@dataclass(frozen=True)
class Staple(Occluder):
    """A staple in a corner: a bright metal bar with a highlight along it and a small shadow."""

    name = "staple"
    family = "damage"
    max_extra_mm: float = 5.0      # longer staple (and further in) with severity

    def sample_params(self, rng, severity):
        return {"corner": int(rng.integers(4)), "inset_mm": round(float(rng.uniform(6, 12)), 3),
                "angle_deg": round(float(rng.choice([0.0, 45.0, 90.0]) + rng.normal(0, 8)), 2),
                "length_mm": round(8 + scaled(rng, severity, self.max_extra_mm, 0.0), 3)}

    def layers(self, params, size, px_per_mm):
        inset = params["inset_mm"] * px_per_mm
        centre = edge_point(params["corner"], inset, inset, size)
        a = math.radians(params["angle_deg"])
        u, n = np.array([math.cos(a), math.sin(a)]), np.array([-math.sin(a), math.cos(a)])
        half_l, half_w = params["length_mm"] * px_per_mm / 2, max(0.35 * px_per_mm, 1.0)
        bar = np.array([centre + su * half_l * u + sn * half_w * n for su, sn in ((-1, -1), (1, -1), (1, 1), (-1, 1))])
        x0, y0, alpha = polygon_layer([bar], round(px_per_mm))
        ys, xs = np.mgrid[0:alpha.shape[0], 0:alpha.shape[1]]
        across = ((xs + x0 - centre[0]) * n[0] + (ys + y0 - centre[1]) * n[1]) / half_w
        metal = 165 + 80 * np.exp(-((across + 0.3) / 0.5) ** 2)          # highlight just off the axis
        rgb = np.repeat(np.clip(metal, 0, 255)[..., None], 3, axis=2) * [0.98, 0.99, 1.0]
        shade = 1 - 0.45 * cv2.GaussianBlur(np.roll(alpha, (2, 2), (0, 1)), (0, 0), 1.5)
        return [Layer(x0, y0, rgb.astype(np.uint8), alpha, shade.astype(np.float32))]


@register
@dataclass(frozen=True)
class TornCorner(Occluder):
    """A corner torn off along a ragged line, showing what is behind, with the white fibrous tear edge."""

    name = "torn_corner"
    family = "damage"
    max_size_mm: float = 45.0

    def sample_params(self, rng, severity):
        return {"corner": int(rng.integers(4)), "size_mm": [round(3 + scaled(rng, severity, self.max_size_mm, 0.4), 3)
                                                           for _ in range(2)],
                "behind": pick(rng, BEHIND), "seed": new_seed(rng)}

    def layers(self, params, size, px_per_mm):
        rng = np.random.default_rng(params["seed"])
        a, b = (s * px_per_mm for s in params["size_mm"])
        corner = params["corner"]
        start, end = edge_point(corner, a, -2, size), edge_point(corner, -2, b, size)
        n = 120
        t = np.linspace(0, 1, n)[:, None]
        normal = np.array([end[1] - start[1], start[0] - end[0]]) / max(np.hypot(*(end - start)), 1e-6)
        jag = np.cumsum(rng.normal(0, 0.6, n)) * 0.3 * px_per_mm + rng.normal(0, 0.15 * px_per_mm, n)
        jag -= np.linspace(jag[0], jag[-1], n)
        tear = start + (end - start) * t + normal * (jag + 0.08 * min(a, b) * np.sin(np.pi * t[:, 0]))[:, None]
        outside = edge_point(corner, -4, -4, size)
        x0, y0, alpha = polygon_layer([np.vstack([tear, outside])], 3)
        rim = np.zeros(alpha.shape, np.uint8)
        cv2.polylines(rim, [np.rint((tear - [x0, y0]) * 16).astype(np.int32)], False, 255,
                      max(2, round(0.3 * px_per_mm)), cv2.LINE_AA, 4)
        rim = rim.astype(np.float32) / 255
        shadow = cv2.GaussianBlur(rim, (0, 0), 0.6 * px_per_mm)
        rgb = np.asarray(params["behind"], np.float32) * (1 - 0.3 * shadow[..., None])
        rgb = rgb * (1 - rim[..., None]) + np.array([250, 249, 245], np.float32) * rim[..., None]
        return [Layer(x0, y0, np.clip(rgb, 0, 255).astype(np.uint8), np.maximum(alpha, rim))]


@register
@dataclass(frozen=True)
class StickyNote(Occluder):
    """A sticky note stuck over the page, slightly rotated, with a pen note on it, a darker curling lower
    edge and a soft drop shadow."""

    name = "sticky_note"
    family = "damage"
    max_scale: float = 1.0         # note size grows from half to full at severity 1

    def sample_params(self, rng, severity):
        w, h = pick(rng, NOTE_SIZES_MM)
        scale = 0.5 + scaled(rng, severity, 0.5 * self.max_scale, 0.6)
        return {"size_mm": [round(w * scale, 2), round(h * scale, 2)],
                "centre": rng.uniform(0.1, 0.9, 2).round(4).tolist(),
                "angle_deg": round(float(rng.normal(0, 6)), 2), "rgb": pick(rng, NOTE_COLOURS), "pen": pick(rng, PENS),
                "note": int(rng.integers(1000))}

    def layers(self, params, size, px_per_mm):
        w, h = (s * px_per_mm for s in params["size_mm"])
        centre = np.asarray(params["centre"]) * size
        a = math.radians(params["angle_deg"])
        u, n = np.array([math.cos(a), math.sin(a)]), np.array([-math.sin(a), math.cos(a)])
        quad = np.array([centre + su * w / 2 * u + sn * h / 2 * n for su, sn in ((-1, -1), (1, -1), (1, 1), (-1, 1))])
        pad = round(3 * px_per_mm)
        x0, y0, alpha = polygon_layer([quad], pad)
        ys, xs = np.mgrid[0:alpha.shape[0], 0:alpha.shape[1]]
        down = ((xs + x0 - centre[0]) * n[0] + (ys + y0 - centre[1]) * n[1]) / h + 0.5   # 0 top .. 1 bottom
        rgb = np.asarray(params["rgb"], np.float32) * (1 - 0.12 * np.clip(down, 0, 1) ** 3)[..., None]
        ink = np.zeros(alpha.shape, np.uint8)
        write(ink, NOTES[params["note"] % len(NOTES)], centre[0] - x0 - 0.35 * w, centre[1] - y0,
              0.18 * h, params["angle_deg"], pen_width(px_per_mm))
        rgb = ink_over(np.clip(rgb, 0, 255).astype(np.uint8), ink, params["pen"])
        offset = round(0.8 * px_per_mm)
        shade = 1 - 0.35 * cv2.GaussianBlur(np.roll(alpha, (offset, offset // 2), (0, 1)), (0, 0), 1.2 * px_per_mm)
        return [Layer(x0, y0, rgb, alpha, shade.astype(np.float32))]
