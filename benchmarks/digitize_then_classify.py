"""Digitize, then classify: out-of-fold AUROC on the real-record benchmark of a signal-only classifier that reads
what the baseline digitizer (ecgprint.digitize) recovers from each page, against the same classifier on the
stored signals (issue 13: a route around the image stream's gap; docs/model.md).

1. Every page of every fold of --real is digitized blind at 400 Hz and placed as the stored signal is (the
   10-s page from sample (4096 - 4000) / 2); unprinted samples are 0. Cached per fold in OUT/digitized/FOLD.npz.
2. Per held-out fold, a signal-only `tiny` VizECGNet is trained on the other folds of --real-train and the train
   split of --data, each training signal masked to what a printed layout shows (3x4 with 0, 1 or 3 rhythm strips,
   6x2, 12x1) with amplitude, offset and noise jitter, and predicts the fold's pages three ways: `dig` (the
   digitized signal; a page the digitizer refuses gets the training prevalence), `masked` (the stored signal
   where the digitizer found a trace) and `true` (the stored signal).

Writes OUT/oof_FOLD.csv per fold and prints a JSON summary: `vizecg benchmark`'s pooled evaluation of each input
kind (all pages and per fold, source, variant, preset, layout and grid; and the pages read). Needs the three datasets of docs/model.md (`ecgprint build data_recipes/...`).

    python benchmarks/digitize_then_classify.py --real real_benchmark --real-train real_train \
        --data synthetic_train -o dtc [--folds fold0,fold1] [--epochs 10] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import torch

from ecgprint.batch import ordered_map
from ecgprint.dataset.manifest import Manifest
from ecgprint.dataset.read import stored_signals
from ecgprint.digitize.digitizer import digitize
from ecgprint.image_decode import decode_image
from ecgprint.labels import LABELS
from vizecg.evaluation.benchmark import cross_fold_thresholds, patients, real_pages
from vizecg.evaluation.benchmark_report import evaluation
from vizecg.models import VizECGNet
from vizecg.models.config import VizECGNetConfig

FS, SAMPLES, PAGE_S = 400.0, 4096, 10.0
OFFSET = (SAMPLES - int(PAGE_S * FS)) // 2            # where the stored signal puts the page's t = 0
COLUMNS_3X4 = [(0, 1, 2), (3, 4, 5), (6, 7, 8), (9, 10, 11)]   # I II III | aVR aVL aVF | V1 V2 V3 | V4 V5 V6
PRINTED = {"3x4+II": 0.45, "3x4": 0.15, "3x4+II,V1,V5": 0.15, "6x2": 0.15, "12x1": 0.10}
BATCH = 32


def digitized_page(image_bytes: bytes) -> tuple[np.ndarray, str]:
    """float16 [SAMPLES, 12] mV of one page and the layout read, or zeros and 'fail: <reason>'."""
    cv2.setNumThreads(1)
    signal = np.zeros((SAMPLES, 12), np.float16)
    try:
        found = digitize(decode_image(image_bytes), fs=FS)
    except ValueError as exc:
        return signal, f"fail: {exc}"
    values = np.nan_to_num(found.signal[:SAMPLES - OFFSET], nan=0.0)
    signal[OFFSET:OFFSET + len(values)] = np.clip(values, -6e4, 6e4)
    return signal, found.geometry.layout


def digitize_fold(real: Path, fold: str, cache: Path, workers: int) -> dict:
    """The fold's pages digitized (cached): ids, signals, status, seconds per page."""
    path = cache / f"{fold}.npz"
    if not path.exists():
        rows = [row for file in Manifest.read(real).files(fold)
                for row in pq.read_table(file, columns=["id", "image"]).to_pylist()]
        start = time.perf_counter()
        results = list(ordered_map(digitized_page, [row["image"]["bytes"] for row in rows], workers))
        seconds = (time.perf_counter() - start) * workers / max(1, len(rows))
        cache.mkdir(parents=True, exist_ok=True)
        np.savez(path, ids=np.array([row["id"] for row in rows]), signals=np.stack([s for s, _ in results]),
                 status=np.array([status for _, status in results]), seconds=np.full(len(rows), seconds))
    with np.load(path) as data:
        return {key: data[key] for key in data.files}


def split_signals(root: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """(signals float32 [n, SAMPLES, 12], labels [n, 6]) of one split of a built dataset."""
    signals, labels = [], []
    for file in Manifest.read(root).files(split):
        table = pq.read_table(file, columns=["signal", "label_vector"])
        signals.append(stored_signals(table))
        labels.append(np.stack(table["label_vector"].to_numpy(zero_copy_only=False)))
    return np.concatenate(signals).astype(np.float32), np.concatenate(labels).astype(np.float32)


def printed_mask(rng: np.random.Generator, n: int) -> np.ndarray:
    """[n, SAMPLES, 12] 0/1: the samples a randomly drawn printed layout shows of a 10-s page."""
    mask = np.zeros((n, SAMPLES, 12), np.float32)
    page = int(PAGE_S * FS)
    for i, kind in enumerate(rng.choice(list(PRINTED), n, p=list(PRINTED.values()))):
        if kind == "12x1":
            mask[i, OFFSET:OFFSET + page] = 1
        elif kind == "6x2":
            mask[i, OFFSET:OFFSET + page // 2, :6] = 1
            mask[i, OFFSET + page // 2:OFFSET + page, 6:] = 1
        else:
            for c, leads in enumerate(COLUMNS_3X4):
                mask[i, OFFSET + c * page // 4:OFFSET + (c + 1) * page // 4, list(leads)] = 1
            rhythm = {"3x4": [], "3x4+II": [1], "3x4+II,V1,V5": [1, 6, 10]}[kind]
            mask[i, OFFSET:OFFSET + page, rhythm] = 1
    return mask


def jitter(rng: np.random.Generator, x: np.ndarray) -> np.ndarray:
    """Amplitude x0.8-1.2 per signal, a 0.03 mV offset per lead, 0.02 mV white noise: the digitizer's errors."""
    x = x * rng.uniform(0.8, 1.2, (len(x), 1, 1)).astype(np.float32)
    return x + rng.normal(0, 0.03, (len(x), 1, 12)).astype(np.float32) + rng.normal(0, 0.02, x.shape).astype(np.float32)


def train_signal_model(x: np.ndarray, y: np.ndarray, epochs: int, seed: int) -> VizECGNet:
    """Signal-only `tiny` VizECGNet, Adam 1e-3 cosine-annealed, batch 32, BCE, on printed-masked jittered signals."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = VizECGNet(VizECGNetConfig.named("tiny", streams="signal", cmam=False))
    optimiser = torch.optim.Adam(model.parameters(), 1e-3)
    steps = len(x) // BATCH
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, epochs * steps)
    model.train()
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for b in range(steps):
            idx = order[b * BATCH:(b + 1) * BATCH]
            batch = jitter(rng, x[idx] * printed_mask(rng, len(idx)))
            logits = model(torch.from_numpy(batch.transpose(0, 2, 1).copy()), None).signal
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, torch.from_numpy(y[idx]))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
    return model.eval()


def probabilities(model: VizECGNet, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return np.concatenate([
            torch.sigmoid(model(torch.from_numpy(np.ascontiguousarray(x[b:b + 64].astype(np.float32)
                                                                      .transpose(0, 2, 1))), None).signal).numpy()
            for b in range(0, len(x), 64)])


def summary(pages: pd.DataFrame, n_bootstrap: int) -> dict:
    """Per input kind, `vizecg benchmark`'s pooled evaluation (AUROC, F1, FPR, ... with CIs over patients, at
    thresholds chosen on the other folds' pages; 0.5 while only one fold is done) of all pages, grouped as it groups
    them, and of the pages read."""
    y, folds, groups = pages[list(LABELS)].to_numpy(), pages["fold"].to_numpy(), patients(pages)
    read = ~pages["failed"].to_numpy()
    several = len(set(folds)) > 1
    out: dict = {"pages": len(pages), "failed": round(float(pages["failed"].mean()), 3),
                 "thresholds": "chosen on the other folds' pages" if several else "0.5: one fold, none to choose on"}
    for kind in ("true", "masked", "dig"):
        p = pages[[f"{kind}_{label}" for label in LABELS]].to_numpy()
        thresholds = cross_fold_thresholds(y, p, folds) if several else np.full(p.shape, 0.5)
        out[kind] = {"all": evaluation("all pages", pages, p, thresholds, groups, n_bootstrap, by_group=True),
                     "read": evaluation("pages read", pages[read], p[read], thresholds[read], groups[read],
                                        n_bootstrap)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, required=True)
    parser.add_argument("--real-train", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True, help="synthetic dataset; its train split is used")
    parser.add_argument("-o", "--out", type=Path, required=True)
    parser.add_argument("--folds", default=None, help="comma-separated folds to run (default: all)")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2, help="digitizer processes")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--bootstrap", type=int, default=200, help="bootstrap resamples of patients")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    pages = real_pages(args.real)
    folds = args.folds.split(",") if args.folds else list(pages["fold"].unique())
    synthetic = split_signals(args.data, "train")
    parts = {fold: split_signals(args.real_train, fold) for fold in pages["fold"].unique()}
    for fold in folds:
        found = digitize_fold(args.real, fold, args.out / "digitized", args.workers)
        fold_pages = pages[pages["fold"] == fold].reset_index(drop=True)
        if list(found["ids"]) != list(fold_pages["id"]):
            raise SystemExit(f"{args.out}/digitized/{fold}.npz: pages differ from {args.real}; delete it")
        train = [synthetic] + [parts[f] for f in parts if f != fold]
        x, y = np.concatenate([t[0] for t in train]), np.concatenate([t[1] for t in train])
        model = train_signal_model(x, y, args.epochs, args.seed)
        failed = np.char.startswith(found["status"].astype(str), "fail")
        stored, _ = split_signals(args.real, fold)
        read = found["signals"] != 0
        read[failed] = True
        dig = probabilities(model, found["signals"])
        dig[failed] = y.mean(axis=0)
        kinds = {"dig": dig, "masked": probabilities(model, stored * read), "true": probabilities(model, stored)}
        fold_pages = fold_pages.assign(failed=failed, status=found["status"])
        for kind, p in kinds.items():
            for j, label in enumerate(LABELS):
                fold_pages[f"{kind}_{label}"] = p[:, j]
        fold_pages.to_csv(args.out / f"oof_{fold}.csv", index=False)
    done = sorted(args.out.glob("oof_*.csv"))
    print(json.dumps({"folds": [p.stem[4:] for p in done],
                      **summary(pd.concat([pd.read_csv(p) for p in done], ignore_index=True), args.bootstrap)}))


if __name__ == "__main__":
    main()
