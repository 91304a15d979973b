"""`vizecg thresholds`: give a checkpoint the decision thresholds a k-fold benchmark chose on out-of-fold real pages."""

from __future__ import annotations

import sys

import click


@click.command("thresholds")
@click.argument("ckpt", type=click.Path(exists=True, dir_okay=False))
@click.option("--benchmark", required=True, type=click.Path(exists=True),
              help="benchmark.json (or its folder) of `vizecg benchmark` with the checkpoint's training recipe")
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False), help="checkpoint to write")
def thresholds_cmd(ckpt, benchmark, out):
    """Write CKPT's weights to OUT with the image thresholds chosen on a benchmark's out-of-fold real pages."""
    from vizecg.evaluation.deploy import apply_benchmark_thresholds
    try:
        source = apply_benchmark_thresholds(ckpt, benchmark, out)
    except (FileNotFoundError, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    values = " ".join(f"{label}={value:.3f}" for label, value in source["values"].items())
    click.echo(f"thresholds {values} -> {out}")
