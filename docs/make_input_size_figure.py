"""docs/img/model/input_size.png: 3.2 s of the lead II rhythm strip of a real 1dAVb + SB record (CinC 2021
E06320, CC BY 4.0, PhysioNet/CinC Challenge 2021) as printed (classic 3x4 + II page at 100 dpi), and as the model
sees it at 272 x 352 and at 816 x 1056 (area-resized as in training, shown back at page scale).

    python docs/make_input_size_figure.py
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ecgprint.paper import Paper
from ecgprint.render import RenderConfig, render
from ecgprint.sources import list_source

ROOT = Path(__file__).resolve().parent
RECORD = ROOT.parent.parent / "shared" / "data" / "cinc2021" / "E06320"
SIZES = ((272, 352), (816, 1056))


def main() -> None:
    record = next(iter(list_source(str(RECORD)))).load()
    page = render(record, RenderConfig(paper=Paper(dpi=100)), seed=0)
    image, truth = page.image, page.truth
    strip = next(lead for lead in truth.leads if lead.lead == "II" and lead.t_end - lead.t_start > 5)
    x0, y0, _, y1 = (int(v) for v in strip.box)
    rows = slice(y0 - 10, y1 + 10)
    cols = slice(x0, x0 + int(3.2 * 25 * truth.px_per_mm))
    height, width = image.shape[:2]
    views = [image] + [cv2.resize(cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA), (width, height),
                                  interpolation=cv2.INTER_NEAREST) for h, w in SIZES]
    crops = [np.pad(view[rows, cols], ((0, 8), (0, 0), (0, 0)), constant_values=255) for view in views]
    figure = cv2.resize(np.concatenate(crops), None, fx=2.5, fy=2.5, interpolation=cv2.INTER_NEAREST)
    out = ROOT / "img" / "model" / "input_size.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(out), cv2.cvtColor(figure, cv2.COLOR_RGB2BGR))
    print(out)


if __name__ == "__main__":
    main()
