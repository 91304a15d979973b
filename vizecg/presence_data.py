"""Seeded examples for the trace-presence check: ecgprint pages with their trace masks (positives) and generated
images that hold no ECG trace (negatives: blank ECG forms, text pages, charts of smooth curves, natural-ish images,
noise, constant images),
each reduced at once to the check's input and its coarse trace-map target."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import cv2
import numpy as np

from ecgprint import layout
from ecgprint.artifacts import PRESETS, build_pipeline
from ecgprint.paper import GRID_STYLES, PAGE_SIZES_MM, Paper
from ecgprint.raster import FONTS, grid_canvas
from ecgprint.render import RenderConfig, render
from ecgprint.style import random_style
from ecgprint.synth import synth_record
from ecgprint.truth import Truth
from vizecg.presence import MIN_SIDE, PresenceConfig, presence_input

KINDS = ("page", "blank_form", "text", "chart", "natural", "noise", "constant")
KIND_P = (0.5, 0.18, 0.1, 0.08, 0.06, 0.04, 0.04)
DPI = (72, 300)
STYLED_P = 0.5          # share of pages drawn in ecgprint.style.random_style (the rest: classic look, random grid)
CROP_P, CROP_KEEP = 0.2, (0.6, 1.0)   # a photo of part of a page: keep this share of each side
TRACE_CELL = 0.005      # a map cell is "trace" when printed trace pixels cover at least this share of it
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,:-/()"


@dataclass(frozen=True)
class PresenceSet:
    """Examples at the check's input: inputs uint8 [N, 2, H, W], targets uint8 [N, H/8, W/8] (1 = trace printed
    there), labels float32 [N] (1 = an ECG page), kinds: "page:<preset>[:styled]" or the negative's kind."""

    inputs: np.ndarray
    targets: np.ndarray
    labels: np.ndarray
    kinds: tuple[str, ...]


def make_set(n: int, seed: int, stream: int = 0, config: PresenceConfig = PresenceConfig()) -> PresenceSet:
    """`n` examples; example i depends only on (seed, stream, i): streams 0 and 1 are the training and held-out
    sets, and sets of any size share their first examples."""
    inputs, targets, kinds = [], [], []
    for i in range(n):
        image, mask, kind = example(np.random.default_rng([seed, stream, i]))
        inputs.append(presence_input(image, config))
        targets.append(trace_cells(mask, config) if mask is not None else np.zeros(config.map_size, np.uint8))
        kinds.append(kind)
    labels = np.array([k.startswith("page") for k in kinds], np.float32)
    return PresenceSet(np.stack(inputs), np.stack(targets), labels, tuple(kinds))


def trace_cells(mask: np.ndarray, config: PresenceConfig) -> np.ndarray:
    """uint8 [H/8, W/8]: 1 where the trace mask covers at least TRACE_CELL of the cell."""
    h, w = config.map_size
    share = cv2.resize((mask > 0).astype(np.float32), (w, h), interpolation=cv2.INTER_AREA)
    return (share >= TRACE_CELL).astype(np.uint8)


def example(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray | None, str]:
    """One RGB uint8 image, its trace mask (pages only) and its kind."""
    kind = KINDS[int(rng.choice(len(KINDS), p=KIND_P))]
    if kind == "page":
        return ecg_page(rng)
    image = {"blank_form": blank_form, "text": text_page, "chart": chart_page, "natural": natural_image, "noise": noise_image,
             "constant": constant_image}[kind](rng)
    return image, None, kind


def _page_config(rng: np.random.Generator) -> tuple[RenderConfig, bool]:
    """A random page (preset, severity a quarter of the time 1, dpi, grid, layout) and whether it is drawn in a
    random style (half of them)."""
    preset = sorted(PRESETS)[int(rng.integers(len(PRESETS)))]
    severity = float(min(1.0, rng.uniform(0, 1.3)))
    paper = Paper(size=sorted(PAGE_SIZES_MM)[int(rng.integers(2))],
                  orientation="portrait" if rng.random() < 0.15 else "landscape",
                  grid=sorted(GRID_STYLES)[int(rng.integers(len(GRID_STYLES)))])
    base = RenderConfig(paper=paper, layout=layout.LAYOUTS[int(rng.integers(len(layout.LAYOUTS)))], preset=preset,
                        severity=severity, mask=True)
    styled = bool(rng.random() < STYLED_P)
    config = random_style(rng, base) if styled else base
    dpi = float(rng.integers(DPI[0], DPI[1] + 1))
    return dataclasses.replace(config, paper=dataclasses.replace(config.paper, dpi=dpi)), styled


def ecg_page(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, str]:
    """A synthetic record printed by ecgprint, possibly cropped like a photo of part of the page."""
    config, styled = _page_config(rng)
    result = render(synth_record(int(rng.integers(1_000_000))), config, int(rng.integers(2 ** 31)))
    image, mask = result.image, result.mask
    if rng.random() < CROP_P:
        image, mask = _crop(rng, image, mask)
    return image, mask, f"page:{config.preset}" + (":styled" if styled else "")


def _crop(rng: np.random.Generator, image: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    h, w = image.shape[:2]
    ch, cw = (int(s * rng.uniform(*CROP_KEEP)) for s in (h, w))
    y, x = int(rng.integers(h - ch + 1)), int(rng.integers(w - cw + 1))
    return image[y:y + ch, x:x + cw], mask[y:y + ch, x:x + cw]


def _degrade(rng: np.random.Generator, image: np.ndarray, px_per_mm: float) -> np.ndarray:
    """The image through a random artifact preset at a random severity, as pages are (no truth to move)."""
    preset = sorted(PRESETS)[int(rng.integers(len(PRESETS)))]
    h, w = image.shape[:2]
    truth = Truth(w, h, px_per_mm, np.diag([px_per_mm, px_per_mm, 1.0]), [], line_px=1.0)
    return build_pipeline(preset).run(image, truth, None, rng, float(min(1.0, rng.uniform(0, 1.3))))[0]


def blank_form(rng: np.random.Generator) -> np.ndarray:
    """An ECG page without its traces: grid of any colour and look, with or without lead names, calibration
    pulses, separators and header text, then printed/scanned/photographed like the pages. The page is rendered
    clean and its traces painted over with the bare grid (where the dilated trace mask is)."""
    config, _ = _page_config(rng)
    shown = rng.random(4) < (0.4, 0.4, 0.5, 0.6)
    clean = dataclasses.replace(config, preset="clean", severity=0.0, mask=True, show_calibration=bool(shown[0]),
                                show_separators=bool(shown[1]), show_labels=bool(shown[2]), show_header=bool(shown[3]))
    page = render(synth_record(int(rng.integers(1_000_000))), clean, int(rng.integers(2 ** 31)))
    style = config.style
    grid = grid_canvas(config.paper, style.grid_intensity, style.major_pattern, style.minor_grid)
    traces = cv2.dilate(page.mask, np.ones((5, 5), np.uint8)) > 0
    return _degrade(rng, np.where(traces[..., None], grid, page.image), config.paper.px_per_mm)


def _ink(rng: np.random.Generator) -> tuple[int, int, int]:
    return tuple(int(c) for c in rng.integers(0, 90, 3))


def text_page(rng: np.random.Generator) -> np.ndarray:
    """A letter or a form: lines of random words, rules and boxes on white, cream or grey paper, then degraded."""
    paper = Paper(dpi=float(rng.integers(DPI[0], DPI[1] + 1)),
                  orientation="portrait" if rng.random() < 0.7 else "landscape")
    w, h = paper.size_px
    ppmm = paper.px_per_mm
    canvas = np.empty((h, w, 3), np.uint8)
    canvas[:] = rng.integers(200, 256, 3)
    font = list(FONTS.values())[int(rng.integers(len(FONTS)))]
    cap = rng.uniform(1.8, 5.0) * ppmm
    scale = cap / cv2.getTextSize("H", font, 1.0, 1)[0][1]
    thick = max(1, round(scale * rng.uniform(0.8, 2.0)))
    ink, margin = _ink(rng), int(rng.uniform(10, 30) * ppmm)
    y = margin + int(cap)
    while y < h - margin:
        roll = rng.random()
        if roll < 0.08:
            cv2.line(canvas, (margin, y), (w - margin, y), _ink(rng), max(1, round(0.3 * ppmm)))
        elif roll < 0.16:
            x1 = int(rng.uniform(margin + 20 * ppmm, w - margin))
            cv2.rectangle(canvas, (margin, y - int(cap)), (x1, y + int(cap)), ink, max(1, round(0.2 * ppmm)))
        elif roll < 0.85:
            words = " ".join("".join(rng.choice(list(LETTERS), int(rng.integers(1, 10)))) for _ in range(40))
            x = margin + int(rng.uniform(0, 30) * ppmm if rng.random() < 0.3 else 0)
            cv2.putText(canvas, words, (x, y), font, scale, ink, thick, cv2.LINE_AA)
        y += int(cap * rng.uniform(1.5, 3.5))
    return _degrade(rng, canvas, ppmm)


def chart_page(rng: np.random.Generator) -> np.ndarray:
    """Smooth curves (sums of slow sines and a smoothed random walk, no sharp spikes) on grid or plain paper, as
    in a chart or a plot: a printed line is not by itself an ECG trace."""
    paper = Paper(dpi=float(rng.integers(DPI[0], DPI[1] + 1)), grid=sorted(GRID_STYLES)[int(rng.integers(8))])
    canvas = grid_canvas(paper) if rng.random() < 0.6 else np.full((*paper.size_px[::-1], 3), 255, np.uint8)
    h, w = canvas.shape[:2]
    ppmm, margin = paper.px_per_mm, int(rng.uniform(10, 40) * paper.px_per_mm)
    n = int(rng.integers(1, 13))
    x = np.arange(margin, w - margin, dtype=np.float64)
    for k in range(n):
        y = np.zeros_like(x)
        for _ in range(int(rng.integers(1, 4))):
            y += rng.uniform(2, 30) * ppmm * np.sin(x / (rng.uniform(10, 150) * ppmm) + rng.uniform(0, 2 * np.pi))
        walk = cv2.GaussianBlur(np.cumsum(rng.normal(0, 0.5 * ppmm, len(x)))[None], (0, 0), 5 * ppmm)[0]
        y += (walk - walk.mean()) * (rng.random() < 0.5) + margin + (k + 0.5) * (h - 2 * margin) / n
        colour = _ink(rng) if rng.random() < 0.7 else tuple(int(c) for c in rng.integers(0, 256, 3))
        thickness = max(1, round(rng.uniform(0.1, 0.8) * ppmm))
        points = np.round(np.stack([x, y], 1) * 16).astype(np.int32)
        cv2.polylines(canvas, [points], False, colour, thickness, cv2.LINE_AA, shift=4)
    if rng.random() < 0.5:
        cv2.line(canvas, (margin, h - margin), (w - margin, h - margin), (0, 0, 0), max(1, round(0.3 * ppmm)))
        cv2.line(canvas, (margin, margin), (margin, h - margin), (0, 0, 0), max(1, round(0.3 * ppmm)))
    return _degrade(rng, canvas, ppmm)


def _size(rng: np.random.Generator) -> tuple[int, int]:
    """(h, w) log-uniform in MIN_SIDE..1600 px per side."""
    return tuple(int(np.exp(rng.uniform(np.log(MIN_SIDE), np.log(1600)))) for _ in range(2))


def natural_image(rng: np.random.Generator) -> np.ndarray:
    """Smooth colour fields, gradients and filled shapes: a stand-in for photos of things that are not ECGs."""
    h, w = _size(rng)
    image = np.zeros((h, w, 3), np.float32)
    for octave in range(int(rng.integers(1, 5))):
        cells = rng.random((2 ** (octave + 1), 2 ** (octave + 1), 3)).astype(np.float32)
        image += cv2.resize(cells, (w, h), interpolation=cv2.INTER_CUBIC) * 255 / 2 ** octave
    image = image / image.max() * 255 if image.max() > 0 else image
    image = image.astype(np.uint8)
    for _ in range(int(rng.integers(0, 12))):
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        cx, cy = int(rng.integers(w)), int(rng.integers(h))
        if rng.random() < 0.5:
            axes = (int(rng.integers(2, max(3, w // 3))), int(rng.integers(2, max(3, h // 3))))
            cv2.ellipse(image, (cx, cy), axes, float(rng.uniform(0, 180)), 0, 360, colour, -1, cv2.LINE_AA)
        else:
            pts = np.stack([rng.integers(0, w, 4), rng.integers(0, h, 4)], 1).astype(np.int32)
            cv2.fillPoly(image, [pts], colour, cv2.LINE_AA)
    return _degrade(rng, image, float(rng.uniform(2, 8))) if rng.random() < 0.5 else image


def noise_image(rng: np.random.Generator) -> np.ndarray:
    """Uniform, Gaussian or salt-and-pepper noise, grey or colour."""
    h, w = _size(rng)
    channels = 3 if rng.random() < 0.5 else 1
    roll = rng.random()
    if roll < 0.4:
        noise = rng.integers(0, 256, (h, w, channels))
    elif roll < 0.8:
        noise = rng.normal(rng.uniform(30, 230), rng.uniform(5, 80), (h, w, channels))
    else:
        noise = np.where(rng.random((h, w, 1)) < rng.uniform(0.01, 0.3), rng.integers(0, 2, (h, w, 1)) * 255,
                         rng.uniform(0, 255))
    return np.broadcast_to(np.clip(noise, 0, 255).astype(np.uint8), (h, w, 3)).copy()


def constant_image(rng: np.random.Generator) -> np.ndarray:
    """One colour everywhere."""
    h, w = _size(rng)
    return np.broadcast_to(rng.integers(0, 256, 3).astype(np.uint8), (h, w, 3)).copy()
