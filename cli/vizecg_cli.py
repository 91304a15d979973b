"""The `vizecg` command group (argument parsing and printing only); model commands register here."""

import click

from ecgprint import __version__

from .lazy_group import LazyGroup

COMMANDS = {
    "train": ".vizecg_train:train_cmd",
    "evaluate": ".vizecg_evaluate:evaluate_cmd",
    "ablate": ".vizecg_ablate:ablate_cmd",
    "compare": ".vizecg_compare:compare_cmd",
    "predict": ".vizecg_predict:predict_cmd",
    "export": ".vizecg_export:export_cmd",
    "robustness": ".vizecg_robustness:robustness_cmd",
    "explain": ".vizecg_explain:explain_cmd",
}


@click.group(cls=LazyGroup, lazy_commands=COMMANDS)
@click.version_option(__version__, prog_name="vizecg")
def main():
    """Classify ECG images with VizECGNet (signal-to-image knowledge distillation)."""


if __name__ == "__main__":
    main()
