"""Handwritten marks, procedurally: a reader's notes in a Hershey script font with a hand's slant and
baseline drift, wobbly circles around a finding, arrows, underlines, cross-outs and ticks in ballpoint ink.
Ink over ink: the trace stays visible beneath, so truth and mask are unchanged."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .base import Photometric, new_seed, pick, register, scaled

PENS = ((25, 45, 150), (30, 30, 35), (175, 25, 35))          # blue ballpoint, black, red
NOTES = ("AF", "AFib?", "STEMI", "old MI", "LBBB", "RBBB", "NSR", "ST elev", "rpt ECG", "K+ 6.1", "HR 48",
         "1st deg AVB", "LVH", "QTc 510", "?ischaemia", "cf prev", "c/o CP", "seen", "ok", "JM", "14:20", "12/3",
         "inf leads", "Q waves", "?artefact", "NAD")
KINDS = ("note", "circle", "arrow", "underline", "scribble", "tick")
SCRIPT = cv2.FONT_HERSHEY_SCRIPT_SIMPLEX | cv2.FONT_ITALIC


def pen_width(px_per_mm: float) -> int:
    """A 0.4 mm ballpoint line."""
    return max(1, round(0.4 * px_per_mm))


def wobble(rng: np.random.Generator, n: int, amount_px: float) -> np.ndarray:
    """(n, 2) smooth hand tremor: cumulative random steps, low-passed."""
    steps = rng.normal(0, 1, (n, 2))
    walk = np.cumsum(steps, axis=0)
    walk -= np.linspace(walk[0], walk[-1], n)
    return amount_px * walk / max(float(np.abs(walk).max()), 1e-6)


def stroke(alpha: np.ndarray, points: np.ndarray, width: int) -> None:
    """Draw an (N, 2) float pixel polyline, anti-aliased, into a uint8 ink-coverage canvas (max-composited)."""
    cv2.polylines(alpha, [np.rint(points * 16).astype(np.int32)], False, 255, width, cv2.LINE_AA, 4)


def write(alpha: np.ndarray, text: str, x: float, y: float, cap_px: float, angle_deg: float, width: int) -> None:
    """Write `text` in script with its baseline starting at (x, y), rotated by angle_deg, into `alpha`."""
    scale = cap_px / cv2.getTextSize("H", SCRIPT, 1.0, 1)[0][1]
    (tw, th), base = cv2.getTextSize(text, SCRIPT, scale, width)
    pad = width + 2
    patch = np.zeros((th + base + 2 * pad, tw + 2 * pad), np.uint8)
    cv2.putText(patch, text, (pad, pad + th), SCRIPT, scale, 255, width, cv2.LINE_AA)
    rot = cv2.getRotationMatrix2D((pad, pad + th), angle_deg, 1.0)
    rot[:, 2] += [x - pad, y - pad - th]
    ph, pw = patch.shape
    corners = np.array([[0, 0, 1], [pw, 0, 1], [0, ph, 1], [pw, ph, 1]], np.float64) @ rot.T
    h, w = alpha.shape
    x0, y0 = np.maximum(np.floor(corners.min(axis=0)).astype(int), 0)
    x1, y1 = np.minimum(np.ceil(corners.max(axis=0)).astype(int) + 1, [w, h])
    if x1 <= x0 or y1 <= y0:
        return
    rot[:, 2] -= [x0, y0]
    region = alpha[y0:y1, x0:x1]
    cv2.max(region, cv2.warpAffine(patch, rot, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR, borderValue=0), dst=region)


def draw_mark(alpha: np.ndarray, kind: str, x: float, y: float, size_px: float, angle_deg: float,
              variant: int, rng: np.random.Generator, width: int) -> None:
    """One mark centred near (x, y), about size_px across."""
    a = math.radians(angle_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    if kind == "note":
        write(alpha, NOTES[variant % len(NOTES)], x - size_px, y, 0.35 * size_px, angle_deg, width)
        return
    if kind == "circle":
        t = np.linspace(0, 2 * math.pi * rng.uniform(1.05, 1.2), 80) + rng.uniform(0, 2 * math.pi)
        local = np.stack([np.cos(t) * size_px, np.sin(t) * 0.6 * size_px], 1) + wobble(rng, 80, 0.06 * size_px)
        points = [local]
    elif kind == "arrow":
        t = np.linspace(0, 1, 30)[:, None]
        shaft = np.hstack([t * 2 * size_px - size_px, 0.15 * size_px * np.sin(math.pi * t)])
        head = 0.3 * size_px
        points = [shaft + wobble(rng, 30, 0.03 * size_px),
                  np.array([[size_px - head, -0.6 * head], [size_px, 0], [size_px - head, 0.6 * head]])]
    elif kind == "underline":
        t = np.linspace(-1, 1, 40)[:, None]
        points = [np.hstack([t * size_px, 0.05 * size_px * np.sin(3 * t + variant)]) + wobble(rng, 40, 0.03 * size_px)]
    elif kind == "scribble":
        n = 6 + variant % 6
        xs = np.linspace(-size_px / 2, size_px / 2, 2 * n)
        ys = np.where(np.arange(2 * n) % 2 == 0, -0.25, 0.25) * size_px
        points = [np.stack([xs, ys], 1) + rng.normal(0, 0.04 * size_px, (2 * n, 2))]
    else:                                                   # tick
        points = [np.array([[-0.3, 0.0], [0.0, 0.35], [0.6, -0.45]]) * size_px + rng.normal(0, 0.02 * size_px, (3, 2))]
    for local in points:
        stroke(alpha, local @ rot.T + [x, y], width)


def ink_over(image: np.ndarray, alpha: np.ndarray, pen_rgb) -> np.ndarray:
    """Transparent ballpoint ink, image * (1 - a + a * pen / 255), inside the inked bounding box only; the
    per-channel gain comes from a lookup table on the uint8 coverage."""
    x, y, w, h = cv2.boundingRect(alpha)
    if w == 0 or h == 0:
        return image
    a = np.arange(256, dtype=np.float32)[:, None] / 255
    table = np.rint(255 * (1 - a + a * np.asarray(pen_rgb, np.float32) / 255)).astype(np.uint8)[:, None, :]
    gain = cv2.LUT(cv2.merge([alpha[y:y + h, x:x + w]] * 3), table)
    out = image.copy()
    out[y:y + h, x:x + w] = cv2.multiply(image[y:y + h, x:x + w], gain, scale=1 / 255)
    return out


@register
@dataclass(frozen=True)
class Handwriting(Photometric):
    """A reader's pen marks on the page: notes, circles around a finding, arrows, underlines, cross-outs."""

    name = "handwriting"
    family = "damage"
    max_marks: float = 8.0

    def sample_params(self, rng, severity):
        marks = [[KINDS[int(rng.integers(len(KINDS)))], round(float(rng.uniform(0.08, 0.92)), 4),
                  round(float(rng.uniform(0.08, 0.92)), 4), round(float(rng.uniform(6, 18)), 2),
                  round(float(rng.normal(0, 8)), 2), int(rng.integers(1000))] for _ in range(int(self.max_marks))]
        return {"pen": pick(rng, PENS), "marks": marks[:max(1, round(scaled(rng, severity, self.max_marks, 0.6)))],
                "seed": new_seed(rng)}

    def apply_image(self, image, params, px_per_mm):
        h, w = image.shape[:2]
        alpha = np.zeros((h, w), np.uint8)
        for i, (kind, fx, fy, size_mm, angle, variant) in enumerate(params["marks"]):
            rng = np.random.default_rng([params["seed"], i])
            draw_mark(alpha, kind, fx * w, fy * h, size_mm * px_per_mm, angle, variant, rng, pen_width(px_per_mm))
        return ink_over(image, alpha, params["pen"])
