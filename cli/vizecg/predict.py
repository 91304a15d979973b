"""`vizecg predict`: label probabilities and decisions for ECG page images, as a table or JSON."""

from __future__ import annotations

import json
import sys

import click

from vizecg.predict import Prediction, Predictor, read_image
from vizecg.training.runtime import DEVICES, select_device


def table(predictions: list[Prediction], labels: tuple[str, ...]) -> str:
    """One row per image: probabilities, `+` marking a positive decision."""
    width = max([len("image")] + [len(p.image) for p in predictions])
    lines = ["image".ljust(width) + "".join(f"{label:>9}" for label in labels)]
    for p in predictions:
        cells = "".join(f"{p.probabilities[k]:>8.3f}{'+' if p.decisions[k] else ' '}" for k in labels)
        lines.append(p.image.ljust(width) + cells)
    lines.append("(+ = positive: probability >= the label's threshold chosen on validation data)")
    return "\n".join(lines)


@click.command("predict")
@click.argument("images", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--ckpt", type=click.Path(exists=True, dir_okay=False), default=None,
              help="checkpoint [default: the bundled one in vizecg/weights/]")
@click.option("--json", "as_json", is_flag=True, help="a JSON list, one object per predicted image, in input order")
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True)
def predict_cmd(images, ckpt, as_json, device):
    """Per-label probability and decision for each IMAGE (PNG/JPEG page, scan or photo), image only.

    Unreadable, non-image or oversized files get a one-line `error: FILE: reason` on stderr; the other images
    are still predicted and the exit status is 1.
    """
    try:
        predictor = Predictor(ckpt, select_device(device))
    except (FileNotFoundError, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    predictions, failed = [], False
    for start in range(0, len(images), predictor.batch_size):
        names, pixels = [], []
        for name in images[start:start + predictor.batch_size]:
            try:
                pixels.append(read_image(name))
                names.append(name)
            except ValueError as exc:
                click.echo(f"error: {exc}", err=True)
                failed = True
        predictions += predictor.predictions(names, predictor.probabilities(pixels))
    if as_json:
        click.echo(json.dumps([p.to_dict() for p in predictions], indent=1))
    elif predictions:
        click.echo(table(predictions, predictor.meta.labels))
    sys.exit(1 if failed else 0)
