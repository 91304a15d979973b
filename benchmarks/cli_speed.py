"""Command-line speed, each figure a ratio to a floor measured in the same run (the machine is shared: absolute
times drift, ratios hold):

- start-up: `ecgprint --help`, `ecgprint render --example`, one WFDB record, in seconds above the import floor
  `python -c "import numpy, cv2"`;
- steady state per page of `ecgprint render` (N records in one call minus one record, / (N - 1)) for PNG + truth
  JSON, PNG + truth npz, PNG only and JPG, on LUDB `.dat` and CPSC 2018 `.mat` records, against the in-process
  PNG page of benchmarks/render_speed.py (render + encode + write, one OpenCV thread) on the same records; the
  truth writers' share of the page and their size;
- PNG size and encode time per zlib level, RGB and one-channel grey, on a red-grid and a grey-grid page;
- `render --workers 2` against `--workers 1` on 100 pages, and the same pages through ecgprint.batch in this
  process with each page's CPU time and process: the split of the work and its total CPU, which hold even when
  the machine has no idle core to show the wall-time ratio;
- `vizecg predict IMG --engine torch` against `--engine onnx` on one page (skipped if `--engine` is missing).

All runs are interleaved over rounds and each figure is the median. Start-up and per-page figures are given as
wall time and as CPU time (of the child process, or time.process_time in this one), the steadier figure when
other jobs load the machine. Prints one JSON line.

    python benchmarks/cli_speed.py [--rounds 3] [-n 20] [--skip-workers] [--skip-predict]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
from render_speed import per_page_ms

from ecgprint.batch import PageJob, ordered_map, write_page
from ecgprint.paper import Paper
from ecgprint.render import PNG_MODES, RenderConfig, encode_image, render
from ecgprint.sources import list_source
from ecgprint.truth_encoding import encode_json, encode_npz

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SOURCES = {"ludb": DATA / "ludb", "cpsc": DATA / "cpsc2018"}   # ODC-By 1.0 / CC BY 4.0, see docs/sources.md
ECGPRINT = [sys.executable, "-m", "cli.ecgprint"]
VARIANTS = {"png_truth": [], "png_npz": ["--truth", "npz"], "png_only": ["--no-truth"],
            "jpg": ["--no-truth", "--format", "jpg"]}


def timed(argv: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one command, end to end; it must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, cwd=Path(__file__).resolve().parents[1])
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return seconds, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def medians(runs: dict[str, list[float]]) -> dict[str, float]:
    return {name: statistics.median(values) for name, values in runs.items()}


def cpu_and_wall_ms(fn, items) -> tuple[float, float]:
    """render_speed.per_page_ms (wall) and the CPU ms per item of the same loop."""
    start = time.process_time()
    wall_ms = per_page_ms(fn, items)
    return wall_ms, 1000 * (time.process_time() - start) / len(items)


def startup(rounds: int, record: str, tmp: Path) -> dict:
    commands = {"floor": [sys.executable, "-c", "import numpy, cv2"], "help": [*ECGPRINT, "--help"],
                "example": [*ECGPRINT, "render", "--example", "-o", str(tmp / "s")],
                "wfdb_record": [*ECGPRINT, "render", record, "-o", str(tmp / "s")]}
    runs: dict[str, list[float]] = {f"{name}_{kind}": [] for name in commands for kind in ("wall", "cpu")}
    for _ in range(rounds):
        for name, argv in commands.items():
            seconds, cpu = timed(argv)
            runs[f"{name}_wall"].append(seconds)
            runs[f"{name}_cpu"].append(cpu)
    s = medians(runs)
    return {"s": {k: round(v, 3) for k, v in s.items()},
            "above_floor_s": {f"{name}_{kind}": round(s[f"{name}_{kind}"] - s[f"floor_{kind}"], 3)
                              for name in commands if name != "floor" for kind in ("wall", "cpu")}}


def in_process(paths: list[str], tmp: Path) -> dict:
    """render_speed.py's PNG file page and the truth writers on the same records, one OpenCV thread."""
    cv2.setNumThreads(1)
    records = [item.load() for path in paths for item in list_source(path)]
    config = RenderConfig(paper=Paper(dpi=200.0))
    render(records[0], config)
    results = [render(r, config) for r in records]
    out = tmp / "page.png"
    figures = {}
    for name, fn, items in (
            ("png_file", lambda r: out.write_bytes(encode_image(render(r, config).image, "png")), records),
            ("truth_json", lambda r: encode_json(r.remake_dict(), r.truth), results),
            ("truth_npz", lambda r: encode_npz(r.remake_dict(), r.truth), results)):
        figures[f"{name}_wall"], figures[f"{name}_cpu"] = cpu_and_wall_ms(fn, items)
    figures["truth_json_kb"] = statistics.mean(len(encode_json(r.remake_dict(), r.truth)) for r in results) / 1024
    figures["truth_npz_kb"] = statistics.mean(len(encode_npz(r.remake_dict(), r.truth)) for r in results) / 1024
    cv2.setNumThreads(-1)
    return figures


def steady_state(rounds: int, paths: list[str], tmp: Path) -> dict:
    """ms per page of the CLI per variant (N records minus one record), and the in-process page, interleaved."""
    runs: dict[str, list[float]] = {f"{name}_{kind}": [] for name in VARIANTS for kind in ("wall", "cpu")}
    inside: list[dict] = []
    for k in range(rounds):
        inside.append(in_process(paths, tmp))
        for name, options in VARIANTS.items():
            many = timed([*ECGPRINT, "render", *paths, "-o", str(tmp / f"{name}{k}n"), *options])
            one = timed([*ECGPRINT, "render", paths[0], "-o", str(tmp / f"{name}{k}1"), *options])
            for i, kind in enumerate(("wall", "cpu")):
                runs[f"{name}_{kind}"].append(1000 * (many[i] - one[i]) / (len(paths) - 1))
    cli = medians(runs)
    base = {key: statistics.median(r[key] for r in inside) for key in inside[0]}
    ratios = {f"{name}_vs_in_process_png_{kind}": round(cli[f"{name}_{kind}"] / base[f"png_file_{kind}"], 3)
              for name in VARIANTS for kind in ("wall", "cpu")}
    shares = {f"truth_{fmt}_share_of_page_{kind}": round(base[f"truth_{fmt}_{kind}"] / cli[f"{variant}_{kind}"], 3)
              for fmt, variant in (("json", "png_truth"), ("npz", "png_npz")) for kind in ("wall", "cpu")}
    return {"cli_ms": {k: round(v, 1) for k, v in cli.items()},
            "in_process_ms": {k: round(v, 1) for k, v in base.items()}, **ratios, **shares}


def png_options(path: str) -> dict:
    """KB and CPU ms per encode of one LUDB page for each --png-level and --png-mode, red and grey grid."""
    cv2.setNumThreads(1)
    record = next(iter(list_source(path))).load()
    table = {}
    for grid in ("red", "grey"):
        image = render(record, RenderConfig(paper=Paper(dpi=200.0, grid=grid))).image
        for mode in PNG_MODES:
            for level in (1, 3, 6, 9):
                _, cpu = cpu_and_wall_ms(lambda _: encode_image(image, "png", png_level=level, png_mode=mode), range(5))
                table[f"{grid}_{mode}_{level}"] = {"kb": len(encode_image(image, "png", 95, level, mode)) // 1024,
                                                   "cpu_ms": round(cpu, 1)}
    cv2.setNumThreads(-1)
    return table


def workers(rounds: int, paths: list[str], tmp: Path) -> dict:
    runs: dict[str, list[float]] = {"1": [], "2": []}
    for k in range(rounds):
        for n in runs:
            runs[n].append(timed([*ECGPRINT, "render", *paths, "-o", str(tmp / f"w{n}_{k}"), "--workers", n])[0])
    s = medians(runs)
    return {"pages": len(paths), "s": {k: round(v, 2) for k, v in s.items()}, "speedup": round(s["1"] / s["2"], 3)}


def timed_page(job: PageJob) -> tuple[int, float]:
    """(process id, CPU seconds) of writing one page, one OpenCV thread (as ecgprint.batch.write_pages runs it)."""
    cv2.setNumThreads(1)
    start = time.process_time()
    write_page(job)
    return os.getpid(), time.process_time() - start


def workers_split(paths: list[str], tmp: Path) -> dict:
    """Pages and CPU seconds per process for 1 and 2 workers, and the total CPU of 2 workers over 1."""
    records = [item.load() for path in paths for item in list_source(path)]
    split = {}
    for n in (1, 2):
        jobs = [PageJob(r, RenderConfig(), 0, tmp / f"split{n}", r.record_id, {}) for r in records]
        per_process: dict[int, list[float]] = {}
        for pid, cpu in ordered_map(timed_page, jobs, n):
            per_process.setdefault(pid, []).append(cpu)
        split[str(n)] = sorted(([len(v), round(sum(v), 2)] for v in per_process.values()), reverse=True)
    total = {n: sum(cpu for _, cpu in rows) for n, rows in split.items()}
    return {"pages_and_cpu_s_per_process": split, "cpu_2_vs_1": round(total["2"] / total["1"], 3)}


def predict(rounds: int, tmp: Path) -> dict:
    vizecg = [sys.executable, "-m", "cli.vizecg", "predict"]
    help_text = subprocess.run([*vizecg, "--help"], capture_output=True, text=True).stdout
    if "--engine" not in help_text:
        return {"skipped": "vizecg predict has no --engine option yet"}
    image = tmp / "example.png"
    subprocess.run([*ECGPRINT, "render", "--example", "-o", str(tmp), "--no-truth"], check=True, capture_output=True)
    runs: dict[str, list[float]] = {"torch": [], "onnx": []}
    decisions = {}
    for _ in range(rounds):
        for engine in runs:
            start = time.perf_counter()
            out = subprocess.run([*vizecg, str(image), "--json", "--engine", engine], check=True,
                                 capture_output=True, text=True).stdout
            runs[engine].append(time.perf_counter() - start)
            decisions[engine] = json.loads(out)[0].get("decisions")
    s = medians(runs)
    return {"s": {k: round(v, 2) for k, v in s.items()}, "onnx_vs_torch": round(s["onnx"] / s["torch"], 3),
            "same_decisions": decisions["torch"] == decisions["onnx"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("-n", type=int, default=20, help="records per steady-state run")
    parser.add_argument("--skip-workers", action="store_true")
    parser.add_argument("--skip-predict", action="store_true")
    args = parser.parse_args()
    if not all(path.is_dir() for path in SOURCES.values()):
        sys.exit(f"needs LUDB and CPSC 2018 records in {DATA}")
    heads = {name: sorted(str(p.with_suffix("")) for p in path.glob("*.hea")) for name, path in SOURCES.items()}
    figures: dict = {"load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        figures["startup"] = startup(args.rounds + 2, heads["ludb"][0], tmp)
        figures["png_options"] = png_options(heads["ludb"][0])
        for name, records in heads.items():
            figures[f"steady_{name}"] = steady_state(args.rounds, records[:args.n], tmp)
        if not args.skip_workers:
            figures["workers"] = workers(max(3, args.rounds), heads["cpsc"][:100], tmp)
            figures["workers_split"] = workers_split(heads["cpsc"][:100], tmp)
        if not args.skip_predict:
            figures["predict"] = predict(args.rounds, tmp)
    figures["load_after"] = os.getloadavg()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
