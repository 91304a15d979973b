"""`vizecg robustness`: a checkpoint's accuracy as print quality falls, over presets (or single artifacts) and
severities; CSV/JSON/markdown tables and plots."""

from __future__ import annotations

import sys

import click

from ecgprint.artifacts import PRESETS
from ecgprint.dataset.manifest import SPLITS
from vizecg.devices import DEVICES
from vizecg.robustness.study import SEVERITIES, THRESHOLD_SOURCES


def names(ctx, param, value: str | None) -> tuple[str, ...]:
    """Comma-separated names -> a tuple (empty for no value)."""
    return tuple(v.strip() for v in (value or "").split(",") if v.strip())


def severities(ctx, param, value: str) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in value.split(","))
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected comma-separated numbers, e.g. 0,0.5,1") from None


@click.command("robustness")
@click.option("--ckpt", type=click.Path(exists=True, dir_okay=False), default=None,
              help="checkpoint [default: the bundled one in vizecg/weights/]")
@click.option("--data", required=True, type=click.Path(exists=True, file_okay=False), help="built dataset folder")
@click.option("--split", type=click.Choice(SPLITS), default="test", show_default=True)
@click.option("--presets", callback=names, default=",".join(PRESETS), show_default=True,
              help="comma-separated artifact presets ('' for none)")
@click.option("--severities", "severity_list", callback=severities, default=",".join(f"{s:g}" for s in SEVERITIES),
              show_default=True)
@click.option("--artifacts", callback=names, default=None,
              help="comma-separated artifacts, each alone on the clean page (a family name, e.g. scanner, "
                   "means each of its artifacts): the per-artifact sensitivity table")
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False), help="output folder")
@click.option("--limit", type=click.IntRange(1), default=None, help="first N records of the split")
@click.option("--val-limit", type=click.IntRange(1), default=None,
              help="first N records of the val split for --thresholds val [default: all]")
@click.option("--seed", type=int, default=0, show_default=True, help="render and bootstrap seed")
@click.option("--thresholds", type=click.Choice(THRESHOLD_SOURCES), default="val", show_default=True,
              help="val: chosen on the dataset's val split printed clean; checkpoint: the stored ones")
@click.option("--dpi", type=float, default=None, help="print resolution [default: each row's own]")
@click.option("--bootstrap", type=click.IntRange(1), default=200, show_default=True, help="bootstrap resamples")
@click.option("--batch-size", type=click.IntRange(1), default=16, show_default=True)
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True)
def robustness_cmd(ckpt, data, split, presets, severity_list, artifacts, out, limit, val_limit, seed, thresholds,
                   dpi, bootstrap, batch_size, device):
    """Re-print the split's signals in every preset x severity cell (a fixed seed per record), predict from the
    images alone, and write cells.csv (per label), summary.csv/.md (per cell), study.json and
    curves/heatmap/samples.png to OUT."""
    from vizecg.robustness.checkpoint import checkpoint_study
    from vizecg.robustness.plots import plot_study
    from vizecg.robustness.report import summary_markdown, write_study
    from vizecg.training.runtime import select_device
    if not presets and not artifacts:
        raise click.UsageError("give --presets or --artifacts")
    try:
        study = checkpoint_study(data, ckpt, split, presets, severity_list, seed, artifacts, limit, val_limit, dpi,
                                 thresholds, bootstrap, select_device(device), batch_size,
                                 progress=lambda line: click.echo(line, err=True))
    except (FileNotFoundError, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    write_study(study, out)
    plot_study(study, out)
    click.echo(summary_markdown(study))
