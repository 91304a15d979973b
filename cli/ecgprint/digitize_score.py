"""`ecgprint digitize-score`: score a digitized WFDB record against the reference, Challenge 2024 SNR."""

from __future__ import annotations

import json

import click


@click.command("digitize-score")
@click.argument("truth")
@click.argument("pred")
@click.option("--page", type=click.Path(exists=True, dir_okay=False),
              help="the page's truth JSON: score only the samples printed on it (Challenge masking)")
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of a table")
def digitize_score_cmd(truth, pred, page, as_json):
    """Per-lead SNR (PhysioNet Challenge 2024), Pearson r, RMS error and best shift of PRED against TRUTH
    (WFDB header paths); the mean SNR is the Challenge's score (docs/digitization.md)."""
    from ecgprint.digitize.score import format_table, score_records
    try:
        score = score_records(truth, pred, page)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(score.to_dict(), indent=1) if as_json else format_table(score))
