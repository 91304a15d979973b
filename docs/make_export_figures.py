"""Regenerate docs/exports.md's picture: one page exported as COCO, drawn back from annotations.json alone (masks
decoded with pycocotools, boxes, category names), whole page and a full-resolution zoom.

    python docs/make_export_figures.py      # needs pycocotools (the test extra)

The page: the built-in example record, 3x4 + II rhythm at 200 dpi, printed and scanned (preset "scan", severity
0.5, seed 4: a slight rotation that boxes and masks follow), exported from a render folder with its --mask.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from pycocotools import mask as mask_api

from ecgprint.export import export
from ecgprint.render import RenderConfig, render
from ecgprint.synth import example_record

HERE = Path(__file__).resolve().parent
OUT = HERE / "img" / "export_coco.png"
CONFIG = RenderConfig(mask=True, preset="scan", severity=0.5)
SEED = 4
PANEL_WIDTH = 760          # px per panel in the docs copy
ZOOM = (20, 160, 1200, 560)  # x0, y0, x1, y1 of the full-resolution crop (lead I, its name and calibration pulse)


# 15 distinct colours, one per category (the 12 leads, lead name, calibration pulse, header text)
PALETTE = ((0, 90, 200), (0, 150, 60), (230, 120, 0), (120, 40, 180), (0, 150, 160), (140, 80, 20),
           (0, 40, 120), (100, 130, 0), (200, 0, 160), (0, 110, 110), (60, 60, 200), (180, 100, 0),
           (70, 70, 70), (0, 0, 0), (0, 120, 255))   # dark, saturated, none of them the grid's red


def draw(folder: Path) -> np.ndarray:
    """The exported image with every trace mask tinted, every box outlined and each trace box named, all read
    back from annotations.json."""
    coco = json.loads((folder / "annotations.json").read_text())
    names = {c["id"]: c["name"] for c in coco["categories"]}
    image = np.asarray(Image.open(folder / "images" / coco["images"][0]["file_name"]).convert("RGB")).copy()
    for ann in coco["annotations"]:
        seg = ann["segmentation"]
        if isinstance(seg, dict):
            mask = mask_api.decode({**seg, "counts": seg["counts"].encode()}).astype(bool)
            image[mask] = PALETTE[ann["category_id"] - 1]
    for ann in coco["annotations"]:
        x, y, w, h = ann["bbox"]
        rgb = PALETTE[ann["category_id"] - 1]
        cv2.rectangle(image, (round(x), round(y)), (round(x + w) - 1, round(y + h) - 1), rgb, 2)
        if ann["category_id"] <= 12:
            label = names[ann["category_id"]] + (" rhythm strip" if ann["attributes"]["rhythm_strip"] else "")
            cv2.putText(image, label, (round(x + w) - 14 * len(label) - 6, round(y + h) + 24),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.7, rgb, 2, cv2.LINE_AA)
    return image


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        pages, out = Path(tmp) / "pages", Path(tmp) / "coco"
        render(example_record(), CONFIG, SEED).save(pages, "example")
        export(pages, "coco", out)
        image = draw(out)
    whole = cv2.resize(image, (PANEL_WIDTH, round(image.shape[0] * PANEL_WIDTH / image.shape[1])),
                       interpolation=cv2.INTER_AREA)
    x0, y0, x1, y1 = ZOOM
    crop = image[y0:y1, x0:x1]
    zoom = cv2.resize(crop, (PANEL_WIDTH, round(crop.shape[0] * PANEL_WIDTH / crop.shape[1])),
                      interpolation=cv2.INTER_NEAREST)
    sheet = np.vstack([whole, np.full((8, PANEL_WIDTH, 3), 255, np.uint8), zoom])
    Image.fromarray(sheet).quantize(128).save(OUT, optimize=True)
    print(f"wrote {OUT.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
