"""Pooled results of the real-record benchmark: per-label metrics with CIs that resample patients, the same per
page group (fold, source, drawing style, preset, layout, grid), and the benchmark's JSON, markdown and predictions
files."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ecgprint.atomic import write_atomic
from ecgprint.labels import CPSC_UNASSESSED, LABELS
from vizecg.evaluation.metrics import false_positive_rate, metrics_report

# Page columns the group tables split by. Per fold: pooled metrics mix independently trained models, whose
# probabilities may be calibrated differently; the per-fold rows show how much that costs.
GROUPINGS = ("fold", "source", "variant", "preset", "layout", "grid")
SHOWN = (("auroc", "AUROC"), ("f1", "F1"), ("fpr", "FPR"), ("precision", "precision"), ("recall", "recall"))


def _value(value: float, low: float, high: float) -> dict[str, Any]:
    def num(x: float) -> float | None:
        return None if math.isnan(x) else float(x)

    return {"value": num(value), "ci": [num(low), num(high)]}


def summary(y: np.ndarray, probabilities: np.ndarray, thresholds: np.ndarray, groups: np.ndarray,
            n_bootstrap: int, seed: int = 0) -> dict[str, Any]:
    """Per label, macro and micro: AUROC and AUPRC of the probabilities; precision, recall and F1 of the decisions
    (probability >= the page's threshold) and their false-positive rate on pages without the label. All CIs come
    from the same resamples of `groups` (patients)."""
    decisions = (probabilities >= thresholds).astype(np.float64)
    half = np.full(y.shape[1], 0.5)
    ranking = metrics_report(y, probabilities, half, n_bootstrap=n_bootstrap, seed=seed, groups=groups)
    decided = metrics_report(y, decisions, half, n_bootstrap=n_bootstrap, seed=seed, groups=groups)
    fpr = false_positive_rate(y, decisions, half, n_bootstrap, seed=seed, groups=groups)
    columns = {}
    for j, column in enumerate(ranking.columns):
        columns[column] = {**{m: _value(*ranking.get(m, column)) for m in ("auroc", "auprc")},
                           **{m: _value(*decided.get(m, column)) for m in ("precision", "recall", "f1")},
                           "fpr": _value(*(float(a[j]) for a in fpr))}
        if j < y.shape[1]:
            columns[column]["positive_pages"] = int(np.nansum(y[:, j]))
            columns[column]["assessed_pages"] = int((~np.isnan(y[:, j])).sum())
    return {"pages": len(y), "patients": len(np.unique(groups)), "columns": columns}


def evaluation(name: str, pages: pd.DataFrame, probabilities: np.ndarray, thresholds: np.ndarray,
               groups: np.ndarray, n_bootstrap: int, by_group: bool = False) -> dict[str, Any]:
    """The summary of all `pages` at per-page `thresholds` [pages, labels] and, with by_group, of each value of
    every GROUPINGS column."""
    y = pages[list(LABELS)].to_numpy()
    result: dict[str, Any] = {"name": name, "overall": summary(y, probabilities, thresholds, groups, n_bootstrap)}
    if by_group:
        result["groups"] = {column: {} for column in GROUPINGS}
        for column in GROUPINGS:
            values = pages[column].to_numpy()
            for value in sorted(set(values)):
                rows = values == value
                result["groups"][column][str(value)] = summary(y[rows], probabilities[rows], thresholds[rows],
                                                               groups[rows], n_bootstrap)
    return result


def _cell(entry: dict[str, Any]) -> str:
    """`0.812 [0.731, 0.880]`, or `n/a`."""
    if entry["value"] is None:
        return "n/a"
    low, high = entry["ci"]
    return f"{entry['value']:.3f}" + ("" if low is None else f" [{low:.3f}, {high:.3f}]")


def _evaluation_markdown(result: dict[str, Any]) -> list[str]:
    overall = result["overall"]
    lines = [f"## {result['name']}\n", f"{overall['pages']} pages of {overall['patients']} patients.\n",
             "| label | positive pages | " + " | ".join(title for _, title in SHOWN) + " |",
             "|---|---|" + "---|" * len(SHOWN)]
    for column, entry in overall["columns"].items():
        if column != "micro":
            lines.append(f"| {column} | {entry.get('positive_pages', '')} | "
                         + " | ".join(_cell(entry[m]) for m, _ in SHOWN) + " |")
    for grouping, values in result.get("groups", {}).items():
        lines += ["", f"By {grouping}:", "", f"| {grouping} | pages | patients | macro AUROC | macro F1 | macro FPR |",
                  "|---|---|---|---|---|---|"]
        for value, group in values.items():
            macro = group["columns"]["macro"]
            lines.append(f"| {value} | {group['pages']} | {group['patients']} | "
                         + " | ".join(_cell(macro[m]) for m in ("auroc", "f1", "fpr")) + " |")
    return lines + [""]


def benchmark_markdown(result: dict[str, Any]) -> str:
    """The benchmark as a markdown document: setup, one section per evaluation, the thresholds."""
    if result["mode"] == "k-fold":
        train = result["train"]
        path = "signal path (a signal-only baseline)" if train["streams"] == "signal" else "image path"
        setup = (f"- one model per fold ({path}): `{train['config']}` config, {train['epochs']} epochs, "
                 f"seed {train['seed']}, "
                 f"trained on the train split of `{train['data']}` and the other folds' real pages of "
                 f"`{result.get('real_train', result['real'])}`, validated on its val split")
        final = ("all out-of-fold pages (deployed)", result["deployed_thresholds"])
    else:
        setup = f"- checkpoint `{result['checkpoint']}`, image path only, no training"
        final = ("checkpoint", result["checkpoint_thresholds"])
    folds = ", ".join(f"{fold} ({f['pages']} pages, {f['patients']} patients)" for fold, f in result["folds"].items())
    boot = result["bootstrap"]
    lines = ["# Real-record benchmark\n", setup, f"- real pages: `{result['real']}`; folds: {folds}",
             f"- {boot['confidence']:.0%} percentile bootstrap CIs over patients (all pages of a patient resampled "
             f"together), {boot['resamples']} resamples; FPR = share of pages without the label called positive "
             "for it; macro = mean over labels with positives (FPR: with negatives)",
             "- a label a page's source does not assess (CPSC 2018 has no statement for "
             f"{' or '.join(CPSC_UNASSESSED)}) counts neither as positive nor as negative for it", ""]
    for result_ in result["evaluations"]:
        lines += _evaluation_markdown(result_)
    lines += ["## Thresholds\n", "Each fold's pages are decided with thresholds chosen on the other folds' pages.\n",
              "| label | " + " | ".join(result["fold_thresholds"]) + f" | {final[0]} |",
              "|---|" + "---|" * (len(result["fold_thresholds"]) + 1)]
    for label in LABELS:
        lines.append(f"| {label} | " + " | ".join(f"{t[label]:.3f}" for t in result["fold_thresholds"].values())
                     + f" | {final[1][label]:.3f} |")
    return "\n".join(lines) + "\n"


def write_benchmark(out: Path, setup: dict[str, Any], pages: pd.DataFrame, probabilities: np.ndarray,
                    per_page: np.ndarray, evaluations: list[dict[str, Any]], n_bootstrap: int) -> Path:
    """OUT/benchmark.json (setup, folds, per-fold thresholds, evaluations), OUT/benchmark.md and
    OUT/predictions.csv (one row per page: ids, fold, groups, labels, probabilities); returns the markdown path."""
    by_fold = pages.assign(row=np.arange(len(pages)), unit=pages["source"] + "/" + pages["patient_id"]).groupby(
        "fold", sort=False)
    result = {**setup,
              "folds": {fold: {"pages": len(rows), "patients": rows["unit"].nunique()} for fold, rows in by_fold},
              "fold_thresholds": {fold: dict(zip(LABELS, per_page[rows["row"].iloc[0]].tolist()))
                                  for fold, rows in by_fold},
              "bootstrap": {"resamples": n_bootstrap, "confidence": 0.95, "unit": "patient", "seed": 0},
              "evaluations": evaluations}
    predictions = pages.assign(**{f"p_{label}": probabilities[:, j] for j, label in enumerate(LABELS)})
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / "benchmark.json", json.dumps(result, indent=1))
    write_atomic(out / "predictions.csv", predictions.to_csv(index=False))
    write_atomic(out / "benchmark.md", benchmark_markdown(result))
    return out / "benchmark.md"
