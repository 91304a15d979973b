"""The `vizecg` command group (argument parsing and printing only); model commands register here."""

import click

from ecgprint import __version__


@click.group()
@click.version_option(__version__, prog_name="vizecg")
def main():
    """Classify ECG images with VizECGNet (signal-to-image knowledge distillation)."""
