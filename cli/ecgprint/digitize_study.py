"""`ecgprint digitize-study`: the baseline digitizer on every page of a built dataset, SNR per preset x severity."""

from __future__ import annotations

import click


@click.command("digitize-study")
@click.argument("dataset", type=click.Path(exists=True, file_okay=False))
@click.option("-o", "--output", "out", required=True, type=click.Path(file_okay=False), help="output folder")
@click.option("--split", default=None, help="only this split (default: every split)")
@click.option("--oracle/--no-oracle", default=True, show_default=True,
              help="also digitize with the page truth's geometry (measures trace extraction alone)")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="worker processes")
def digitize_study_cmd(dataset, out, split, oracle, workers):
    """Digitize every page of DATASET blind (and with oracle geometry), score each against its stored signal with
    the Challenge 2024 SNR; write OUTPUT/study.csv, study.json, curves.png, heatmap.png (docs/digitization.md)."""
    from ecgprint.digitize.study import run_study, summarise, write_study

    try:
        scores = run_study(dataset, split, ("blind", "oracle") if oracle else ("blind",), workers)
        paths = write_study(scores, dataset, out)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    for cell in summarise(scores):
        click.echo(f"{cell['preset']:<12} {cell['severity']:<5g} {cell['mode']:<7} median SNR "
                   f"{cell['median_snr_db']} dB ({cell['pages']} pages, {cell['failed']} failed)")
    click.echo(f"wrote {', '.join(str(p) for p in paths)}")
