"""Digitize, then classify: out-of-fold AUROC on the real-record benchmark of the reader route of `vizecg predict`
(vizecg.page_signal reads the page, the signal-only reader of vizecg.training.reader classifies it), against the
same reader on the stored signals (issue 13; docs/model.md).

1. Every page of every fold of --real is digitized blind at 400 Hz and placed as the stored signal is (the
   10-s page from sample (4096 - 4000) / 2); unprinted samples are 0. Cached per fold in OUT/digitized/FOLD.npz.
2. Per held-out fold, a reader is trained on the other folds of --real-train and the train split of --data
   (printed-layout masks and jitter, train_reader), with --train-read also on the other folds' digitized pages (as
   read, unmasked), and predicts the fold's pages three ways: `dig` (the digitized signal; a page the digitizer
   refuses gets the training prevalence, i.e. no information), `masked` (the stored signal where the digitizer
   found a trace) and `true` (the stored signal).
3. After all folds, `stack`: per held-out fold, vizecg.stacker fitted on the other folds' pages read (their rhythm
   measurements and out-of-fold `dig` probabilities) predicts the fold's pages read (refused ones keep `dig`).
4. With --bundle: the reader trained on every fold, with thresholds chosen on the out-of-fold `dig` predictions of
   the pages read, written as a checkpoint (how vizecg/weights/reader.pt is made), and beside it the stacker fitted
   on every page read, thresholds chosen on the out-of-fold `stack` predictions (reader.stack.json).

Writes OUT/oof_FOLD.csv per fold (the readers are cached in OUT/models, or --models) and prints a JSON summary:
`vizecg benchmark`'s pooled evaluation of each input kind (all pages and per fold, source, variant, preset, layout
and grid; and the pages read). Needs the three datasets of docs/model.md (`ecgprint build data_recipes/...`).

    python benchmarks/digitize_then_classify.py --real real_benchmark --real-train real_train \
        --data synthetic_train -o dtc [--folds fold0,fold1] [--epochs 10] [--workers 2] [--models DIR] \
        [--train-read] [--bundle reader.pt]
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import torch

from ecgprint.batch import ordered_map
from ecgprint.dataset.manifest import Manifest
from ecgprint.dataset.read import stored_signals
from ecgprint.image_decode import decode_image
from ecgprint.labels import LABELS
from vizecg.evaluation.benchmark import cross_fold_thresholds, patients, real_pages
from vizecg.evaluation.benchmark_report import evaluation
from vizecg.evaluation.metrics import select_thresholds
from vizecg.models import VizECGNet
from vizecg.page_signal import page_signal
from vizecg.preprocess import InputSpec
from vizecg.rhythm import FEATURES, rhythm_features
from vizecg.stacker import fit_stacker, stack_path
from vizecg.training.checkpoint import CheckpointMeta, save_checkpoint
from vizecg.training.reader import reader_config, reader_probabilities, train_reader

SPEC = InputSpec()
KINDS = ("true", "masked", "dig", "stack")
MAX_FPR = 0.10      # decision thresholds call at most this share of the fitting pages without a label positive for it
                    # (issue 13's bound): F1-maximising thresholds alone had SB at 0.105 out of fold


def digitized_page(image_bytes: bytes) -> tuple[np.ndarray, str]:
    """float16 [samples, 12] mV of one page as the reader route reads it (vizecg.page_signal; zeros when refused)
    and the layout read or `refused: <reason>`."""
    cv2.setNumThreads(1)
    read = page_signal(decode_image(image_bytes), SPEC)
    if read.signal is None:
        return np.zeros((SPEC.signal_samples, 12), np.float16), read.status
    return np.clip(read.signal.T, -6e4, 6e4).astype(np.float16), read.status   # float16's range


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
    """(signals float32 [n, samples, 12], labels [n, 6]) of one split of a built dataset."""
    signals, labels = [], []
    for file in Manifest.read(root).files(split):
        table = pq.read_table(file, columns=["signal", "label_vector"])
        signals.append(stored_signals(table))
        labels.append(np.stack(table["label_vector"].to_numpy(zero_copy_only=False)))
    return np.concatenate(signals).astype(np.float32), np.concatenate(labels).astype(np.float32)


def probabilities(model: VizECGNet, x: np.ndarray) -> np.ndarray:
    """reader_probabilities of signals in the stored layout [n, samples, 12]."""
    return reader_probabilities(model, x.transpose(0, 2, 1))


def summary(pages: pd.DataFrame, n_bootstrap: int) -> dict:
    """Per input kind, `vizecg benchmark`'s pooled evaluation (AUROC, F1, FPR, ... with CIs over patients, at
    thresholds chosen on the other folds' pages within MAX_FPR; 0.5 while only one fold is done) of all pages,
    grouped as it groups them, and of the pages read."""
    y, folds, groups = pages[list(LABELS)].to_numpy(), pages["fold"].to_numpy(), patients(pages)
    read = ~pages["refused"].to_numpy()
    several = len(set(folds)) > 1
    out: dict = {"pages": len(pages), "refused": round(float(pages["refused"].mean()), 3),
                 "thresholds": f"chosen on the other folds' pages, FPR <= {MAX_FPR}" if several
                 else "0.5: one fold, none to choose on"}
    for kind in KINDS:
        p = pages[[f"{kind}_{label}" for label in LABELS]].to_numpy()
        thresholds = cross_fold_thresholds(y, p, folds, MAX_FPR) if several else np.full(p.shape, 0.5)
        out[kind] = {"all": evaluation("all pages", pages, p, thresholds, groups, n_bootstrap, by_group=True),
                     "read": evaluation("pages read", pages[read], p[read], thresholds[read], groups[read],
                                        n_bootstrap)}
    return out


def read_pages(pages: pd.DataFrame, found: dict) -> dict:
    """Per fold, (digitized signals float32 [n, samples, 12], labels [n, 6] with NaN where unassessed) of its pages
    the digitizer read: training data of the other folds' readers with --train-read."""
    out = {}
    for fold, got in found.items():
        rows = ~np.char.startswith(got["status"].astype(str), "refused")
        labels = pages.set_index("id").loc[got["ids"][rows], list(LABELS)].to_numpy(np.float32)
        out[fold] = got["signals"][rows].astype(np.float32), labels
    return out


def training_set(synthetic: tuple, parts: dict, held_out: str | None,
                 read: dict | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(signals, labels, read flags): synthetic_train's train split plus the real_train signals of every fold but
    `held_out`, and with `read` (read_pages) those folds' digitized pages, flagged."""
    train = [synthetic] + [parts[f] for f in parts if f != held_out]
    digitized = [read[f] for f in read if f != held_out] if read else []
    flags = [np.zeros(len(t[1]), bool) for t in train] + [np.ones(len(t[1]), bool) for t in digitized]
    train += digitized
    return np.concatenate([t[0] for t in train]), np.concatenate([t[1] for t in train]), np.concatenate(flags)


def fold_model(cache: Path, fold: str, x: np.ndarray, y: np.ndarray, flags: np.ndarray,
               args: argparse.Namespace) -> VizECGNet:
    """The reader trained without `fold`, cached in cache/FOLD_eEPOCHS_sSEED[_read].pt: without --train-read,
    training does not depend on the digitizer, so a digitizer change is re-scored without retraining
    (train_reader is deterministic)."""
    path = cache / f"{fold}_e{args.epochs}_s{args.seed}{'_read' if args.train_read else ''}.pt"
    if path.exists():
        model = VizECGNet(reader_config())
        model.load_state_dict(torch.load(path, weights_only=True))
        return model.eval()
    model = train_reader(x, y, args.epochs, args.seed, read=flags)
    cache.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), path)
    return model


def page_features(out: Path, pages: pd.DataFrame) -> np.ndarray:
    """Rhythm measurements [pages, FEATURES] of every digitized page (vizecg.rhythm; NaN for refused pages)."""
    features = {}
    for fold in pages["fold"].unique():
        with np.load(out / "digitized" / f"{fold}.npz") as got:
            for page, signal, status in zip(got["ids"], got["signals"], got["status"].astype(str)):
                refused = status.startswith("refused")
                features[page] = (np.full(len(FEATURES), np.nan) if refused
                                  else rhythm_features(signal.T.astype(np.float32), SPEC.signal_fs))
    return np.stack([features[page] for page in pages["id"]])


def stacked(pages: pd.DataFrame, features: np.ndarray) -> np.ndarray:
    """Out-of-fold stacked probabilities: per fold, the stacker fitted on the other folds' pages read; refused
    pages keep their `dig` probability."""
    y, folds = pages[list(LABELS)].to_numpy(np.float64), pages["fold"].to_numpy()
    dig, read = pages[[f"dig_{label}" for label in LABELS]].to_numpy(), ~pages["refused"].to_numpy()
    out = dig.copy()
    for fold in np.unique(folds):
        train, test = read & (folds != fold), read & (folds == fold)
        out[test] = fit_stacker(features[train], dig[train], y[train], LABELS).probabilities(features[test],
                                                                                          dig[test])
    return out


def bundle(path: Path, pages: pd.DataFrame, features: np.ndarray, training: tuple, args: argparse.Namespace,
           result: dict) -> None:
    """Train the reader on every fold and write it as a checkpoint whose `signal` thresholds are the F1-maximising
    ones (within MAX_FPR) of the out-of-fold `dig` predictions of the pages the digitizer read (the pages this route
    decides), and beside it the stacker fitted on every page read, thresholds from the out-of-fold `stack`
    predictions."""
    read = ~pages["refused"].to_numpy()
    y = pages[list(LABELS)].to_numpy(np.float64)[read]
    p = pages[[f"dig_{label}" for label in LABELS]].to_numpy()[read]
    thresholds = select_thresholds(y, p, max_fpr=MAX_FPR)
    model = fold_model(args.models or args.out / "models", "all", *training, args)
    stack = fit_stacker(features[read], p, y, LABELS)
    oof = pages[[f"stack_{label}" for label in LABELS]].to_numpy()[read]
    replace(stack, thresholds=select_thresholds(y, oof, max_fpr=MAX_FPR)).save(stack_path(path))
    macro = {kind: {scope: result[kind][scope]["overall"]["columns"]["macro"]["auroc"]["value"]
                    for scope in ("all", "read")} for kind in ("stack", "dig", "true")}
    info = {"route": "reader", "epochs": args.epochs, "seed": args.seed, "train_read": args.train_read,
            "thresholds_from": f"out-of-fold digitized pages read of {args.real.name} ({int(read.sum())} pages, "
                               f"folds {sorted(pages['fold'].unique())}), F1-maximising with FPR <= {MAX_FPR}",
            "benchmark_macro_auroc": macro}
    save_checkpoint(path, model, CheckpointMeta(model.config, SPEC, thresholds={"signal": thresholds.tolist()},
                                                epoch=args.epochs, info=info))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, required=True)
    parser.add_argument("--real-train", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True, help="synthetic dataset; its train split is used")
    parser.add_argument("-o", "--out", type=Path, required=True)
    parser.add_argument("--folds", default=None,
                        help="comma-separated folds to run (default: all; '' runs none and pools the folds done, e.g. "
                             "to --bundle after runs of separate folds in parallel)")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2, help="digitizer processes")
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--bootstrap", type=int, default=200, help="bootstrap resamples of patients")
    parser.add_argument("--models", type=Path, default=None,
                        help="cache of the per-fold readers (default OUT/models), reused while epochs and seed agree")
    parser.add_argument("--train-read", action="store_true",
                        help="also train each fold's reader on the other folds' digitized pages")
    parser.add_argument("--bundle", type=Path, default=None,
                        help="after all folds, train the reader on every fold and write it here (e.g. "
                             "vizecg/weights/reader.pt), thresholds from the out-of-fold pages read")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    pages = real_pages(args.real)
    folds = list(pages["fold"].unique()) if args.folds is None else [f for f in args.folds.split(",") if f]
    synthetic = split_signals(args.data, "train")
    parts = {fold: split_signals(args.real_train, fold) for fold in pages["fold"].unique()}
    needed = pages["fold"].unique() if args.train_read else folds
    found = {fold: digitize_fold(args.real, fold, args.out / "digitized", args.workers) for fold in needed}
    for fold, got in found.items():
        if list(got["ids"]) != list(pages.loc[pages["fold"] == fold, "id"]):
            raise SystemExit(f"{args.out}/digitized/{fold}.npz: pages differ from {args.real}; delete it")
    read = read_pages(pages, found) if args.train_read else None
    for fold in folds:
        found_ = found[fold]
        fold_pages = pages[pages["fold"] == fold].reset_index(drop=True)
        x, y, flags = training_set(synthetic, parts, fold, read)
        model = fold_model(args.models or args.out / "models", fold, x, y, flags, args)
        refused = np.char.startswith(found_["status"].astype(str), "refused")
        stored, _ = split_signals(args.real, fold)
        shown = found_["signals"] != 0
        shown[refused] = True
        dig = probabilities(model, found_["signals"])
        dig[refused] = np.nanmean(y, axis=0)
        kinds = {"dig": dig, "masked": probabilities(model, stored * shown), "true": probabilities(model, stored)}
        fold_pages = fold_pages.assign(refused=refused, status=found_["status"])
        for kind, p in kinds.items():
            for j, label in enumerate(LABELS):
                fold_pages[f"{kind}_{label}"] = p[:, j]
        fold_pages.to_csv(args.out / f"oof_{fold}.csv", index=False)
    done = sorted(args.out.glob("oof_*.csv"))
    pooled = pd.concat([pd.read_csv(p) for p in done], ignore_index=True)
    pooled[list(LABELS)] = pages.set_index("id").loc[pooled["id"], list(LABELS)].to_numpy()   # NaN: unassessed
    features = page_features(args.out, pooled)
    stack = stacked(pooled, features) if pooled["fold"].nunique() > 1 else pooled[[f"dig_{k}" for k in LABELS]]
    pooled[[f"stack_{label}" for label in LABELS]] = np.asarray(stack)
    result = summary(pooled, args.bootstrap)
    print(json.dumps({"folds": [p.stem[4:] for p in done], **result}))
    if args.bundle is not None:
        if len(done) != pooled["fold"].nunique() or set(pooled["fold"]) != set(pages["fold"]):
            raise SystemExit("--bundle needs the out-of-fold pages of every fold; run without --folds first")
        bundle(args.bundle, pooled, features, training_set(synthetic, parts, None, read), args, result)


if __name__ == "__main__":
    main()
