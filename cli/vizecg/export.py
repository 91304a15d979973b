"""`vizecg export`: the image-only path of a checkpoint as an ONNX model, or the bundled models for the ONNX
engine of `vizecg predict`."""

from __future__ import annotations

import sys

import click


@click.command("export")
@click.option("--onnx", "onnx_path", type=click.Path(dir_okay=False), default=None, help="output .onnx file")
@click.option("--ckpt", type=click.Path(exists=True, dir_okay=False), default=None,
              help="checkpoint [default: the bundled one]")
@click.option("--bundled", is_flag=True,
              help="write vizecg/weights/vizecg.onnx and presence.onnx from the bundled .pt files (run after "
                   "replacing either; their weights stay in the .pt files)")
def export_cmd(onnx_path, ckpt, bundled):
    """Export image -> probabilities (dynamic batch, the checkpoint's input size) for ONNX Runtime."""
    from vizecg.export import export_bundled, export_onnx
    if bundled == (onnx_path is not None) or (bundled and ckpt):
        click.echo("error: give either --onnx FILE [--ckpt CKPT] or --bundled", err=True)
        sys.exit(2)
    try:
        paths = export_bundled() if bundled else [export_onnx(onnx_path, ckpt)]
    except (FileNotFoundError, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    for path in paths:
        click.echo(f"exported -> {path}")
