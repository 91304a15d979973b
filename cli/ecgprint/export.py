"""`ecgprint export`: a built dataset or a folder of rendered pages as COCO, YOLO or the Challenge 2024 layout."""

from __future__ import annotations

import sys

import click

from ecgprint.export import FORMATS, export


@click.command("export")
@click.argument("source", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True,
              help="annotation format (docs/exports.md)")
@click.option("-o", "--output", "out", required=True, type=click.Path(file_okay=False), help="output folder")
def export_cmd(source, fmt, out):
    """Export the pages of SOURCE (a built dataset, or a folder of `ecgprint render` outputs) with their truth."""
    try:
        count = export(source, fmt, out)
    except ValueError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"exported {count} page(s) to {out} ({fmt})")
