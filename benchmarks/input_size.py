"""Image-stream F1 versus model input size: the same model (default: the image-only baseline) trained at each size
with one seed and one budget, evaluated on the test split with thresholds from val through the deployed image path.
Prints one JSON line per size, then a markdown table (also written to OUT/input_size.md) whose last column is the
paired-bootstrap difference in macro F1 against the default input size (the same test pages resampled jointly).

    python benchmarks/input_size.py --data DATASET -o OUT [--sizes 136x176,272x352,408x528] [--config small]
        [--epochs 10] [--streams image]

Re-running with the same OUT continues unfinished runs and reuses finished ones.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from ecgprint.atomic import write_atomic
from vizecg.evaluation.evaluate import Evaluation, evaluate_checkpoint
from vizecg.evaluation.metrics import paired_difference
from vizecg.evaluation.report import with_ci
from vizecg.models.config import STREAMS, VIZECGNET_CONFIGS
from vizecg.preprocess import InputSpec
from vizecg.training.ablate import train_or_continue
from vizecg.training.runtime import start_runtime
from vizecg.training.trainer import BEST, TrainConfig


def parse_sizes(text: str) -> list[tuple[int, int]]:
    return [tuple(int(v) for v in size.lower().split("x")) for size in text.split(",")]


def delta_vs(reference: Evaluation, other: Evaluation, n_bootstrap: int) -> str:
    """`+0.012 [-0.010, +0.034]`: macro F1 of `other` minus `reference` on the same test pages, paired CI."""
    a, b = other.reports["image"], reference.reports["image"]
    value, low, high = paired_difference(other.scores.labels, other.scores.probabilities["image"], a.thresholds,
                                         reference.scores.probabilities["image"], b.thresholds,
                                         n_bootstrap=n_bootstrap)
    return f"{value:+.3f} [{low:+.3f}, {high:+.3f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="built dataset folder")
    parser.add_argument("-o", "--out", required=True, help="folder for the runs and the table")
    parser.add_argument("--sizes", type=parse_sizes, default=parse_sizes("136x176,272x352,408x528"),
                        help="comma-separated HEIGHTxWIDTH")
    parser.add_argument("--config", choices=sorted(VIZECGNET_CONFIGS), default="small")
    parser.add_argument("--streams", choices=STREAMS, default="image")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1, help="data loader processes")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    args = parser.parse_args()
    runtime = start_runtime("auto", args.threads)
    out = Path(args.out)
    lines = [f"# Image-stream F1 vs input size (`{args.config}`, streams {args.streams}, {args.epochs} epochs, "
             f"seed {args.seed}, test split of `{args.data}`)\n",
             "| input H x W | macro F1 | macro AUROC | macro AUPRC | s / epoch | Δ macro F1 vs default |",
             "|---|---|---|---|---|---|"]
    default = (InputSpec().image_height, InputSpec().image_width)
    reference = default if default in args.sizes else args.sizes[0]
    evaluations, rows = {}, {}
    for height, width in args.sizes:
        config = TrainConfig(data=args.data, config=args.config, epochs=args.epochs, lr=args.lr, seed=args.seed,
                             streams=args.streams, spec=InputSpec(height, width))
        folder = out / f"{height}x{width}"
        start = time.perf_counter()
        train_or_continue(config, folder, runtime, args.workers, progress=None)
        seconds = time.perf_counter() - start
        evaluations[height, width] = evaluate_checkpoint(folder / BEST, args.data, "test", image_only=True,
                                                         workers=args.workers, n_bootstrap=args.bootstrap,
                                                         device=runtime.device)
        report = evaluations[height, width].reports["image"]
        epochs = [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines()]
        per_epoch = sum(e["seconds"] for e in epochs) / len(epochs)
        f1 = report.get("f1", "macro")
        print(json.dumps({"benchmark": "input_size", "image_hw": [height, width], "config": args.config,
                          "streams": args.streams, "epochs": args.epochs, "macro_f1": f1[0], "f1_ci": f1[1:],
                          "macro_auroc": report.get("auroc", "macro")[0], "s_per_epoch": round(per_epoch, 2),
                          "wall_s": round(seconds, 1), "threads": torch.get_num_threads()}), flush=True)
        cells = [with_ci(report, m, "macro") for m in ("f1", "auroc", "auprc")]
        rows[height, width] = f"| {height} x {width} | " + " | ".join(cells) + f" | {per_epoch:.1f} | "
    for size, row in rows.items():
        delta = ("reference" if size == reference
                 else delta_vs(evaluations[reference], evaluations[size], args.bootstrap))
        lines.append(row + delta + " |")
    table = "\n".join(lines) + "\n"
    write_atomic(out / "input_size.md", table)
    print(table)


if __name__ == "__main__":
    main()
