"""`vizecg benchmark`: the real-record benchmark, out of fold (one model per patient-disjoint fold) or of one
checkpoint; writes benchmark.json, benchmark.md and predictions.csv and prints the markdown."""

from __future__ import annotations

import click
from click.core import ParameterSource

from .options import ablation_switches, print_table, run_options, runtime_options, train_config

CHECKPOINT_PARAMS = {"ckpt", "real", "out", "bootstrap", "held_out", "held_out_split", "batch_size", "device",
                     "workers", "threads", "progress"}


@click.command("benchmark")
@click.option("--real", required=True, type=click.Path(exists=True, file_okay=False),
              help="real benchmark dataset, one split per fold (ecgprint build data_recipes/real_benchmark.toml)")
@click.option("--real-train", type=click.Path(exists=True, file_okay=False),
              help="real pages the fold models train on (same records and folds as --real; default: --real itself)")
@click.option("--ckpt", type=click.Path(exists=True, dir_okay=False),
              help="score this checkpoint on every real page instead of training a model per fold")
@click.option("--held-out", type=click.Path(exists=True, dir_okay=False),
              help="with --ckpt: also report the records this recipe's split --held-out-split held out from training")
@click.option("--held-out-split", default="test", show_default=True)
@click.option("--folds", "only", default=None, help="comma-separated folds to train and report (at least two; "
              "default: all): split the folds between processes, then run without it to pool them all")
@run_options
@ablation_switches
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False), help="folder for fold runs and results")
@click.option("--bootstrap", type=click.IntRange(1), default=1000, show_default=True, help="bootstrap resamples")
@runtime_options
@click.pass_context
def benchmark_cmd(ctx, real, real_train, ckpt, held_out, held_out_split, only, out, bootstrap, device, workers, threads,
                  progress, **options):
    """Train on --data (synthetic, train/val splits) plus the other folds of --real, predict each fold's real pages
    out of fold, and report per-label AUROC, F1 and false-positive rates with CIs over patients; or --ckpt: the
    same metrics of one checkpoint on every real page."""
    given = {name for name in ctx.params if ctx.get_parameter_source(name) == ParameterSource.COMMANDLINE}
    if ckpt is not None and given - CHECKPOINT_PARAMS:
        raise click.UsageError(f"--ckpt scores a trained checkpoint; drop {sorted(given - CHECKPOINT_PARAMS)}")
    if ckpt is None and (options["data"] is None or held_out is not None):
        raise click.UsageError("training per fold needs --data (and takes no --held-out); or give --ckpt")
    config = None if ckpt is not None else train_config(options)
    from vizecg.evaluation.benchmark import run_benchmark, score_checkpoint  # torch: once the options are usable

    def make_table(runtime):
        if ckpt is not None:
            return score_checkpoint(ckpt, real, out, held_out, held_out_split, options["batch_size"], workers,
                                    runtime.device, bootstrap)
        return run_benchmark(config, real, out, runtime, workers, progress, bootstrap, real_train,
                             None if only is None else only.split(","))

    print_table(device, threads, make_table)
