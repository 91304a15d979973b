"""Regenerate docs/robustness.md's figures and tables: the bundled checkpoint (or --ckpt) on the first 40 test
records of its training dataset, every preset at severities 0, 0.25, 0.5, 0.75 and 1, printed at the rows' own
100 dpi, thresholds from the whole val split printed clean; then the per-artifact sensitivity of one family.
The first part is exactly

    vizecg robustness --data DATA --limit 40 -o out/robustness/presets

    ecgprint build data_recipes/vizecg_train.toml -o DATA --workers 2     # once, if not built yet
    python docs/make_robustness_figures.py DATA [--ckpt RUN/best.pt] [--family photo]

Full outputs (CSV, JSON, summary.md) go to out/robustness/; the plots go to docs/img/robustness/ as
256-colour PNGs. About 2 minutes for both studies on 2 idle CPU cores.
"""

from __future__ import annotations

import argparse

import cv2
from make_explain_figures import HERE, save_small_png

from vizecg.robustness.checkpoint import checkpoint_study
from vizecg.robustness.plots import plot_study
from vizecg.robustness.report import write_study

IMG = HERE / "img" / "robustness"
RUNS = HERE.parent / "out" / "robustness"


def study(name: str, data: str, ckpt: str | None, limit: int, **settings) -> None:
    """Run one study into out/robustness/<name>/, copy its plots to docs/img/robustness/, print its tables."""
    out = RUNS / name
    result = checkpoint_study(data, ckpt, limit=limit, progress=print, **settings)
    write_study(result, out)
    for path in plot_study(result, out):
        rgb = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
        save_small_png(rgb, IMG / f"{name}_{path.name}", width=rgb.shape[1])
    print((out / "summary.md").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help="the built training dataset of the checkpoint")
    parser.add_argument("--ckpt", default=None, help="checkpoint [default: the bundled one]")
    parser.add_argument("--limit", type=int, default=40, help="test (and val) records")
    parser.add_argument("--family", default="photo", help="artifact family for the sensitivity table")
    args = parser.parse_args()
    IMG.mkdir(parents=True, exist_ok=True)
    study("presets", args.data, args.ckpt, args.limit)
    study(args.family, args.data, args.ckpt, args.limit, presets=(), artifacts=(args.family,),
          severities=(0.0, 0.5, 1.0))


if __name__ == "__main__":
    main()
