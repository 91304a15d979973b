"""Gallery sheets for the docs: every artifact of a family, and every preset, at severities 0.25 / 0.5 / 1.0.

Each cell shows the whole page scaled down next to a 1:1 close-up, so page-wide effects (perspective,
lighting, folds) and pixel-level ones (noise, JPEG, dust) are both visible. A row's close-ups all show the
place where its severity-1 page differs most from the clean page.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import cv2
import numpy as np

from .artifacts import ARTIFACTS, PRESETS
from .record import Record
from .render import RenderConfig, encode_image, render

SEVERITIES = (0.25, 0.5, 1.0)
FAMILIES = ("print", "photometric", "scanner", "photo", "damage")
LABEL_W, HEADER_H, GAP = 200, 34, 6
INK = (60, 60, 60)


def family_rows(family: str) -> list[tuple[str, dict]]:
    """(row label, RenderConfig overrides) for every artifact of a family."""
    return [(name, {"artifacts": [name]}) for name, cls in ARTIFACTS.items() if cls.family == family]


def preset_rows() -> list[tuple[str, dict]]:
    return [(name, {"preset": name}) for name in PRESETS if name != "clean"]


def close_up_origin(image: np.ndarray, clean: np.ndarray, crop_px: int) -> tuple[int, int]:
    """Top-left of the crop_px square where `image` differs most from `clean` (box-averaged difference)."""
    diff = cv2.absdiff(image, clean).max(axis=2).astype(np.float32)
    score = cv2.boxFilter(diff, -1, (crop_px, crop_px), anchor=(0, 0), borderType=cv2.BORDER_CONSTANT)
    h, w = diff.shape
    score = score[:h - crop_px + 1, :w - crop_px + 1]
    y, x = np.unravel_index(int(np.argmax(score)), score.shape)
    return int(x), int(y)


def cell(image: np.ndarray, thumb_w: int, crop_px: int, origin: tuple[int, int]) -> np.ndarray:
    """The page scaled to thumb_w wide beside a crop_px square 1:1 close-up at `origin`."""
    h, w = image.shape[:2]
    thumb = cv2.resize(image, (thumb_w, round(h * thumb_w / w)), interpolation=cv2.INTER_AREA)
    x0, y0 = origin
    crop = image[y0:y0 + crop_px, x0:x0 + crop_px]
    out = np.full((max(thumb.shape[0], crop.shape[0]), thumb_w + GAP + crop.shape[1], 3), 255, np.uint8)
    out[:thumb.shape[0], :thumb_w] = thumb
    out[:crop.shape[0], thumb_w + GAP:] = crop
    return out


def sheet(record: Record, rows: list[tuple[str, dict]], base: RenderConfig, seed: int, thumb_w: int = 330,
          crop_px: int = 200) -> np.ndarray:
    """A grid image: one row per (label, overrides), one column per severity."""
    clean = render(record, base, seed).image
    cells = []
    for _, over in rows:
        images = [render(record, dataclasses.replace(base, severity=s, **over), seed).image for s in SEVERITIES]
        origin = close_up_origin(images[-1], clean, crop_px)
        cells.append([cell(image, thumb_w, crop_px, origin) for image in images])
    ch, cw = cells[0][0].shape[:2]
    out = np.full((HEADER_H + len(rows) * (ch + GAP), LABEL_W + len(SEVERITIES) * (cw + GAP), 3), 255, np.uint8)
    for j, s in enumerate(SEVERITIES):
        cv2.putText(out, f"severity {s:g}", (LABEL_W + j * (cw + GAP) + 8, HEADER_H - 10), cv2.FONT_HERSHEY_SIMPLEX,
                    0.7, INK, 2, cv2.LINE_AA)
    for i, (label, _) in enumerate(rows):
        y = HEADER_H + i * (ch + GAP)
        cv2.putText(out, label, (8, y + ch // 2), cv2.FONT_HERSHEY_SIMPLEX, 0.6, INK, 2, cv2.LINE_AA)
        for j, image in enumerate(cells[i]):
            x = LABEL_W + j * (cw + GAP)
            out[y:y + image.shape[0], x:x + image.shape[1]] = image
    return out


def write_gallery(record: Record, outdir: Path, base: RenderConfig = RenderConfig(), seed: int = 0,
                  sheets: tuple[str, ...] = FAMILIES + ("presets",)) -> list[Path]:
    """Write family_<name>.png per family and presets.png; returns the paths written."""
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in sheets:
        rows = preset_rows() if name == "presets" else family_rows(name)
        path = outdir / ("presets.png" if name == "presets" else f"family_{name}.png")
        path.write_bytes(encode_image(sheet(record, rows, base, seed)))
        written.append(path)
    return written
