"""Dataset build speed: images/s of a recipe's build with 1 and 2 workers, and the render-only rate of the
same rows (load record, render, encode; no signal/truth storage, Parquet or manifest) in the same run.
In-process builds run with the worker server already started (as the render-only rate excludes imports);
the `ecgprint build` command, timed end to end with 1 and 2 workers, includes start-up and imports.
All measures are interleaved over rounds and each is the median, so drift in the VM's speed hits all alike.
Prints one JSON line.

    python benchmarks/build_speed.py [data_recipes/demo.toml] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2

from ecgprint.dataset.build import build
from ecgprint.dataset.plan import make_plan, source_items
from ecgprint.dataset.pool import worker_context
from ecgprint.dataset.recipe import load_recipe
from ecgprint.dataset.worker import row_config
from ecgprint.render import encode_image, render

ROOT = Path(__file__).resolve().parents[1]


def render_only(recipe) -> tuple[int, float]:
    """Rows of the plan made the plain way: load each record, render and encode every variant cell."""
    cv2.setNumThreads(1)
    rows = [(shard, spec) for shard in make_plan(recipe) for spec in shard.rows]
    start = time.perf_counter()
    last = None
    for _shard, spec in rows:
        if last is None or last[0] != (spec.source, spec.item):
            last = ((spec.source, spec.item), source_items(recipe, spec.source)[spec.item].load())
        variant = recipe.variants[spec.variant]
        _row, seed, config = row_config(recipe, spec, last[1].record_id)
        encode_image(render(last[1], config, seed).image, variant.format, variant.quality)
    return len(rows), time.perf_counter() - start


def timed_build(recipe, workers: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        build(recipe, Path(tmp) / "out", workers=workers, progress=False)
        return time.perf_counter() - start


def timed_cli(recipe_path: str, workers: int) -> float:
    """Wall time of `ecgprint build` in a fresh interpreter: what a user waits for."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "cli.ecgprint", "build", recipe_path, "-o", str(Path(tmp) / "out"),
                        "--workers", str(workers), "--no-progress"], check=True, cwd=ROOT, capture_output=True)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("recipe", nargs="?", default=str(ROOT / "data_recipes" / "demo.toml"))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    recipe = load_recipe(args.recipe)
    worker_context()   # the server imports the worker code in the background while render-only runs
    times: dict[str, list[float]] = {"render": [], "build1": [], "build2": [], "cli1": [], "cli2": []}
    for _ in range(args.rounds):
        n, t = render_only(recipe)
        times["render"].append(t)
        times["build1"].append(timed_build(recipe, 1))
        times["build2"].append(timed_build(recipe, 2))
        times["cli1"].append(timed_cli(args.recipe, 1))
        times["cli2"].append(timed_cli(args.recipe, 2))
    t_render, t1, t2, c1, c2 = (statistics.median(times[k]) for k in times)
    print(json.dumps({
        "recipe": Path(args.recipe).name, "images": n, "cpus": os.cpu_count(), "rounds": args.rounds,
        "render_only_img_s": round(n / t_render, 1), "build_1_worker_img_s": round(n / t1, 1),
        "build_2_workers_img_s": round(n / t2, 1), "build_overhead": round(t1 / t_render - 1, 3),
        "speedup_2_workers": round(t1 / t2, 2), "cli_1_worker_s": round(c1, 2), "cli_2_workers_s": round(c2, 2),
        "cli_speedup_2_workers": round(c1 / c2, 2),
        "seconds": {k: [round(x, 2) for x in v] for k, v in times.items()},
    }))


if __name__ == "__main__":
    main()
