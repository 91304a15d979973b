"""`vizecg predict`: label probabilities and decisions for ECG page images, as a table or JSON."""

from __future__ import annotations

import json
import sys

import click

from vizecg.devices import DEVICES
from vizecg.engines import ENGINES, open_predictor
from vizecg.prediction import FileError, Prediction


def table(entries: list[Prediction | FileError], labels: tuple[str, ...]) -> str:
    """One row per image in input order: the route, probabilities with `+` marking a positive decision (and `no
    ECG found` after them when the trace-presence check found none), or `error: reason`."""
    width = max([len("image")] + [len(e.image) for e in entries])
    lines = ["image".ljust(width) + "  route " + "".join(f"{label:>9}" for label in labels)]
    for e in entries:
        if isinstance(e, FileError):
            cells = "  error: " + e.error.removeprefix(f"{e.image}: ")
        else:
            cells = f"  {e.route:<6}" + "".join(f"{e.probabilities[k]:>8.3f}{'+' if e.decisions[k] else ' '}"
                                                for k in labels)
            cells += "" if e.ecg_found else f"  no ECG found (score {e.ecg_score:.3f})"
        lines.append(e.image.ljust(width) + cells)
    lines.append("(route reader = the page digitized, then classified as a signal; image = the image stream, for "
                 "pages the digitizer cannot read or without a reader. + = positive: probability >= the route's "
                 "threshold for the label; no ECG found = no printed ECG trace detected, so no label is positive)")
    return "\n".join(lines)


@click.command("predict")
@click.argument("images", nargs=-1, required=True, type=click.Path())
@click.option("--ckpt", type=click.Path(exists=True, dir_okay=False), default=None,
              help="checkpoint, or an .onnx file from `vizecg export --onnx` [default: the bundled one in "
                   "vizecg/weights/]")
@click.option("--reader", default="auto", show_default=True,
              help="auto: the bundled reader with the bundled classifier, none with a --ckpt of your own; none: the "
                   "image stream alone; or a reader checkpoint (.pt for the torch engine, .onnx for onnx)")
@click.option("--json", "as_json", is_flag=True,
              help='a JSON list, one object per image in input order ({"image", "error"} for a failed file)')
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True,
              help="for the torch engine; the ONNX engine runs on the CPU")
@click.option("--engine", type=click.Choice(ENGINES), default="auto", show_default=True,
              help="onnx: ONNX Runtime, no torch import (same outputs within 1e-4); auto: onnx when onnxruntime is "
                   "installed and the model is the bundled one or an .onnx --ckpt, else torch")
def predict_cmd(images, ckpt, reader, as_json, device, engine):
    """Per-label probability and decision for each IMAGE (PNG/JPEG page, scan or photo).

    Each page the digitizer can read is read back into a 12-lead signal and classified by the reader (JSON
    `route` "reader", `read` the layout found); any other page goes to the classifier's image stream (`route`
    "image", `read` why the reader did not decide).

    A trace-presence check decides first whether the image shows an ECG at all (JSON `ecg_found`, `ecg_score`);
    when it does not (a blank grid, a text page, a photo of something else, an image under 64 px), no label is
    positive, though the probabilities are still reported.

    A file that cannot be read (missing, empty, not a regular file, not an image, oversized) keeps its place in
    the output as an error entry and gets a one-line `error: FILE: reason` on stderr; the other images are still
    predicted and the exit status is 1.
    """
    try:
        predictor = open_predictor(engine, ckpt, device, reader=None if reader == "none" else reader)
    except (FileNotFoundError, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    entries = predictor.predict_files(images)
    failed = [e for e in entries if isinstance(e, FileError)]
    for entry in failed:
        click.echo(f"error: {entry.error}", err=True)
    if as_json:
        click.echo(json.dumps([e.to_dict() for e in entries], indent=1))
    else:
        click.echo(table(entries, predictor.labels))
    sys.exit(1 if failed else 0)
