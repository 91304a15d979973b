"""`vizecg compare`: two checkpoints scored on the same pages, and their difference with a paired-bootstrap CI."""

from __future__ import annotations

import json
import sys

import click

from ecgprint.dataset.manifest import SPLITS
from vizecg.devices import DEVICES

STREAM = click.Choice(("image", "signal"))
COMPARED = ("f1", "auroc", "auprc")


@click.command("compare")
@click.argument("ckpt_a", type=click.Path(exists=True, dir_okay=False))
@click.argument("ckpt_b", type=click.Path(exists=True, dir_okay=False))
@click.option("--data", required=True, type=click.Path(exists=True, file_okay=False), help="built dataset folder")
@click.option("--split", type=click.Choice(SPLITS), default="test", show_default=True)
@click.option("--stream-a", type=STREAM, default="image", show_default=True, help="stream of CKPT_A to compare")
@click.option("--stream-b", type=STREAM, default="image", show_default=True, help="stream of CKPT_B to compare")
@click.option("--bootstrap", type=click.IntRange(1), default=1000, show_default=True, help="bootstrap resamples")
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of markdown")
@click.option("--workers", type=click.IntRange(0), default=0, show_default=True, help="data loader processes")
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True)
def compare_cmd(ckpt_a, ckpt_b, data, split, stream_a, stream_b, bootstrap, as_json, workers, device):
    """Macro F1/AUROC/AUPRC of CKPT_A and CKPT_B on the same split (thresholds from the val split for each) and
    A - B with a paired-bootstrap 95 % CI: a CI that excludes 0 is a difference these pages resolve."""
    from vizecg.evaluation.evaluate import evaluate_checkpoint, paired_comparison
    from vizecg.evaluation.report import ablation_markdown
    from vizecg.training.runtime import select_device
    try:
        device = select_device(device)
        a, b = (evaluate_checkpoint(c, data, split, workers=workers, n_bootstrap=bootstrap, device=device)
                for c in (ckpt_a, ckpt_b))
        delta = paired_comparison(a, stream_a, b, stream_b, COMPARED, bootstrap)
    except (FileNotFoundError, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps({
            **{side: {"checkpoint": e.checkpoint, "stream": s,
                      "macro": {m: dict(zip(("value", "low", "high"), e.reports[s].get(m, "macro"))) for m in COMPARED}}
               for side, e, s in (("a", a, stream_a), ("b", b, stream_b))},
            "difference": {m: dict(zip(("value", "low", "high"), v)) for m, v in delta.items()}}, indent=1))
        return
    rows = [(f"A: `{ckpt_a}`", stream_a, a.reports[stream_a]), (f"B: `{ckpt_b}`", stream_b, b.reports[stream_b])]
    click.echo(ablation_markdown(rows, f"Paired comparison on the `{split}` split of `{data}`",
                                 [("A − B", delta)]))
