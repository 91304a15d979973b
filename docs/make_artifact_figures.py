"""Regenerate the pictures in docs/artifacts.md: one sheet per artifact family and one of the presets, each at
severities 0.25 / 0.5 / 1.0 (the sheets of `ecgprint gallery`, smaller, and as 256-colour PNGs to keep the docs
light: an octree palette with Floyd-Steinberg dithering, so shading gradients do not band; `ecgprint gallery`
writes them in full colour).

    python docs/make_artifact_figures.py

Uses LUDB record 1 from ../shared/data when present (ODC-By 1.0; attribution in docs/sources.md),
otherwise the built-in synthetic example record.
"""

from __future__ import annotations

from make_rendering_figures import HERE, example
from PIL import Image

from ecgprint.gallery import FAMILIES, family_rows, preset_rows, sheet
from ecgprint.paper import Paper
from ecgprint.render import RenderConfig

OUT = HERE / "img" / "artifacts"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    record = example()
    base = RenderConfig(paper=Paper(dpi=100))
    for name in FAMILIES + ("presets",):
        rows = preset_rows() if name == "presets" else family_rows(name)
        image = sheet(record, rows, base, seed=0, thumb_w=280, crop_px=170)
        path = OUT / (f"{name}.png" if name == "presets" else f"family_{name}.png")
        rgb = Image.fromarray(image)
        palette = rgb.quantize(256, method=Image.Quantize.FASTOCTREE)
        rgb.quantize(palette=palette, dither=Image.Dither.FLOYDSTEINBERG).save(path, optimize=True)
    print(f"wrote {len(FAMILIES) + 1} figures to {OUT}")


if __name__ == "__main__":
    main()
