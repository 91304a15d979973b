"""Regenerate the pictures in docs/rendering.md: one page per layout and a close-up per grid style.

    python docs/make_rendering_figures.py

Uses LUDB record 1 from ../shared/data when present (ODC-By 1.0; attribution in docs/sources.md),
otherwise the built-in synthetic example record.
"""

from __future__ import annotations

from pathlib import Path

from ecgprint.paper import GRID_STYLES, Paper
from ecgprint.record import Record
from ecgprint.render import RenderConfig, encode_image, render

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
    from ecgprint.sources.synthetic import example_record
    return example_record()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    record = example()
    for name, config in LAYOUT_FIGURES.items():
        config = RenderConfig.from_dict({**config.to_dict(), "paper": {**config.to_dict()["paper"], "dpi": 100}})
        (OUT / f"{name}.png").write_bytes(encode_image(render(record, config).image))
    for grid in GRID_STYLES:
        image = render(record, RenderConfig(paper=Paper(dpi=200, grid=grid))).image
        (OUT / f"grid_{grid}.png").write_bytes(encode_image(image[150:550, 0:700]))
    print(f"wrote {len(LAYOUT_FIGURES) + len(GRID_STYLES)} figures to {OUT}")


if __name__ == "__main__":
    main()
