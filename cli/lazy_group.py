"""A click group that imports a subcommand's module only when that subcommand runs.

Each command pulls in a different heavy stack (the renderer, the dataset builder, torch); importing all of them
costs every command, `--help` included, the start-up of the slowest, and `ecgprint build --workers N` wants to
start its worker server before the render stack is imported (see ecgprint.dataset.pool).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from pathlib import Path

import click


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

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of `--help`, each line from the command function's docstring read from its source
        file, so that listing the commands imports none of their modules (rendering, dataset, torch)."""
        commands = [(name, click.Command(name, help=_docstring(*self.lazy_commands[name].split(":")))
                     if name in self.lazy_commands else self.get_command(ctx, name))
                    for name in self.list_commands(ctx)]
        limit = formatter.width - 6 - max((len(name) for name, _ in commands), default=0)
        rows = [(name, cmd.get_short_help_str(limit)) for name, cmd in commands if cmd is not None and not cmd.hidden]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _docstring(module: str, function: str) -> str | None:
    """The docstring of `function` in `module`'s source file, without importing the module (None if not found)."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        return None
    source = Path(spec.origin).read_text()
    node = next((n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == function), None)
    return None if node is None else ast.get_docstring(node)


def lazy_group(prog_name: str, commands: dict[str, str], help_text: str) -> click.Group:
    """The top-level group of one tool: lazy subcommands, `--version` and its help text."""
    def show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
        if value and not ctx.resilient_parsing:
            import ecgprint
            click.echo(f"{prog_name}, version {ecgprint.__version__}")
            ctx.exit()

    @click.group(cls=LazyGroup, lazy_commands=commands, help=help_text)
    @click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=show_version,
                  help="Show the version and exit.")
    def main():
        pass

    return main
