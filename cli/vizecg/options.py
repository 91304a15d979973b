"""Click options shared by `vizecg train`, `ablate` and `benchmark`, their conversion to a TrainConfig, and the
run-then-print-a-table step of the commands that train several runs."""

from __future__ import annotations

import dataclasses
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from vizecg.devices import DEVICES
from vizecg.models.config import STREAMS, VIZECGNET_CONFIGS
from vizecg.preprocess import InputSpec
from vizecg.training.config import RunError, TrainConfig

if TYPE_CHECKING:
    from vizecg.training.runtime import Runtime

DEFAULTS = {f.name: f.default for f in dataclasses.fields(TrainConfig)}
SPEC = InputSpec()


def parse_size(ctx, param, value: str) -> tuple[int, int]:
    """`HxW` (e.g. 272x352) -> (height, width)."""
    try:
        height, width = (int(v) for v in value.lower().split("x"))
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected HEIGHTxWIDTH, e.g. 272x352") from None
    return height, width


def stack(*decorators: Callable) -> Callable:
    def apply(func: Callable) -> Callable:
        for decorator in reversed(decorators):
            func = decorator(func)
        return func
    return apply


run_options = stack(
    click.option("--data", type=click.Path(exists=True, file_okay=False), help="built dataset folder (ecgprint build)"),
    click.option("--config", type=click.Choice(sorted(VIZECGNET_CONFIGS)), default=DEFAULTS["config"],
                 show_default=True, help="named model configuration"),
    click.option("--epochs", type=click.IntRange(1), default=DEFAULTS["epochs"], show_default=True),
    click.option("--batch-size", type=click.IntRange(1), default=DEFAULTS["batch_size"], show_default=True),
    click.option("--lr", type=float, default=DEFAULTS["lr"], show_default=True, help="Adam learning rate (cosine "
                 "annealed to 0 over all steps)"),
    click.option("--weight-decay", type=float, default=DEFAULTS["weight_decay"], show_default=True),
    click.option("--seed", type=int, default=DEFAULTS["seed"], show_default=True),
    click.option("--kd-temperature", type=float, default=DEFAULTS["kd_temperature"], show_default=True),
    click.option("--modality-dropout", type=float, default=DEFAULTS["modality_dropout"], show_default=True,
                 help="share of training samples whose image stream sees the learned substitute signal token"),
    click.option("--image-size", callback=parse_size, default=f"{SPEC.image_height}x{SPEC.image_width}",
                 show_default=True, help="model input HEIGHTxWIDTH in pixels"),
    click.option("--image-patch", type=click.IntRange(1, 8), default=DEFAULTS["image_patch"], show_default=True,
                 help="the image encoder folds PxP pixel blocks into channels first: a P-times larger input for "
                 "little more compute"),
    click.option("--signal-fs", type=float, default=SPEC.signal_fs, show_default=True, help="signal input Hz"),
    click.option("--signal-samples", type=int, default=SPEC.signal_samples, show_default=True,
                 help="signal input length (a multiple of 256)"),
    click.option("--keep-checkpoints", type=click.IntRange(1), default=DEFAULTS["keep_checkpoints"],
                 show_default=True, help="epoch checkpoints kept (best.pt is kept separately)"),
)

ablation_switches = stack(
    click.option("--streams", type=click.Choice(STREAMS), default=DEFAULTS["streams"], show_default=True,
                 help="both = VizECGNet; signal or image = single-modality baseline"),
    click.option("--no-cmam", is_flag=True, help="ablation: no cross-modal attention"),
    click.option("--no-smam", is_flag=True, help="ablation: no self-modal attention"),
    click.option("--kd-weight", type=float, default=DEFAULTS["kd_weight"], show_default=True,
                 help="weight of the signal-to-image KD loss (0 = no KD)"),
    click.option("--detach-signal-context", is_flag=True, help="the image stream's CMAM reads the signal token "
                 "without gradient: image-stream losses do not train the teacher's signal encoder"),
)

runtime_options = stack(
    click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True),
    click.option("--workers", type=click.IntRange(0), default=1, show_default=True, help="data loader processes"),
    click.option("--threads", type=click.IntRange(1), default=None,
                 help="CPU threads per process [default: cores / processes on this node]"),
    click.option("--progress/--no-progress", default=None, help="progress bar (default: only on a terminal)"),
)


def train_config(options: dict[str, Any]) -> TrainConfig:
    """A validated TrainConfig from the parsed options (ablation switches at their defaults when absent)."""
    height, width = options["image_size"]
    try:
        return TrainConfig(
            data=options["data"], config=options["config"], epochs=options["epochs"],
            batch_size=options["batch_size"], lr=options["lr"], weight_decay=options["weight_decay"],
            seed=options["seed"], streams=options.get("streams", DEFAULTS["streams"]),
            cmam=not options.get("no_cmam", False), smam=not options.get("no_smam", False),
            kd_weight=options.get("kd_weight", DEFAULTS["kd_weight"]), kd_temperature=options["kd_temperature"],
            modality_dropout=options["modality_dropout"],
            detach_signal_context=options.get("detach_signal_context", False),
            spec=InputSpec(height, width, options["signal_fs"], options["signal_samples"]),
            image_patch=options["image_patch"],
            keep_checkpoints=options["keep_checkpoints"])
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def print_table(device: str, threads: int | None, make_table: Callable[[Runtime], Path]) -> None:
    """Run `make_table` under a runtime (logging to stderr) and print the table it wrote (main rank only);
    a run that cannot start or continue is a one-line error and exit status 1."""
    from vizecg.training.runtime import using_runtime
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        with using_runtime(None, device, threads) as runtime:
            table = make_table(runtime)
    except (RunError, FileNotFoundError, ValueError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    if runtime.is_main:
        click.echo(table.read_text())
