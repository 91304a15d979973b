"""Regenerate the pictures in docs/synthetic.md: one rendered page per label (and normal sinus rhythm), each the
first record (index 0, seed 1) generated with that label and default nuisances.

    python docs/make_synthetic_figures.py
"""

from __future__ import annotations

from pathlib import Path

from ecgprint.labels import LABELS
from ecgprint.paper import Paper
from ecgprint.render import RenderConfig, encode_image, render
from ecgprint.synth import SynthConfig, synth_record
from ecgprint.synth.config import NORMAL_CODE

OUT = Path(__file__).resolve().parent / "img" / "synthetic"
SEED = 1
DPI = 100


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for label in (NORMAL_CODE, *LABELS):
        record = synth_record(0, SynthConfig(labels=label, seed=SEED))
        image = render(record, RenderConfig(paper=Paper(dpi=DPI)), seed=SEED).image
        (OUT / f"{label}.png").write_bytes(encode_image(image))
    print(f"wrote {1 + len(LABELS)} figures to {OUT}")


if __name__ == "__main__":
    main()
