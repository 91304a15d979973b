"""COCO export: `images/<page>.<fmt>` and one `annotations.json` with the 12 lead categories (rhythm strips are
an attribute), lead names, calibration pulses and header text; boxes and RLE (traces, pulses) or polygon (text)
segmentation."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from .. import __version__
from ..atomic import inside, write_atomic
from .objects import CATEGORIES, coco_box, object_mask, page_objects
from .rle import encode
from .source import Page

SUPERCATEGORY = {"lead_name": "text", "header_text": "text", "calibration_pulse": "mark"}


def categories() -> list[dict]:
    """COCO categories, ids 1.. in CATEGORIES order."""
    return [{"id": k + 1, "name": name, "supercategory": SUPERCATEGORY.get(name, "lead")}
            for k, name in enumerate(CATEGORIES)]


def annotations(page: Page, image_id: int, first_id: int) -> list[dict]:
    """The page's objects as COCO annotations with ids from `first_id`; area = mask pixels (traces, pulses) or
    box area (text)."""
    out = []
    for obj in page_objects(page.truth):
        x, y, w, h = box = coco_box(obj.box)
        if obj.line is None:
            segmentation, area = [[x, y, x + w, y, x + w, y + h, x, y + h]], round(w * h, 2)
        else:
            mask = object_mask(obj, page.truth, page.labels)
            segmentation, area = encode(mask), int(mask.sum())
        out.append({"id": first_id + len(out), "image_id": image_id, "category_id": obj.category_id + 1,
                    "bbox": box, "area": area, "iscrowd": 0, "segmentation": segmentation,
                    "attributes": obj.attributes})
    return out


def export_coco(pages: Iterable[Page], out: Path) -> int:
    """Write the images and `annotations.json` into `out`; returns the number of pages."""
    images: list[dict] = []
    anns: list[dict] = []
    for page in pages:
        file_name = f"{page.name}.{page.fmt}"
        write_atomic(inside(out, out / "images" / file_name), page.image)
        images.append({"id": len(images) + 1, "file_name": file_name, "width": page.truth.width,
                       "height": page.truth.height, "split": page.split,
                       "record_id": page.record.record_id if page.record else page.name})
        anns += annotations(page, len(images), len(anns) + 1)
    coco = {"info": {"description": "ecgprint export (docs/exports.md)", "version": __version__},
            "images": images, "annotations": anns, "categories": categories()}
    write_atomic(inside(out, out / "annotations.json"), json.dumps(coco, separators=(",", ":")))
    return len(images)
