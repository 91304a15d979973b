"""`ecgprint verify`: check a built dataset against its manifest."""

from __future__ import annotations

import sys

import click


@click.command("verify")
@click.argument("out", type=click.Path(file_okay=False))
def verify_cmd(out):
    """Check every shard of a built dataset against its manifest; exit 1 on any problem."""
    from ecgprint.dataset.verify import verify
    problems = verify(out)
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    if problems:
        sys.exit(1)
    click.echo(f"ok: {out}")
