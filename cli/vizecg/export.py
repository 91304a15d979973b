"""`vizecg export`: the image-only path of a checkpoint as an ONNX model."""

from __future__ import annotations

import sys

import click

from vizecg.export import export_onnx


@click.command("export")
@click.option("--onnx", "onnx_path", required=True, type=click.Path(dir_okay=False), help="output .onnx file")
@click.option("--ckpt", type=click.Path(exists=True, dir_okay=False), default=None,
              help="checkpoint [default: the bundled one]")
def export_cmd(onnx_path, ckpt):
    """Export image -> probabilities (dynamic batch, the checkpoint's input size) for ONNX Runtime."""
    try:
        path = export_onnx(onnx_path, ckpt)
    except (FileNotFoundError, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"exported the image path -> {path}")
