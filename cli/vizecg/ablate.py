"""`vizecg ablate`: baselines and ablations with one seed and budget, evaluated on test, as a markdown table."""

from __future__ import annotations

import click

from vizecg.training.config import ABLATIONS

from .options import print_table, run_options, runtime_options, train_config


def parse_runs(ctx, param, value: str | None) -> tuple[str, ...]:
    """Comma-separated run names (checked by run_ablation); all runs when absent."""
    return tuple(ABLATIONS) if value is None else tuple(v.strip() for v in value.split(",") if v.strip())


@click.command("ablate")
@run_options
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False), help="folder for all runs and tables")
@click.option("--runs", callback=parse_runs, default=None, help=f"comma-separated subset of: {', '.join(ABLATIONS)}")
@click.option("--bootstrap", type=click.IntRange(1), default=1000, show_default=True, help="bootstrap resamples")
@runtime_options
def ablate_cmd(out, runs, bootstrap, device, workers, threads, progress, **options):
    """Train and evaluate signal-only, image-only, VizECGNet without KD / CMAM / SMAM, VizECGNet, and VizECGNet
    with its teacher detached from the image stream's losses."""
    if options["data"] is None:
        raise click.UsageError("need --data")
    config = train_config(options)
    from vizecg.training.ablate import run_ablation  # torch: only once the options are known to be usable
    print_table(device, threads, lambda runtime: run_ablation(config, out, runs, runtime, workers, progress, bootstrap))
