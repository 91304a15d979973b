"""The `ecgprint` command group (argument parsing and printing only)."""

import click

from ecgprint import __version__

from ..lazy_group import LazyGroup

COMMANDS = {
    "render": "cli.ecgprint.render:render_cmd",
    "build": "cli.ecgprint.build:build_cmd",
    "verify": "cli.ecgprint.verify:verify_cmd",
    "inspect": "cli.ecgprint.inspect:inspect_cmd",
    "synth": "cli.ecgprint.synth:synth",
    "gallery": "cli.ecgprint.gallery:gallery",
}


@click.group(cls=LazyGroup, lazy_commands=COMMANDS)
@click.version_option(__version__, prog_name="ecgprint")
def main():
    """Render 12-lead ECG signals as realistic printed-paper ECG images with exact ground truth."""
