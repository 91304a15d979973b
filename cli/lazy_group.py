"""A click group that imports a subcommand's module only when that subcommand runs.

Each command pulls in a different heavy stack (the renderer, the dataset builder, torch); importing all of them
costs every command, `--help` included, the start-up of the slowest, and `ecgprint build --workers N` wants to
start its worker server before the render stack is imported (see ecgprint.dataset.pool).
"""

from __future__ import annotations

import importlib

import click

from ecgprint import __version__


class LazyGroup(click.Group):
    """`lazy_commands` maps a command name to "module:attribute" (absolute module path)."""

    def __init__(self, *args, lazy_commands: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_commands = lazy_commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy_commands])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = self.lazy_commands.get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        module, attribute = target.split(":")
        return getattr(importlib.import_module(module), attribute)


def lazy_group(prog_name: str, commands: dict[str, str], help_text: str) -> click.Group:
    """The top-level group of one tool: lazy subcommands, `--version` and its help text."""
    @click.group(cls=LazyGroup, lazy_commands=commands, help=help_text)
    @click.version_option(__version__, prog_name=prog_name)
    def main():
        pass

    return main
