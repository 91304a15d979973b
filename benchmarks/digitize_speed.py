"""Digitizer speed: CPU seconds per page of ecgprint's blind digitizer (the reader route of `vizecg predict`, at
the reader's 400 Hz) on pages spread over a built dataset, against the same pages digitized by another checkout
of the repository (--baseline DIR, e.g. `git worktree add ../old HEAD~1`) in the same command, the two
interleaved over rounds (the machine is shared: absolute times drift, ratios hold). Also how far the two
revisions' signals differ, page by page. One OpenCV thread per process. Prints one JSON line.

    python benchmarks/digitize_speed.py --pages real_benchmark [-n 30] [--rounds 3] [--baseline ../old]
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

import numpy as np
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
FS = 400.0


def sample_pages(dataset: Path, n: int, folder: Path) -> list[Path]:
    """Write `n` page images spread evenly over every page of the dataset (all splits, manifest order) to
    folder/page_NNN.img."""
    from ecgprint.dataset.manifest import Manifest
    manifest = Manifest.read(dataset)
    files = [file for split in manifest.splits for file in manifest.files(split)]
    rows = [(file, i) for file in files for i in range(pq.read_metadata(file).num_rows)]
    picked = [rows[k] for k in np.linspace(0, len(rows) - 1, min(n, len(rows))).round().astype(int)]
    images = {file: pq.read_table(file, columns=["image"]).column("image")
              for file in dict.fromkeys(file for file, _ in picked)}      # each shard read once
    out = []
    for k, (file, i) in enumerate(picked):
        out.append(folder / f"page_{k:03d}.img")
        out[-1].write_bytes(images[file][i].as_py()["bytes"])
    return out


def worker(pages: list[Path], out: Path) -> None:
    """Digitize every page (the checkout on sys.path is the one measured): CPU seconds each, and the signals."""
    import cv2

    from ecgprint.digitize.digitizer import digitize
    from ecgprint.image_decode import decode_image
    cv2.setNumThreads(1)
    images = [decode_image(p.read_bytes()) for p in pages]
    digitize(images[0], fs=FS)                        # imports and first-call set-up are not per-page work
    seconds, signals = [], {}
    for k, image in enumerate(images):
        start = time.process_time()
        try:
            signals[f"p{k}"] = digitize(image, fs=FS).signal.astype(np.float32)
        except (ValueError, cv2.error, np.linalg.LinAlgError):
            pass
        seconds.append(time.process_time() - start)
    np.savez(out, seconds=np.array(seconds), **signals)


def run(checkout: Path, pages: list[Path], out: Path) -> dict:
    """One worker process with `checkout` first on the import path."""
    env = {**os.environ, "PYTHONPATH": str(checkout), "OMP_NUM_THREADS": "1"}
    subprocess.run([sys.executable, __file__, "--worker", str(out), *map(str, pages)], check=True, env=env,
                   cwd=checkout)
    with np.load(out) as data:
        return {key: data[key] for key in data.files}


def agreement(new: dict, old: dict, n: int) -> dict:
    """Pages refused by one revision only, and per page read by both the largest |difference| in mV."""
    both = [f"p{k}" for k in range(n) if f"p{k}" in new and f"p{k}" in old]
    worst = []
    for key in both:
        a, b = new[key], old[key]
        if a.shape != b.shape or not np.array_equal(np.isfinite(a), np.isfinite(b)):
            worst.append(np.inf)
            continue
        ok = np.isfinite(a)
        worst.append(float(np.abs(a[ok] - b[ok]).max(initial=0.0)))
    worst = np.array(worst)
    return {"refused_by_one_only": sum((f"p{k}" in new) != (f"p{k}" in old) for k in range(n)),
            "read_by_both": len(both), "identical": int(np.sum(worst == 0)),
            "max_abs_mv_below_0.05": int(np.sum(worst < 0.05)), "max_abs_mv_median": float(np.median(worst)),
            "other_samples_or_layout": int(np.sum(np.isinf(worst)))}


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        worker([Path(p) for p in sys.argv[3:]], Path(sys.argv[2]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, required=True, help="a built dataset (ecgprint build)")
    parser.add_argument("-n", type=int, default=30, help="pages, spread over the dataset")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", type=Path, default=None, help="another checkout of this repository")
    args = parser.parse_args()
    revisions = {"current": ROOT} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
    with tempfile.TemporaryDirectory() as tmp:
        pages = sample_pages(args.pages.resolve(), args.n, Path(tmp))
        per_page = {name: [] for name in revisions}
        results = {}
        for r in range(args.rounds):
            for name, checkout in revisions.items():
                results[name] = run(checkout, pages, Path(tmp) / f"{name}_{r}.npz")
                per_page[name].append(float(np.mean(results[name]["seconds"])))
    out = {"pages": len(pages), "rounds": args.rounds, "fs": FS,
           "cpu_s_per_page": {name: round(statistics.median(v), 3) for name, v in per_page.items()},
           "rounds_s_per_page": {name: [round(x, 3) for x in v] for name, v in per_page.items()}}
    if args.baseline:
        out["ratio_current_to_baseline"] = round(out["cpu_s_per_page"]["current"]
                                                 / out["cpu_s_per_page"]["baseline"], 3)
        out["agreement"] = agreement(results["current"], results["baseline"], len(pages))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
