"""Robustness study: one fixed set of signals printed at every (preset or single artifact) x severity cell,
scored by any image model, so accuracy can be read as a function of print quality alone.

Every cell prints record r with the same seed, hash(seed, record id): cells differ only in print quality, and
within a preset a page keeps the same damage as severity rises (ecgprint draws it from the seed first). Severity
0 of every preset and artifact is the clean page byte for byte, so those cells equal the clean cell exactly.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from ecgprint.artifacts import ARTIFACTS, PRESETS
from ecgprint.dataset.plan import row_seed
from ecgprint.labels import LABELS, to_multi_hot
from ecgprint.record import Record
from ecgprint.render import RenderConfig, render
from vizecg.evaluation.metrics import MetricsReport, metrics_report, select_thresholds

PredictFn = Callable[[list[np.ndarray]], np.ndarray]   # RGB uint8 pages -> [N, labels] probabilities
SEVERITIES = (0.0, 0.25, 0.5, 0.75, 1.0)
THRESHOLD_SOURCES = ("val", "checkpoint")   # chosen on val records printed clean, or the model's stored ones
SAMPLE_WIDTH = 240   # px width of the page thumbnail kept per cell for the contact grid


@dataclass(frozen=True)
class Condition:
    """What a cell prints with: an artifact preset, or the clean page plus one artifact (an artifact name, or a
    description dict such as {"name": "jpeg", "max_drop": 60})."""

    name: str
    kind: str                                   # "preset" or "artifact"
    artifact: dict[str, Any] | None = None

    @property
    def family(self) -> str:
        """The preset's name, or the artifact's family (print, scanner, photo, photometric, damage)."""
        return self.name if self.kind == "preset" else ARTIFACTS[self.artifact["name"]].family

    def config(self, page: RenderConfig, severity: float) -> RenderConfig:
        """The page's paper and layout with this condition's artifacts at `severity` (its own ones dropped)."""
        if self.kind == "preset":
            return dataclasses.replace(page, preset=self.name, severity=severity, artifacts=None)
        return dataclasses.replace(page, preset="clean", severity=severity, artifacts=(self.artifact,))


def conditions(presets: Sequence[str] = tuple(PRESETS), artifacts: Sequence[str | dict] = ()) -> list[Condition]:
    """Conditions for presets and single artifacts; an artifact given by family name (e.g. "scanner") stands
    for every artifact of that family, one at a time. ValueError names anything unknown."""
    unknown = [name for name in presets if name not in PRESETS]
    if unknown:
        raise ValueError(f"unknown preset(s) {unknown}; known: {sorted(PRESETS)}")
    out = [Condition(name, "preset") for name in presets]
    for item in artifacts:
        out += _artifact_conditions(item)
    names = [c.name for c in out]
    if len(set(names)) != len(names):
        raise ValueError(f"conditions repeat: {names}")
    for c in out:   # ecgprint validates artifact descriptions with messages naming the problem
        c.config(RenderConfig(), 1.0)
    return out


def _artifact_conditions(item: str | dict) -> list[Condition]:
    """One condition per artifact: a description dict, an artifact name, or every artifact of a family."""
    if isinstance(item, dict):
        params = ",".join(f"{k}={v}" for k, v in item.items() if k != "name")
        return [Condition(f"{item.get('name')}({params})", "artifact", dict(item))]
    if item in ARTIFACTS:
        return [Condition(item, "artifact", {"name": item})]
    family = [name for name, cls in sorted(ARTIFACTS.items()) if cls.family == item]
    if not family:
        families = sorted({cls.family for cls in ARTIFACTS.values()})
        raise ValueError(f"unknown artifact or family {item!r}; artifacts: {sorted(ARTIFACTS)}; "
                         f"families: {families}")
    return [Condition(name, "artifact", {"name": name}) for name in family]


@dataclass(frozen=True)
class Cell:
    """One condition at one severity: every record's probabilities, the metrics, and the first page's thumbnail."""

    condition: Condition
    severity: float
    probabilities: np.ndarray
    report: MetricsReport
    sample: np.ndarray


@dataclass(frozen=True)
class Study:
    """All cells of a study with what they were measured against."""

    labels: tuple[str, ...]
    record_ids: tuple[str, ...]
    y_true: np.ndarray
    thresholds: np.ndarray
    threshold_source: str
    seed: int
    severities: tuple[float, ...]
    cells: tuple[Cell, ...]

    def cell(self, name: str, severity: float) -> Cell:
        return next(c for c in self.cells if c.condition.name == name and c.severity == severity)

    @property
    def conditions(self) -> list[Condition]:
        """The conditions in study order."""
        first: dict[str, Condition] = {}
        for cell in self.cells:
            first.setdefault(cell.condition.name, cell.condition)
        return list(first.values())

    def rows(self) -> list[dict[str, Any]]:
        """One row per (condition, severity, label): thresholded F1/precision/recall, AUROC/AUPRC, CIs."""
        rows = []
        for cell in self.cells:
            r = cell.report
            for j, label in enumerate(self.labels):
                row = {**_cell_keys(cell), "label": label, "n": r.n_rows, "positives": int(r.n_positive[j]),
                       "threshold": float(r.thresholds[j])}
                for metric in ("f1", "auroc", "precision", "recall", "auprc"):
                    value, low, high = r.get(metric, label)
                    row |= {metric: value, f"{metric}_low": low, f"{metric}_high": high}
                rows.append(row)
        return rows

    def summary_rows(self) -> list[dict[str, Any]]:
        """One row per cell: macro F1 and AUROC with CIs, micro F1."""
        rows = []
        for cell in self.cells:
            row = {**_cell_keys(cell), "n": cell.report.n_rows}
            for metric, column in (("f1", "macro"), ("auroc", "macro"), ("f1", "micro")):
                value, low, high = cell.report.get(metric, column)
                key = f"{column}_{metric}"
                row |= {key: value, f"{key}_low": low, f"{key}_high": high}
            rows.append(row)
        return rows

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: settings, thresholds and every cell's full metrics (NaN as None)."""
        return {"labels": list(self.labels), "seed": self.seed, "severities": list(self.severities),
                "thresholds": self.thresholds.tolist(), "threshold_source": self.threshold_source,
                "record_ids": list(self.record_ids), "positives": self.y_true.sum(axis=0).astype(int).tolist(),
                "cells": [{**_cell_keys(c), "metrics": c.report.to_dict()} for c in self.cells]}


def _cell_keys(cell: Cell) -> dict[str, Any]:
    c = cell.condition
    return {"condition": c.name, "kind": c.kind, "family": c.family, "severity": cell.severity}


def page_seed(seed: int, record_id: str) -> int:
    """The render seed of a record in every cell of a study."""
    return row_seed(seed, record_id)


def thumbnail(image: np.ndarray) -> np.ndarray:
    """The page area-resized to SAMPLE_WIDTH px wide."""
    height = round(SAMPLE_WIDTH * image.shape[0] / image.shape[1])
    return cv2.resize(image, (SAMPLE_WIDTH, height), interpolation=cv2.INTER_AREA)


def predict_pages(predict_fn: PredictFn, records: Sequence[Record], configs: Sequence[RenderConfig], seed: int,
                  batch_size: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """([N, labels] probabilities, thumbnail of the first page) of the records printed with their configs."""
    out, sample = [], None
    for start in range(0, len(records), batch_size):
        images = [render(record, config, page_seed(seed, record.record_id)).image
                  for record, config in zip(records[start:start + batch_size], configs[start:start + batch_size])]
        if sample is None:
            sample = thumbnail(images[0])
        probs = np.asarray(predict_fn(images), dtype=np.float64)
        if probs.shape != (len(images), len(LABELS)):
            raise ValueError(f"predict_fn returned shape {probs.shape} for {len(images)} images; "
                             f"need [{len(images)}, {len(LABELS)}]")
        out.append(probs)
    return np.concatenate(out), sample


def _page_configs(pages: RenderConfig | Sequence[RenderConfig], n: int) -> list[RenderConfig]:
    pages = [pages] * n if isinstance(pages, RenderConfig) else list(pages)
    if len(pages) != n:
        raise ValueError(f"need one page config per record ({n}), got {len(pages)}")
    return pages


def truth_matrix(records: Sequence[Record]) -> np.ndarray:
    return np.stack([to_multi_hot(r.labels) for r in records]).astype(np.int64)


def clean_thresholds(predict_fn: PredictFn, records: Sequence[Record],
                     pages: RenderConfig | Sequence[RenderConfig] = RenderConfig(), seed: int = 0,
                     batch_size: int = 16) -> np.ndarray:
    """Per-label F1-maximising thresholds on validation records printed clean (ecgprint's clean preset)."""
    configs = [dataclasses.replace(c, preset="clean", severity=0.0, artifacts=None)
               for c in _page_configs(pages, len(records))]
    probs, _ = predict_pages(predict_fn, records, configs, seed, batch_size)
    return select_thresholds(truth_matrix(records), probs)


def check_severities(severities: Sequence[float]) -> None:
    """ValueError unless there is at least one severity and all are distinct values within [0, 1]."""
    if not severities or len(set(severities)) != len(severities) or any(not 0 <= s <= 1 for s in severities):
        raise ValueError(f"severities must be distinct values within 0..1, got {list(severities)}")


def run_study(predict_fn: PredictFn, records: Sequence[Record], thresholds: Sequence[float],
              presets: Sequence[str] = tuple(PRESETS), severities: Sequence[float] = SEVERITIES, seed: int = 0,
              artifacts: Sequence[str | dict] | None = None,
              pages: RenderConfig | Sequence[RenderConfig] = RenderConfig(), threshold_source: str = "given",
              n_bootstrap: int = 200, batch_size: int = 16,
              progress: Callable[[str], None] | None = None) -> Study:
    """Print `records` (labels from record.labels) in every condition x severity cell, predict with
    `predict_fn` (RGB uint8 pages -> [N, 6] probabilities in LABELS order) and score each cell at the fixed
    `thresholds` (choose them on clean validation pages: `clean_thresholds`), with seeded bootstrap CIs.

    `pages` is the paper/layout (one config, or one per record); each cell replaces its artifacts."""
    if not records:
        raise ValueError("no records to study")
    check_severities(severities)
    thresholds = np.asarray(thresholds, dtype=np.float64)
    configs = _page_configs(pages, len(records))
    y = truth_matrix(records)
    cells = []
    for condition in conditions(presets, artifacts or ()):
        for severity in severities:
            started = time.perf_counter()
            probs, sample = predict_pages(predict_fn, records, [condition.config(c, severity) for c in configs],
                                          seed, batch_size)
            report = metrics_report(y, probs, thresholds, LABELS, n_bootstrap, seed=seed)
            cells.append(Cell(condition, float(severity), probs, report, sample))
            if progress is not None:
                progress(f"{condition.name} {severity:.2f}: macro F1 {report.get('f1', 'macro')[0]:.3f}, "
                         f"AUROC {report.get('auroc', 'macro')[0]:.3f} ({time.perf_counter() - started:.1f} s)")
    return Study(LABELS, tuple(r.record_id for r in records), y, thresholds, threshold_source, seed,
                 tuple(float(s) for s in severities), tuple(cells))
