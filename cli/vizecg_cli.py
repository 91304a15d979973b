"""The `vizecg` command group (argument parsing and printing only); model commands register here."""

import click

from ecgprint import __version__

from .vizecg_ablate import ablate_cmd
from .vizecg_evaluate import evaluate_cmd
from .vizecg_explain import explain_cmd
from .vizecg_export import export_cmd
from .vizecg_predict import predict_cmd
from .vizecg_robustness import robustness_cmd
from .vizecg_train import train_cmd


@click.group()
@click.version_option(__version__, prog_name="vizecg")
def main():
    """Classify ECG images with VizECGNet (signal-to-image knowledge distillation)."""


main.add_command(train_cmd)
main.add_command(evaluate_cmd)
main.add_command(ablate_cmd)
main.add_command(predict_cmd)
main.add_command(export_cmd)
main.add_command(robustness_cmd)
main.add_command(explain_cmd)


if __name__ == "__main__":
    main()
