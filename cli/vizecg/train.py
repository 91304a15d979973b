"""`vizecg train`: train VizECGNet or a baseline on a built dataset, or continue a run (also under torchrun)."""

from __future__ import annotations

import logging
import sys
from dataclasses import replace

import click
from click.core import ParameterSource

from vizecg.training.config import RunError

from .options import ablation_switches, run_options, runtime_options, train_config

RUNTIME_PARAMS = {"resume_dir", "device", "workers", "threads", "progress"}


@click.command("train")
@run_options
@ablation_switches
@click.option("--train-part", "train_parts", multiple=True, metavar="DIR:SPLIT",
              help="also train on this split of another built dataset (repeatable), e.g. every fold of real_train "
                   "for a model to ship")
@click.option("-o", "--out", type=click.Path(file_okay=False), help="new run folder")
@click.option("--resume", "resume_dir", type=click.Path(exists=True, file_okay=False),
              help="continue this run folder with its stored settings")
@runtime_options
@click.pass_context
def train_cmd(ctx, resume_dir, train_parts, out, device, workers, threads, progress, **options):
    """Train on --data into a new run folder -o RUN, or --resume RUN. Same command under torchrun for DDP."""
    if resume_dir is not None:
        given = sorted(name for name in ctx.params if name not in RUNTIME_PARAMS
                       and ctx.get_parameter_source(name) == ParameterSource.COMMANDLINE)
        if given:
            raise click.UsageError(f"--resume continues a run with its stored settings; drop {given}")
    elif options["data"] is None or out is None:
        raise click.UsageError("need --data and -o/--out (or --resume RUN)")
    config = None if resume_dir is not None else replace(train_config(options), train_parts=train_parts)
    from vizecg.training.runtime import using_runtime  # torch: only once the options are known to be usable
    from vizecg.training.trainer import BEST, resume, train
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        with using_runtime(None, device, threads) as runtime:
            if resume_dir is not None:
                rows, out = resume(resume_dir, runtime, workers, progress), resume_dir
            else:
                rows = train(config, out, runtime, workers, progress)
    except (RunError, FileNotFoundError, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    best = [row for row in rows if row["best"]]
    if best:
        metrics = " ".join(f"{k}={v:.4f}" for k, v in best[-1].items()
                           if k.startswith("val_") and isinstance(v, float))
        click.echo(f"best epoch {best[-1]['epoch']}: {metrics} -> {out}/{BEST}")
