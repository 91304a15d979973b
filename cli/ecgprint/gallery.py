"""`ecgprint gallery`: grid images of every artifact family and preset at severities 0.25 / 0.5 / 1.0."""

from __future__ import annotations

from pathlib import Path

import click

from ecgprint.errors import RecordError
from ecgprint.gallery import FAMILIES, write_gallery
from ecgprint.paper import Paper
from ecgprint.render import RenderConfig
from ecgprint.sources import list_source
from ecgprint.synth import example_record


@click.command("gallery")
@click.argument("record", required=False, type=click.Path())
@click.option("-o", "--output", "outdir", required=True, type=click.Path(file_okay=False), help="output folder")
@click.option("--dpi", type=float, default=100.0, show_default=True, help="page resolution of the renders")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--sheet", "sheets", multiple=True, type=click.Choice(FAMILIES + ("presets",)),
              help="only these sheets (repeatable; default: every family and the presets)")
def gallery(record, outdir, dpi, seed, sheets):
    """Write family_<name>.png per artifact family and presets.png, rendering RECORD (a WFDB record; default:
    the built-in example record)."""
    try:
        rec = next(iter(list_source(record))).load() if record else example_record()
        base = RenderConfig(paper=Paper(dpi=dpi))
    except (RecordError, ValueError, StopIteration) as exc:
        raise click.UsageError(f"{record}: {exc or 'no record found'}") from None
    for path in write_gallery(rec, Path(outdir), base, seed, tuple(sheets) or FAMILIES + ("presets",)):
        click.echo(f"wrote {path}")
