"""`ecgprint build`: dataset shards from a recipe.

The dataset modules are imported inside the command: `build --workers N` first starts the worker server,
which then imports the render stack while this process does.
"""

from __future__ import annotations

import sys
import time

import click

from ecgprint.dataset.executors import EXECUTORS
from ecgprint.dataset.pool import worker_context


@click.command("build")
@click.argument("recipe", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "out", required=True, type=click.Path(file_okay=False), help="output folder")
@click.option("--workers", type=click.IntRange(1, 256), default=1, show_default=True)
@click.option("--executor", type=click.Choice(EXECUTORS), default="local", show_default=True)
@click.option("--scheduler", default=None, help="Dask scheduler address tcp://HOST:PORT (default: a local cluster)")
@click.option("--strict", is_flag=True, help="fail if any record is quarantined")
@click.option("--overwrite", is_flag=True, help="replace a build of another recipe in OUT")
@click.option("--progress/--no-progress", default=None, help="progress bar (default: only on a terminal)")
def build_cmd(recipe, out, workers, executor, scheduler, strict, overwrite, progress):
    """Build the Parquet dataset described by RECIPE into OUT; re-running resumes an interrupted build."""
    start = time.perf_counter()
    if executor == "local" and workers > 1:
        worker_context()
    from ecgprint.dataset.build import BuildError, build
    from ecgprint.dataset.recipe import load_recipe
    try:
        summary_ = build(load_recipe(recipe), out, workers, executor, scheduler, strict, overwrite, progress)
    except (ValueError, OSError, BuildError, RuntimeError) as exc:   # ValueError: RecipeError, a path outside OUT
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    seconds = time.perf_counter() - start
    click.echo(f"{summary_.rows} images in {summary_.shards} shards ({summary_.reused} kept from a previous run), "
               f"{summary_.quarantined} quarantined, {summary_.filtered} filtered out, {seconds:.1f} s -> {out}")
