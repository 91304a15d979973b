"""Dataset build speed: images/s of a recipe's build with 1 and 2 workers, and the render-only rate of the
same rows (load record, render, encode; no signal/truth storage, Parquet or manifest) in the same run.
Prints one JSON line.

    python benchmarks/build_speed.py [data_recipes/demo.toml]
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import cv2

from ecgprint.dataset.build import build
from ecgprint.dataset.plan import make_plan, source_items
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


def main() -> None:
    recipe_path = sys.argv[1] if len(sys.argv) > 1 else ROOT / "data_recipes" / "demo.toml"
    recipe = load_recipe(recipe_path)
    n, t_render = render_only(recipe)
    t1, t2 = timed_build(recipe, 1), timed_build(recipe, 2)
    print(json.dumps({
        "recipe": str(Path(recipe_path).name), "images": n, "cpus": os.cpu_count(),
        "render_only_img_s": round(n / t_render, 1), "build_1_worker_img_s": round(n / t1, 1),
        "build_2_workers_img_s": round(n / t2, 1), "build_overhead": round(t1 / t_render - 1, 3),
        "speedup_2_workers": round(t1 / t2, 2),
    }))


if __name__ == "__main__":
    main()
