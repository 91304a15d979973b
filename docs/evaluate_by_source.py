"""Bundled checkpoint metrics per source group of a split (e.g. the real records apart from the synthetic
ones), image-only path, thresholds from the dataset's val split. Prints markdown tables.

    python docs/evaluate_by_source.py DATA [--ckpt vizecg/weights/vizecg.pt] [--split test]
"""

from __future__ import annotations

import argparse

import numpy as np
import pyarrow.parquet as pq

from vizecg.data import ShardDataset, make_loader
from vizecg.evaluation.metrics import metrics_report, select_thresholds
from vizecg.evaluation.report import stream_table
from vizecg.evaluation.scoring import score
from vizecg.training.checkpoint import load_model, resolve_checkpoint


def split_scores(model, meta, data: str, split: str):
    dataset = ShardDataset(data, split, meta.spec)
    scores = score(model, make_loader(dataset, 32), image_only=True)
    sources = np.concatenate([pq.read_table(f, columns=["source"]).column("source").to_numpy(zero_copy_only=False)
                              for f in dataset.files])
    return scores.labels, scores.probabilities["image"], sources


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data")
    parser.add_argument("--ckpt", default=None)
    parser.add_argument("--split", default="test")
    args = parser.parse_args()
    model, meta = load_model(resolve_checkpoint(args.ckpt), "cpu")
    y_val, p_val, _ = split_scores(model, meta, args.data, "val")
    thresholds = select_thresholds(y_val, p_val)
    y, p, sources = split_scores(model, meta, args.data, args.split)
    groups = {"synthetic": sources == "synthetic", "real (CinC 2021, CPSC 2018, LUDB)": sources != "synthetic"}
    for name, rows in groups.items():
        print(f"### {args.split}: {name} ({int(rows.sum())} pages)\n")
        print(stream_table(metrics_report(y[rows], p[rows], thresholds, meta.labels, 1000, seed=0)))
        print()


if __name__ == "__main__":
    main()
