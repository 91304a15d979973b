"""Regenerate docs/explain.md's example heatmaps and its attribution check with the bundled checkpoint (or --ckpt):

- one clean synthetic page per label (a record with that label alone), Grad-CAM of that label over the page,
  and the RBBB page photographed (the lead boxes follow the perspective);
- the check that attribution is not noise: on N synthetic RBBB and N LBBB pages, the share of the label's
  attribution on V1-V2, V5-V6 and I/aVL against the share of the lead-box area those leads cover.

    python docs/make_explain_figures.py [--ckpt RUN/best.pt] [--pages 20]

Figures go to docs/img/explain/ as 256-colour PNGs (the docs stay light); the check prints a markdown table.
Synthetic seed 2025: records the bundled checkpoint never saw (its training set uses seed 42).
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from ecgprint.labels import LABELS
from ecgprint.paper import Paper
from ecgprint.render import RenderConfig, render
from ecgprint.synth import SynthConfig, synth_record
from vizecg.explain.gradcam import Explainer, lead_boxes
from vizecg.explain.overlay import overlay

HERE = Path(__file__).resolve().parent
OUT = HERE / "img" / "explain"
PAGE = RenderConfig(paper=Paper(dpi=100))
SEED = 2025
GROUPS = {"V1-V2": ("V1", "V2"), "V5-V6": ("V5", "V6"), "I/aVL": ("I", "aVL"),
          "all six": ("V1", "V2", "V5", "V6", "I", "aVL")}
DOC_WIDTH = 760   # px width of the docs copies


def save_small_png(rgb: np.ndarray, path: Path, width: int = DOC_WIDTH) -> None:
    """A downscaled 256-colour PNG (octree palette, Floyd-Steinberg dithering so gradients do not band)."""
    if rgb.shape[1] > width:
        rgb = cv2.resize(rgb, (width, round(rgb.shape[0] * width / rgb.shape[1])), interpolation=cv2.INTER_AREA)
    image = Image.fromarray(rgb)
    palette = image.quantize(256, method=Image.Quantize.FASTOCTREE)
    image.quantize(palette=palette, dither=Image.Dither.FLOYDSTEINBERG).save(path, optimize=True)


def labelled_page(label: str, index: int, page: RenderConfig = PAGE):
    """Synthetic record `index` with `label` alone, printed on `page` (clean, 100 dpi by default)."""
    record = synth_record(index, SynthConfig(labels=label, seed=SEED, records_per_patient=1))
    return render(record, page, seed=index)


def example_figures(explainer: Explainer) -> None:
    """<label>.png for every label on a clean page, and RBBB_photo.png: the RBBB page photographed."""
    photo = dataclasses.replace(PAGE, preset="photo", severity=0.7)
    for name, label, config in [(label, label, PAGE) for label in LABELS] + [("RBBB_photo", "RBBB", photo)]:
        page = labelled_page(label, 0, config)
        (explanation,) = explainer.explain(page.image, page.truth, [label])
        boxes = lead_boxes(page.truth, page.image.shape[:2])
        save_small_png(overlay(page.image, explanation, boxes), OUT / f"{name}.png")
        top = sorted((explanation.lead_shares or {}).items(), key=lambda kv: -kv[1])[:4]
        print(f"{name}: p = {explanation.probability:.3f}, top leads "
              + (", ".join(f"{k} {v:.0%}" for k, v in top) or "none (no positive attribution)"))


def bbb_check(explainer: Explainer, pages: int) -> str:
    """Markdown: per label and lead group, mean attribution share vs mean area share over `pages` pages."""
    lines = ["| label | leads | attribution share | area share | ratio | share > area (pages with attribution) |",
             "|---|---|---|---|---|---|"]
    for label in ("RBBB", "LBBB"):
        found = []
        for index in range(pages):
            page = labelled_page(label, index)
            (explanation,) = explainer.explain(page.image, page.truth, [label])
            if explanation.lead_shares is not None:
                found.append(explanation)
        if not found:
            lines.append(f"| {label} | all | n/a | n/a | n/a | no positive attribution on {pages} pages |")
            continue
        for group, leads in GROUPS.items():
            share = np.array([sum(e.lead_shares[lead] for lead in leads) for e in found])
            area = np.array([sum(e.area_shares[lead] for lead in leads) for e in found])
            lines.append(f"| {label} | {group} | {share.mean():.3f} | {area.mean():.3f} | "
                         f"{share.mean() / area.mean():.2f} | {(share > area).sum()}/{len(found)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ckpt", default=None, help="checkpoint [default: the bundled one]")
    parser.add_argument("--pages", type=int, default=20, help="RBBB and LBBB pages in the check")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    explainer = Explainer(args.ckpt)
    example_figures(explainer)
    print(bbb_check(explainer, args.pages))


if __name__ == "__main__":
    main()
