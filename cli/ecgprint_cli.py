"""The `ecgprint` command group (argument parsing and printing only)."""

import click

from ecgprint import __version__

from .build_cmd import build_cmd, inspect_cmd, verify_cmd
from .gallery_cmd import gallery
from .render_cmd import render_cmd
from .synth_cmd import synth


@click.group()
@click.version_option(__version__, prog_name="ecgprint")
def main():
    """Render 12-lead ECG signals as realistic printed-paper ECG images with exact ground truth."""


main.add_command(render_cmd)
main.add_command(build_cmd)
main.add_command(verify_cmd)
main.add_command(inspect_cmd)
main.add_command(synth)
main.add_command(gallery)


if __name__ == "__main__":
    main()
