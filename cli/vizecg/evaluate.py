"""`vizecg evaluate`: metrics of a checkpoint on a split, thresholds from the val split, JSON + markdown."""

from __future__ import annotations

import sys

import click

from ecgprint.dataset.manifest import SPLITS
from vizecg.devices import DEVICES


@click.command("evaluate")
@click.option("--ckpt", required=True, type=click.Path(exists=True, dir_okay=False), help="checkpoint (.pt)")
@click.option("--data", required=True, type=click.Path(exists=True, file_okay=False), help="built dataset folder")
@click.option("--split", type=click.Choice(SPLITS), default="test", show_default=True)
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False),
              help="folder for evaluation_<split>.json and .md")
@click.option("--image-only", is_flag=True, help="only the deployed image path (predict_image)")
@click.option("--bootstrap", type=click.IntRange(1), default=1000, show_default=True, help="bootstrap resamples")
@click.option("--seed", type=int, default=0, show_default=True, help="bootstrap seed")
@click.option("--batch-size", type=click.IntRange(1), default=32, show_default=True)
@click.option("--workers", type=click.IntRange(0), default=0, show_default=True, help="data loader processes")
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True)
def evaluate_cmd(ckpt, data, split, out, image_only, bootstrap, seed, batch_size, workers, device):
    """Per-label, macro and micro precision/recall/F1/AUROC/AUPRC with 95 % bootstrap CIs; prints the markdown."""
    from vizecg.evaluation.evaluate import evaluate_checkpoint
    from vizecg.evaluation.report import evaluation_markdown, write_evaluation
    from vizecg.training.runtime import select_device
    try:
        evaluation = evaluate_checkpoint(ckpt, data, split, image_only, batch_size, workers, bootstrap, seed,
                                         select_device(device))
    except (FileNotFoundError, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    write_evaluation(evaluation, out)
    click.echo(evaluation_markdown(evaluation))
