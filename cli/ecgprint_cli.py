"""The `ecgprint` command group (argument parsing and printing only)."""

import click

from ecgprint import __version__

from .lazy_group import LazyGroup

COMMANDS = {
    "render": ".render_cmd:render_cmd",
    "build": ".build_cmd:build_cmd",
    "verify": ".build_cmd:verify_cmd",
    "inspect": ".build_cmd:inspect_cmd",
    "synth": ".synth_cmd:synth",
    "gallery": ".gallery_cmd:gallery",
}


@click.group(cls=LazyGroup, lazy_commands=COMMANDS)
@click.version_option(__version__, prog_name="ecgprint")
def main():
    """Render 12-lead ECG signals as realistic printed-paper ECG images with exact ground truth."""


if __name__ == "__main__":
    main()
