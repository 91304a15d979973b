"""The real-record benchmark: every real page gets an out-of-fold probability, from a model trained on synthetic pages
plus the real pages of the other patient-disjoint folds (or from one given checkpoint), pooled into metrics.

OUT/<fold>/ holds each fold's training run; OUT/benchmark.json, .md and predictions.csv the pooled results.
Re-running continues unfinished fold runs and reuses finished ones (same settings only).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import torch

from ecgprint.dataset.manifest import Manifest
from ecgprint.dataset.plan import assign_split, source_items
from ecgprint.dataset.recipe import load_recipe
from ecgprint.labels import CPSC_UNASSESSED, LABELS
from vizecg.data import ShardDataset, make_loader
from vizecg.evaluation.benchmark_report import evaluation, write_benchmark
from vizecg.evaluation.metrics import select_thresholds
from vizecg.evaluation.scoring import model_streams, score
from vizecg.training.ablate import train_or_continue
from vizecg.training.checkpoint import load_model
from vizecg.training.runtime import Runtime, using_runtime
from vizecg.training.trainer import BEST, TrainConfig

PAGE_COLUMNS = ["id", "record_id", "patient_id", "source", "preset", "render_config", "label_vector"]
# Labels a source's diagnosis scheme cannot state: its pages count as neither positive nor negative for them (NaN).
UNASSESSED = {"cpsc2018": CPSC_UNASSESSED}


def _style_groups(render_config: str) -> tuple[str, str]:
    """(layout with its rhythm strips, grid colour) of a page, from its stored render config."""
    config = json.loads(render_config)
    rhythm = config.get("rhythm") or ()
    layout = config["layout"] if isinstance(config["layout"], str) else "custom"
    return layout + (f"+{','.join(rhythm)}" if rhythm else ""), config["paper"]["grid"]


def real_pages(root: str | Path) -> pd.DataFrame:
    """One row per page of a real benchmark dataset (every split of its manifest is a fold), in ShardDataset order
    per fold: id, record, patient, source, fold, variant, preset, layout, grid and one 0/1 column per label (NaN
    where the page's source does not assess the label, UNASSESSED).
    ValueError if there are fewer than two folds or a patient has pages in two folds."""
    manifest = Manifest.read(root)
    folds = [name for name in manifest.splits if manifest.split_rows(name)]
    if len(folds) < 2:
        raise ValueError(f"{root}: need at least two non-empty splits (the folds), got {folds}")
    table = pd.concat([pq.read_table(path, columns=PAGE_COLUMNS).to_pandas().assign(fold=fold)
                       for fold in folds for path in manifest.files(fold)], ignore_index=True)
    pages = table[["id", "record_id", "patient_id", "source", "fold", "preset"]].copy()
    pages.insert(5, "variant", [row_id.split("/")[2] for row_id in table["id"]])   # source/record/variant/...
    pages["layout"], pages["grid"] = zip(*map(_style_groups, table["render_config"]))
    pages[list(LABELS)] = np.stack(table["label_vector"].to_numpy()).astype(float)
    for source, labels in UNASSESSED.items():
        pages.loc[pages["source"] == source, list(labels)] = np.nan
    check_patient_disjoint(pages)
    return pages


def check_patient_disjoint(pages: pd.DataFrame) -> None:
    """ValueError naming the first patient (or record) of a source whose pages are in more than one fold."""
    for key in ("patient_id", "record_id"):
        folds = pages.groupby(["source", key])["fold"].unique()
        shared = folds[folds.map(len) > 1]
        if len(shared):
            (source, name), where = shared.index[0], sorted(shared.iloc[0])
            raise ValueError(f"{source}/{name}: pages in folds {where}; the folds must be patient-disjoint")


def check_not_in(data: str | Path, pages: pd.DataFrame) -> None:
    """ValueError if the training dataset `data` (its train or val split) holds a record of the benchmark: it would
    be in training for the fold that predicts it."""
    manifest = Manifest.read(data)
    files = [path for split in ("train", "val") for path in manifest.files(split)]
    seen = pd.concat([pq.read_table(path, columns=["source", "record_id"]).to_pandas() for path in files]
                     or [pd.DataFrame(columns=["source", "record_id"])])
    shared = seen.merge(pages[["source", "record_id"]].drop_duplicates(), on=["source", "record_id"])
    if len(shared):
        raise ValueError(f"{data} holds {len(shared.drop_duplicates())} benchmark records (e.g. "
                         f"{shared.iloc[0]['source']}/{shared.iloc[0]['record_id']}); train on a dataset without "
                         "them, e.g. data_recipes/synthetic_train.toml")


def patients(pages: pd.DataFrame) -> np.ndarray:
    """The bootstrap unit of each page: its source and patient (all pages of a patient are resampled together)."""
    return (pages["source"] + "/" + pages["patient_id"]).to_numpy()


def cross_fold_thresholds(y: np.ndarray, probabilities: np.ndarray, folds: np.ndarray,
                          max_fpr: float | None = None) -> np.ndarray:
    """Per-page thresholds [n, labels]: for the pages of each fold, the F1-maximising thresholds of the pages of
    all other folds (select_thresholds, with `max_fpr`), so no page's decision threshold saw its own prediction."""
    thresholds = np.empty_like(probabilities, dtype=np.float64)
    for fold in np.unique(folds):
        rows = folds == fold
        thresholds[rows] = select_thresholds(y[~rows], probabilities[~rows], max_fpr=max_fpr)
    return thresholds


def fold_config(base: TrainConfig, real: Path, folds: list[str], fold: str) -> TrainConfig:
    """The run of one fold: `base`'s data (train and val splits) plus the real pages of every other fold."""
    others = tuple(f"{real.resolve()}:{other}" for other in folds if other != fold)
    return replace(base, train_parts=(*base.train_parts, *others)).resolved()


def fold_probabilities(ckpt: str | Path, real: str | Path, fold: str, batch_size: int, workers: int,
                       device: torch.device | str) -> np.ndarray:
    """The image-only (deployed path) probabilities [pages, labels] of a checkpoint on one fold's pages; of a
    signal-only baseline, its signal path (the stored signal of each page: how far signals alone get)."""
    model, meta = load_model(ckpt, device)
    loader = make_loader(ShardDataset(real, fold, meta.spec), batch_size, workers=workers)
    if "image" not in model_streams(model.config):
        return score(model, loader, device).probabilities["signal"]
    return score(model, loader, device, image_only=True).probabilities["image"]


def held_out_records(recipe_path: str | Path, split: str, pages: pd.DataFrame) -> np.ndarray:
    """Per page: is its record in `split` of the recipe's patient-wise split (e.g. the records a checkpoint trained
    on that recipe never saw)? Sources are matched by name; records the recipe does not list are not held out."""
    recipe = load_recipe(recipe_path)
    if split not in recipe.splits:
        raise ValueError(f"{recipe_path}: no split {split!r} (splits: {', '.join(recipe.splits)})")
    keys = set()
    for s, spec in enumerate(recipe.sources):
        if spec.name in set(pages["source"]):
            keys |= {(spec.name, item.record_id) for item in source_items(recipe, s)
                     if assign_split(recipe, spec, item) == split}
    return np.array([key in keys for key in zip(pages["source"], pages["record_id"])], dtype=bool)


def _probabilities(pages: pd.DataFrame, predict) -> np.ndarray:
    """Stack `predict(fold)` into page order (pages are grouped by fold, in fold order)."""
    probabilities = np.zeros((len(pages), len(LABELS)))
    for fold in pages["fold"].unique():
        rows = (pages["fold"] == fold).to_numpy()
        probabilities[rows] = predict(fold)
    return probabilities


def check_same_folds(pages: pd.DataFrame, train_pages: pd.DataFrame, where: str | Path) -> None:
    """ValueError unless the training pages `train_pages` (of `where`) put every patient in the benchmark's fold."""
    missing = sorted(set(pages["fold"]) - set(train_pages["fold"]))
    if missing:
        raise ValueError(f"{where}: no split for fold(s) {missing}; build it with the benchmark's seed and folds")
    try:
        check_patient_disjoint(pd.concat([pages, train_pages], ignore_index=True))
    except ValueError as exc:
        raise ValueError(f"{where}: {exc} (a fold model would train on pages of records it predicts)") from None


def run_benchmark(base: TrainConfig, real: str | Path, out: str | Path, runtime: Runtime | None = None,
                  workers: int = 1, progress: bool | None = None, n_bootstrap: int = 1000,
                  real_train: str | Path | None = None, only: list[str] | None = None) -> Path:
    """Train one model per fold (resuming finished or interrupted runs), predict each fold's real pages with its
    model, and write the pooled results into `out`; returns the markdown path. The fold models train on the other
    folds of `real_train` (another build of the same records and folds, e.g. with more pages per record and signal
    augmentation), by default on those of `real` itself. `only` (at least two folds): train and report just these
    folds, e.g. to split the folds between machines or processes; a later run without it reuses their runs."""
    real, out = Path(real), Path(out)
    pages = real_pages(real)
    check_not_in(base.data, pages)
    train_source = real if real_train is None else Path(real_train)
    if real_train is not None:
        check_same_folds(pages, real_pages(train_source), train_source)
    folds = list(pages["fold"].unique())
    if only is not None:
        if len(set(only)) < 2 or set(only) - set(folds):
            raise ValueError(f"--folds needs at least two of {folds} (thresholds come from the other folds), "
                             f"got {only}")
        pages = pages[pages["fold"].isin(only)].reset_index(drop=True)
    with using_runtime(runtime) as runtime:
        for fold in pages["fold"].unique():
            train_or_continue(fold_config(base, train_source, folds, fold), out / fold, runtime, workers, progress)
        if not runtime.is_main:
            return out / "benchmark.md"
        probabilities = _probabilities(pages, lambda fold: fold_probabilities(
            out / fold / BEST, real, fold, base.batch_size, workers, runtime.device))
    y, fold_of = pages[list(LABELS)].to_numpy(), pages["fold"].to_numpy()
    per_page, deployed = cross_fold_thresholds(y, probabilities, fold_of), select_thresholds(y, probabilities)
    groups = patients(pages)
    evaluations = [
        evaluation("out of fold, thresholds chosen on the other folds' out-of-fold pages", pages, probabilities,
                   per_page, groups, n_bootstrap, by_group=True),
        evaluation("out of fold, the deployed thresholds (chosen on all out-of-fold pages: in-sample)", pages,
                   probabilities, np.broadcast_to(deployed, probabilities.shape), groups, n_bootstrap)]
    setup = {"mode": "k-fold", "real": str(real.resolve()), "real_train": str(train_source.resolve()),
             "train": base.resolved().to_dict(),
             "deployed_thresholds": dict(zip(LABELS, deployed.tolist()))}
    return write_benchmark(out, setup, pages, probabilities, per_page, evaluations, n_bootstrap)


def score_checkpoint(ckpt: str | Path, real: str | Path, out: str | Path, held_out: str | Path | None = None,
                     held_out_split: str = "test", batch_size: int = 32, workers: int = 0,
                     device: torch.device | str = "cpu", n_bootstrap: int = 1000) -> Path:
    """One checkpoint on every real page (no training): pooled metrics at its own thresholds, and at thresholds
    chosen across the folds on its real predictions; with `held_out` also on the records that recipe's split
    `held_out_split` held out from training. Returns the markdown path."""
    real, out = Path(real), Path(out)
    pages = real_pages(real)
    mask = held_out_records(held_out, held_out_split, pages) if held_out is not None else None
    if mask is not None and not mask.any():
        raise ValueError(f"{held_out}: none of the benchmark records is in its {held_out_split!r} split")
    probabilities = _probabilities(pages, lambda fold: fold_probabilities(ckpt, real, fold, batch_size, workers,
                                                                          device))
    own = np.asarray(load_model(ckpt, "cpu")[1].thresholds["image"])
    y, groups = pages[list(LABELS)].to_numpy(), patients(pages)
    at_own = np.broadcast_to(own, probabilities.shape)
    per_page = cross_fold_thresholds(y, probabilities, pages["fold"].to_numpy())
    evaluations = [
        evaluation("checkpoint, its own thresholds", pages, probabilities, at_own, groups, n_bootstrap,
                   by_group=True),
        evaluation("checkpoint, thresholds chosen on the other folds' real pages", pages, probabilities, per_page,
                   groups, n_bootstrap)]
    if mask is not None:
        evaluations.append(evaluation(
            f"checkpoint, its own thresholds, only records in the {held_out_split!r} split of {Path(held_out).name}",
            pages[mask], probabilities[mask], at_own[mask], groups[mask], n_bootstrap, by_group=True))
    setup: dict[str, Any] = {"mode": "checkpoint", "real": str(real.resolve()), "checkpoint": str(ckpt),
                             "checkpoint_thresholds": dict(zip(LABELS, own.tolist()))}
    return write_benchmark(out, setup, pages, probabilities, per_page, evaluations, n_bootstrap)
