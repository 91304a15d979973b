"""`ecgprint digitize`: a page image -> a WFDB record plus a JSON of where each lead was found."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command("digitize")
@click.argument("page", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", "outdir", required=True, type=click.Path(file_okay=False), help="output folder")
@click.option("--fs", type=click.FloatRange(50, 5000), default=500.0, show_default=True, help="output rate, Hz")
@click.option("--oracle-geometry", "oracle", type=click.Path(exists=True, dir_okay=False),
              help="the page's ecgprint truth JSON: use its exact warp and layout (measures trace extraction only)")
@click.option("--layout", type=click.Choice(["3x4", "3x4_cabrera", "6x2", "12x1"]),
              help="the page's layout (default: guessed from the number of rows)")
@click.option("--rhythm", default=None, help="rhythm-strip leads with --layout, comma-separated, or 'none'")
@click.option("--name", default=None, help="record name (default: the image's file name)")
def digitize_cmd(page, outdir, fs, oracle, layout, rhythm, name):
    """Digitize PAGE (PNG/JPEG of a printed 12-lead ECG) into OUTPUT/<name>.hea/.dat (mV) and <name>_leads.json
    (docs/digitization.md)."""
    import cv2

    from ecgprint.digitize.digitizer import digitize
    from ecgprint.sources.wfdb_source import write_wfdb

    image = cv2.imread(page, cv2.IMREAD_COLOR)
    if image is None:
        raise click.ClickException(f"{page}: not a readable image")
    truth = None
    if oracle:
        try:
            truth = json.loads(Path(oracle).read_text())
        except ValueError as exc:
            raise click.ClickException(f"{oracle}: not JSON ({exc})") from None
    strips = None if rhythm is None else tuple(s.strip() for s in rhythm.split(",") if s.strip() != "none")
    if strips is not None and layout is None:
        raise click.UsageError("--rhythm needs --layout")
    name = name or Path(page).stem
    try:
        result = digitize(cv2.cvtColor(image, cv2.COLOR_BGR2RGB), fs, truth, layout, strips)
        record = result.record(name)
    except ValueError as exc:
        raise click.ClickException(f"{page}: {exc}") from None
    out = Path(outdir)
    write_wfdb([record], out)
    (out / f"{name}_leads.json").write_text(json.dumps(result.found(), indent=1))
    click.echo(f"wrote {out / name}.hea ({len(result.geometry.panels)} segments, layout {result.geometry.layout})")
