"""Regenerate the pictures in docs/rendering.md: one page per layout, a close-up per grid style, and a contact
sheet of 12 random drawing styles (seeds 0-11), and a hand-set style in the look of other ECG software.

    python docs/make_rendering_figures.py

Layouts and grids use LUDB record 1 from ../shared/data when present (ODC-By 1.0; attribution in
docs/sources.md), otherwise the built-in synthetic example record; the style gallery always uses the built-in
example record, so it is the same on every machine.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ecgprint.paper import GRID_STYLES, Paper
from ecgprint.record import Record
from ecgprint.render import RenderConfig, encode_image, render
from ecgprint.style import Style, seeded_style
from ecgprint.synth import example_record

HERE = Path(__file__).resolve().parent
OUT = HERE / "img" / "rendering"
LUDB_1 = HERE.parents[1] / "shared" / "data" / "ludb" / "1"

LAYOUT_FIGURES = {
    "layout_3x4": RenderConfig(),
    "layout_3x4_three_rhythm": RenderConfig(rhythm=("II", "V1", "V5")),
    "layout_3x4_cabrera": RenderConfig(layout="3x4_cabrera"),
    "layout_6x2": RenderConfig(layout="6x2"),
    "layout_12x1": RenderConfig(layout="12x1"),
    "layout_custom": RenderConfig(layout={"rows": [["I", "II", "III"], ["V1", "V3", "V5"],
                                                   [{"lead": "II", "start": 0, "end": 10}]]}),
    "paper_a4_portrait_50mms": RenderConfig(paper=Paper(size="a4", orientation="portrait", speed=50.0)),
}


def example() -> Record:
    if LUDB_1.with_suffix(".hea").is_file():
        from ecgprint.sources.wfdb_source import load_record
        return load_record(LUDB_1)
    from ecgprint.synth import example_record
    return example_record()


GALLERY_SEEDS = range(12)
# Thin anti-aliased trace, saturated grid with dashed major lines, rows packed low under a header band, lead
# names below the baseline, thick separators, calibration joined to the trace, text at the bottom.
OTHER_SOFTWARE = RenderConfig(
    paper=Paper(dpi=150, margin_mm=6.0), rhythm=("II", "V1", "V5"), line_width_mm=0.15, text_height_mm=2.2,
    style=Style(grid_intensity=1.3, major_pattern="dashed", row_placement="packed_bottom", row_pitch_mm=26.0,
                header_mm=45.0, footer_mm=12.0, header_lines=(("id", "date"), ("rate", "unconfirmed")),
                footer_lines=(("speed", "gain", "filter"),), label_position="below", separator="bar",
                calibration_joined=True, font="duplex"))
THUMB_W, THUMB_H, CAPTION_H = 560, 433, 44     # letter landscape thumbnails; A4 pages get white space below


def caption(config: RenderConfig, seed: int) -> list[str]:
    """Two short lines naming the drawn page's main choices."""
    style, paper = config.style, config.paper
    strips = f"+{len(config.rhythm)}" if config.rhythm else ""
    grid = "no grid" if paper.grid == "none" else (f"{paper.grid} x{style.grid_intensity:g} {style.major_pattern}"
                                                   + ("" if style.minor_grid else ", no 1 mm"))
    return [f"seed {seed}: {config.layout}{strips}, {paper.size} {paper.dpi:g} dpi, {grid}",
            f"{config.line_width_mm:.2f} mm{'' if style.antialias else ' aliased'}, rows {style.row_placement}, "
            f"names {style.label_position}, {style.separator if config.show_separators else 'no'} separators"]


def style_gallery(out: Path) -> int:
    """A 4 x 3 contact sheet of the example record in 12 random styles; the OTHER_SOFTWARE page and a close-up."""
    record = example_record()
    image = render(record, OTHER_SOFTWARE).image
    (out / "style_other_software.png").write_bytes(encode_image(image))
    (out / "style_other_software_closeup.png").write_bytes(encode_image(image[560:960, 0:760]))
    cells = []
    for seed in GALLERY_SEEDS:
        config = seeded_style(seed, RenderConfig())
        image = render(record, config, seed).image
        h = round(image.shape[0] * THUMB_W / image.shape[1])
        cell = np.full((THUMB_H + CAPTION_H, THUMB_W, 3), 255, np.uint8)
        cell[:h] = cv2.resize(image, (THUMB_W, h), interpolation=cv2.INTER_AREA)
        for k, line in enumerate(caption(config, seed)):
            cv2.putText(cell, line, (6, THUMB_H + 17 + 19 * k), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (0, 0, 0), 1,
                        cv2.LINE_AA)
        cells.append(np.pad(cell, ((4, 4), (4, 4), (0, 0)), constant_values=200))
    rows = [np.concatenate(cells[k:k + 4], axis=1) for k in range(0, len(cells), 4)]
    (out / "styles_random_12.png").write_bytes(encode_image(np.concatenate(rows, axis=0)))
    return 3


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    record = example()
    for name, config in LAYOUT_FIGURES.items():
        config = RenderConfig.from_dict({**config.to_dict(), "paper": {**config.to_dict()["paper"], "dpi": 100}})
        (OUT / f"{name}.png").write_bytes(encode_image(render(record, config).image))
    for grid in GRID_STYLES:
        image = render(record, RenderConfig(paper=Paper(dpi=200, grid=grid))).image
        (OUT / f"grid_{grid}.png").write_bytes(encode_image(image[150:550, 0:700]))
    written = style_gallery(OUT)
    print(f"wrote {len(LAYOUT_FIGURES) + len(GRID_STYLES) + written} figures to {OUT}")


if __name__ == "__main__":
    main()
