"""Render speed: ms per page for raster only, PNG file and JPEG file, against a minimal OpenCV baseline
(grid lines + the same 12-lead polylines + encode) measured in the same run; ms per clean page in a random
drawing style (seeded_style(record index), 100-200 dpi, its grid computed afresh for nearly every page); then
ms per page for every artifact preset at one severity (render + artifacts, seed = record index) and its ratio
to the clean preset, interleaved page by page. Prints one JSON line.

    python benchmarks/render_speed.py [-n 30] [--dpi 200] [--severity 0.5]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from ecgprint.artifacts import PRESETS
from ecgprint.paper import Paper
from ecgprint.render import PNG_PARAMS, RenderConfig, encode_image, line_thickness_px, render
from ecgprint.style import seeded_style

LUDB = Path(__file__).resolve().parents[2] / "shared" / "data" / "ludb"


def load_records(n: int):
    """Real LUDB records when ../shared/data is present (ODC-By 1.0, see docs/sources.md), else synthetic."""
    if LUDB.is_dir():
        from ecgprint.sources import list_source
        items = list(list_source(LUDB))[:n]
        return [item.load() for item in items], "ludb"
    from ecgprint.synth import SynthConfig, synth_record
    return [synth_record(i, SynthConfig()) for i in range(n)], "synthetic"


def baseline_raster(paper: Paper, polylines: list[np.ndarray], thickness: int) -> np.ndarray:
    """What a minimal OpenCV renderer does: one cv2.line per grid line, then the raw polylines."""
    w, h = paper.size_px
    img = np.full((h, w, 3), 255, np.uint8)
    ppmm = paper.px_per_mm
    for k in range(int(paper.size_mm[0]) + 1):
        x = int(round(k * ppmm))
        cv2.line(img, (x, 0), (x, h - 1), (235, 95, 95) if k % 5 == 0 else (250, 175, 175), 1)
    for k in range(int(paper.size_mm[1]) + 1):
        y = int(round(k * ppmm))
        cv2.line(img, (0, y), (w - 1, y), (235, 95, 95) if k % 5 == 0 else (250, 175, 175), 1)
    cv2.polylines(img, [np.rint(p * 16).astype(np.int32) for p in polylines], False, (0, 0, 0), thickness,
                  cv2.LINE_AA, 4)
    return img


def per_page_ms(fn, items) -> float:
    start = time.perf_counter()
    for item in items:
        fn(item)
    return 1000 * (time.perf_counter() - start) / len(items)


def preset_ms(records, config: RenderConfig, severity: float) -> tuple[dict[str, float], dict[str, float]]:
    """Wall and CPU ms per page for every preset (render + artifacts, seed = record index). Presets are
    interleaved page by page, so the ratio to `clean` holds even when other work on the machine comes and goes;
    CPU time (time.process_time, one thread) is the steadier figure on a shared machine."""
    configs = {name: dataclasses.replace(config, preset=name, severity=severity) for name in PRESETS}
    wall, cpu = dict.fromkeys(configs, 0.0), dict.fromkeys(configs, 0.0)
    for seed, record in enumerate(records):
        for name, preset_config in configs.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            render(record, preset_config, seed=seed)
            wall[name] += time.perf_counter() - start
            cpu[name] += time.process_time() - start_cpu
    return ({name: 1000 * t / len(records) for name, t in wall.items()},
            {name: 1000 * t / len(records) for name, t in cpu.items()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=30)
    parser.add_argument("--dpi", type=float, default=200.0)
    parser.add_argument("--severity", type=float, default=0.5)
    args = parser.parse_args()
    cv2.setNumThreads(1)                              # one core, as in one worker of a dataset build
    records, source = load_records(args.n)
    config = RenderConfig(paper=Paper(dpi=args.dpi))
    render(records[0], config)                        # warm the grid cache, as in any multi-page run
    results = [render(r, config) for r in records]
    lines = [[lt.points for lt in res.truth.leads] for res in results]
    thickness = line_thickness_px(config)
    styled = [seeded_style(k, config) for k in range(len(records))]
    with tempfile.TemporaryDirectory() as tmp:
        def write(name: str, data: bytes) -> None:
            Path(tmp, name).write_bytes(data)

        def base_png(p):
            write("b.png", cv2.imencode(".png", cv2.cvtColor(baseline_raster(config.paper, p, thickness),
                                                              cv2.COLOR_RGB2BGR))[1].tobytes())

        figures = {
            "raster_ms": per_page_ms(lambda r: render(r, config), records),
            "png_file_ms": per_page_ms(lambda r: write("a.png", encode_image(render(r, config).image, "png")),
                                       records),
            "jpeg_file_ms": per_page_ms(lambda r: write("a.jpg", encode_image(render(r, config).image, "jpg")),
                                        records),
            "baseline_raster_ms": per_page_ms(lambda p: baseline_raster(config.paper, p, thickness), lines),
            "baseline_png_file_ms": per_page_ms(base_png, lines),
            "random_style_raster_ms": per_page_ms(lambda k: render(records[k], styled[k], seed=k), range(len(records))),
        }
        png_bytes = len(encode_image(results[0].image, "png"))
    presets, presets_cpu = preset_ms(records, config, args.severity)
    figures = {k: round(v, 2) for k, v in figures.items()}
    figures["preset_severity"] = args.severity
    figures["preset_ms"] = {k: round(v, 1) for k, v in presets.items()}
    figures["preset_cpu_ms"] = {k: round(v, 1) for k, v in presets_cpu.items()}
    figures["preset_vs_clean"] = {k: round(v / presets["clean"], 2) for k, v in presets.items()}
    figures.update({
        "raster_vs_baseline": round(figures["raster_ms"] / figures["baseline_raster_ms"], 3),
        "png_file_vs_baseline": round(figures["png_file_ms"] / figures["baseline_png_file_ms"], 3),
        "png_kb": png_bytes // 1024, "png_params": PNG_PARAMS,
        "page_px": list(config.paper.size_px), "records": len(records), "source": source,
        "opencv_threads": cv2.getNumThreads(),
    })
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
