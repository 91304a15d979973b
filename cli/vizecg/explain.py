"""`vizecg explain`: Grad-CAM overlays of a page image for its predicted labels, with per-lead shares when the
page's ecgprint truth JSON is given."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from vizecg.devices import DEVICES


def overlay_paths(out: Path, labels: list[str]) -> list[Path]:
    """OUT.png for the first label, OUT_<label>.png for each further one."""
    return [out if i == 0 else out.with_name(f"{out.stem}_{label}{out.suffix}") for i, label in enumerate(labels)]


@click.command("explain")
@click.argument("image", type=click.Path(exists=True, dir_okay=False))
@click.option("--ckpt", type=click.Path(exists=True, dir_okay=False), default=None,
              help="checkpoint [default: the bundled one in vizecg/weights/]")
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False), help="overlay PNG (OUT.png)")
@click.option("--truth", type=click.Path(exists=True, dir_okay=False), default=None,
              help="the page's truth JSON from `ecgprint render`: lead boxes and per-lead shares")
@click.option("--label", "labels", multiple=True, help="explain this label (repeatable) [default: the predicted "
              "labels, or the most probable one]")
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True)
def explain_cmd(image, ckpt, out, truth, labels, device):
    """Grad-CAM of the image stream for each explained label over IMAGE, at its size: OUT.png for the first
    label (the most probable unless --label is given), OUT_<label>.png for the others, and OUT.json with the
    probabilities and per-lead shares."""
    import cv2

    from ecgprint.dataset.read import read_truth
    from vizecg.explain.gradcam import Explainer, lead_boxes
    from vizecg.explain.overlay import overlay
    from vizecg.predict import read_image
    from vizecg.training.runtime import select_device
    try:
        pixels = read_image(image)
        page_truth = read_truth(truth) if truth else None
        boxes = lead_boxes(page_truth, pixels.shape[:2]) if page_truth is not None else None
        explanations = Explainer(ckpt, select_device(device)).explain(pixels, page_truth, labels)
    except (FileNotFoundError, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    paths = overlay_paths(out, [e.label for e in explanations])
    for explanation, path in zip(explanations, paths):
        rendered = overlay(pixels, explanation, boxes)
        cv2.imwrite(str(path), cv2.cvtColor(rendered, cv2.COLOR_RGB2BGR))
    report = [{**e.to_dict(), "overlay": str(p)} for e, p in zip(explanations, paths)]
    out.with_suffix(".json").write_text(json.dumps({"image": image, "explanations": report}, indent=1))
    for e, path in zip(explanations, paths):
        click.echo(f"{e.label}: p = {e.probability:.3f} (threshold {e.threshold:.3f}) -> {path}")
        if e.lead_shares is not None:
            top = sorted(e.lead_shares.items(), key=lambda kv: -kv[1])
            click.echo("  lead share (area share): " + ", ".join(f"{lead} {s:.0%} ({e.area_shares[lead]:.0%})"
                                                                for lead, s in top))
