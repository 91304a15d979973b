"""The `vizecg` command group (argument parsing and printing only); model commands register here."""

import click

from ecgprint import __version__

from ..lazy_group import LazyGroup

COMMANDS = {
    "train": "cli.vizecg.train:train_cmd",
    "evaluate": "cli.vizecg.evaluate:evaluate_cmd",
    "ablate": "cli.vizecg.ablate:ablate_cmd",
    "compare": "cli.vizecg.compare:compare_cmd",
    "predict": "cli.vizecg.predict:predict_cmd",
    "export": "cli.vizecg.export:export_cmd",
    "robustness": "cli.vizecg.robustness:robustness_cmd",
    "explain": "cli.vizecg.explain:explain_cmd",
}


@click.group(cls=LazyGroup, lazy_commands=COMMANDS)
@click.version_option(__version__, prog_name="vizecg")
def main():
    """Classify ECG images with VizECGNet (signal-to-image knowledge distillation)."""
