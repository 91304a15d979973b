"""`ecgprint inspect`: counts, size and a contact sheet of a built dataset."""

from __future__ import annotations

import json
import sys

import click


@click.command("inspect")
@click.argument("out", type=click.Path(file_okay=False))
@click.option("--rows", type=click.IntRange(0, 100), default=5, show_default=True, help="rows to list")
@click.option("--show", type=click.IntRange(1, 200), default=None, help="write a contact sheet of N images")
@click.option("--sheet", type=click.Path(dir_okay=False), default="contact_sheet.png", show_default=True)
def inspect_cmd(out, rows, show, sheet):
    """Counts per split, label and preset, size on disk and the first rows of a built dataset."""
    from ecgprint.dataset.inspect import contact_sheet, summary
    try:
        click.echo(json.dumps(summary(out, rows), indent=1))
        if show:
            click.echo(f"wrote {contact_sheet(out, show, sheet)} images to {sheet}")
    except (OSError, ValueError) as exc:      # ValueError: a bad manifest (ManifestError) or image
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
