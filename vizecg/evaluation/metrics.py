"""Multi-label classification metrics with per-label thresholds from validation and 95 % bootstrap CIs (numpy only).

Every metric is computed from per-row weights: ones for the point estimate, bootstrap resample counts for the
CIs, so both go through the same code. Labels without positives give NaN (reported, left out of macro means).
A NaN in y_true means the label was not assessed for that row (e.g. a source whose diagnosis scheme has no such
statement): the row counts for the label's metrics neither as positive nor as negative.
Resamples draw rows, or whole groups of rows (`groups`, e.g. all pages of one record) so that several pages of
one record do not narrow the CIs as if they were independent.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ecgprint.labels import LABELS

METRICS = ("precision", "recall", "f1", "auroc", "auprc")   # rows of MetricsReport arrays
BOOTSTRAP_CELLS = 2_000_000  # resamples x rows x labels per chunk: bounds bootstrap memory (16 MB per array)


def _check(y_true: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate and return (positive bool [n, K], scores float [n, K], assessed bool [n, K]); 1-D inputs are one
    label."""
    y, s = np.asarray(y_true, dtype=np.float64), np.asarray(scores, dtype=np.float64)
    y, s = (y[:, None], s[:, None]) if y.ndim == 1 else (y, s)
    if y.ndim != 2 or y.shape != s.shape or y.shape[0] == 0:
        raise ValueError(f"y_true and scores must be non-empty [n, labels] of equal shape, got {y.shape}, {s.shape}")
    assessed = ~np.isnan(y)
    if not np.isin(y[assessed], (0, 1)).all():
        raise ValueError("y_true must hold only 0/1 (or NaN: not assessed)")
    if not np.isfinite(s).all():
        raise ValueError("scores must be finite")
    return y == 1, s, assessed


def _divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den with NaN where den == 0."""
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _ranking(y: np.ndarray, s: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted AUROC and average precision of one label for each weight row w [R, n] -> ([R], [R]).

    Rows are sorted once by descending score; tied scores form one group, counted half in AUROC (Mann-Whitney)
    and as one threshold in AP = sum over thresholds of Δrecall · precision (as scikit-learn).
    """
    order = np.argsort(-s, kind="stable")
    s_sorted = s[order]
    starts = np.flatnonzero(np.r_[True, s_sorted[1:] != s_sorted[:-1]])
    w_sorted = w[:, order]
    pos = np.add.reduceat(w_sorted * y[order], starts, axis=1)      # [R, groups] positive weight per score
    neg = np.add.reduceat(w_sorted * ~y[order], starts, axis=1)
    tp, fp = np.cumsum(pos, axis=1), np.cumsum(neg, axis=1)         # counts at score >= each group's score
    n_pos, n_neg = tp[:, -1], fp[:, -1]
    neg_below = n_neg[:, None] - fp                                 # negatives with a strictly lower score
    auroc = _divide((pos * (neg_below + 0.5 * neg)).sum(axis=1), n_pos * n_neg)
    precision = np.divide(tp, tp + fp, out=np.zeros_like(tp), where=tp + fp > 0)
    auprc = _divide((pos * precision).sum(axis=1), n_pos)
    return auroc, auprc


def _table(y: np.ndarray, s: np.ndarray, thresholds: np.ndarray, w: np.ndarray,
           assessed: np.ndarray) -> dict[str, np.ndarray]:
    """Every metric for weight rows w [R, n] over the assessed cells: {metric: [R, K + 2]}, columns = labels, macro,
    micro."""
    pred = s >= thresholds
    neg = ~y & assessed
    tp, fp, fn = w @ (y & pred), w @ (neg & pred), w @ (y & ~pred)     # [R, K] weighted counts
    has_pos = (tp + fn) > 0

    def counts_metrics(tp, fp, fn):
        # Precision is 0, not NaN, when nothing is predicted positive (scikit-learn's zero_division=0).
        precision = np.divide(tp, tp + fp, out=np.zeros_like(tp), where=tp + fp > 0)
        return {"precision": precision, "recall": _divide(tp, tp + fn), "f1": _divide(2 * tp, 2 * tp + fp + fn)}

    per_label = {k: np.where(has_pos, v, np.nan) for k, v in counts_metrics(tp, fp, fn).items()}
    micro = counts_metrics(tp.sum(1), fp.sum(1), fn.sum(1))
    micro = {k: np.where(has_pos.any(axis=1), v, np.nan) for k, v in micro.items()}
    ranking = [_ranking(y[:, k], s[:, k], w * assessed[:, k]) for k in range(y.shape[1])]
    per_label["auroc"] = np.stack([r[0] for r in ranking], axis=1)
    per_label["auprc"] = np.stack([r[1] for r in ranking], axis=1)
    flat_w = np.repeat(w, y.shape[1], axis=1) * assessed.reshape(-1)  # micro ranking: every assessed (row, label)
    micro["auroc"], micro["auprc"] = _ranking(y.reshape(-1), s.reshape(-1), flat_w)
    return {m: np.column_stack([per_label[m], _nanmean(per_label[m]), micro[m]]) for m in METRICS}


def _nanmean(a: np.ndarray) -> np.ndarray:
    """Mean over labels ignoring NaN; NaN (no warning) when every label is NaN."""
    count = (~np.isnan(a)).sum(axis=1)
    return _divide(np.nansum(a, axis=1), count)


def _bootstrap_weights(n: int, n_labels: int, n_bootstrap: int, seed: int,
                       groups: np.ndarray | None = None) -> Iterator[np.ndarray]:
    """Row weights [r, n] of `n_bootstrap` seeded resamples with replacement, in memory-bounded chunks: of the n
    rows, or of whole groups (`groups`: group index 0..G-1 per row; a row weighs as often as its group is drawn)."""
    rng = np.random.default_rng(seed)
    units = n if groups is None else int(groups.max()) + 1
    chunk = max(1, BOOTSTRAP_CELLS // (n * n_labels))
    for start in range(0, n_bootstrap, chunk):
        r = min(chunk, n_bootstrap - start)
        draws = rng.integers(0, units, size=(r, units)) + units * np.arange(r)[:, None]
        # float32 halves the memory traffic of the hot loop; counts and their sums stay exact below 2**24.
        counts = np.bincount(draws.reshape(-1), minlength=r * units).reshape(r, units).astype(np.float32)
        yield counts if groups is None else counts[:, groups]


def _group_index(groups: Sequence | np.ndarray | None, n: int) -> np.ndarray | None:
    """Any per-row group labels (e.g. record ids) as indices 0..G-1, or None to resample rows."""
    if groups is None:
        return None
    groups = np.asarray(groups)
    if groups.shape != (n,):
        raise ValueError(f"groups must hold one entry per row ({n}), got shape {groups.shape}")
    return np.unique(groups, return_inverse=True)[1].reshape(n)


def _interval(boots: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval over the resamples (axis 0); resamples where a value is NaN are skipped."""
    alpha = (1.0 - confidence) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # all-NaN columns (labels without positives)
        return np.nanquantile(boots, alpha, axis=0), np.nanquantile(boots, 1 - alpha, axis=0)


def select_thresholds(y_val: np.ndarray, scores_val: np.ndarray, default: float = 0.5,
                      max_fpr: float | None = None) -> np.ndarray:
    """Per-label threshold maximising F1 on validation data (predict positive when score >= threshold).

    Candidates are the distinct scores; ties in F1 go to the highest threshold. A label with no validation
    positives gets `default`. Rows where a label was not assessed (NaN) are left out of its choice. `max_fpr`:
    only candidates calling at most this share of the label's validation negatives positive (the highest
    candidate if none does).
    """
    y, s, assessed = _check(y_val, scores_val)
    thresholds = np.full(y.shape[1], float(default))
    for k in range(y.shape[1]):
        if not y[:, k].any():
            continue
        rows = np.flatnonzero(assessed[:, k])
        order = rows[np.argsort(-s[rows, k], kind="stable")]
        s_sorted, y_sorted = s[order, k], y[order, k]
        last = np.flatnonzero(np.r_[s_sorted[1:] != s_sorted[:-1], True])   # last row of each tie group
        tp = np.cumsum(y_sorted)[last]
        fp = (last + 1) - tp
        f1 = 2 * tp / (2 * tp + fp + (y_sorted.sum() - tp))
        if max_fpr is not None:
            f1 = np.where(fp <= max_fpr * (len(y_sorted) - y_sorted.sum()), f1, -1.0)
        thresholds[k] = s_sorted[last[np.argmax(f1)]]
    return thresholds


@dataclass(frozen=True)
class MetricsReport:
    """Point estimates and bootstrap CIs, arrays [metric, label columns] with columns = labels + macro + micro."""

    labels: tuple[str, ...]
    thresholds: np.ndarray
    n_positive: np.ndarray
    value: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n_rows: int
    n_bootstrap: int
    confidence: float
    seed: int

    @property
    def columns(self) -> tuple[str, ...]:
        return (*self.labels, "macro", "micro")

    def get(self, metric: str, column: str) -> tuple[float, float, float]:
        """(value, low, high) of one metric for a label, "macro" or "micro"."""
        i, j = METRICS.index(metric), self.columns.index(column)
        return float(self.value[i, j]), float(self.low[i, j]), float(self.high[i, j])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready nested dict; NaN becomes None."""
        def num(x: float) -> float | None:
            return None if np.isnan(x) else float(x)

        out: dict[str, Any] = {"n_rows": self.n_rows, "n_bootstrap": self.n_bootstrap,
                               "confidence": self.confidence, "seed": self.seed, "columns": {}}
        for j, column in enumerate(self.columns):
            entry: dict[str, Any] = {m: {"value": num(self.value[i, j]), "ci": [num(self.low[i, j]),
                                                                               num(self.high[i, j])]}
                                     for i, m in enumerate(METRICS)}
            if j < len(self.labels):
                entry |= {"threshold": float(self.thresholds[j]), "n_positive": int(self.n_positive[j])}
            out["columns"][column] = entry
        return out


def metrics_report(y_true: np.ndarray, scores: np.ndarray, thresholds: Sequence[float] | np.ndarray,
             labels: Sequence[str] = LABELS, n_bootstrap: int = 1000, confidence: float = 0.95,
             seed: int = 0, groups: Sequence | np.ndarray | None = None) -> MetricsReport:
    """Per-label, macro and micro metrics at fixed thresholds (chosen on validation, never on these rows),
    with percentile bootstrap CIs over rows, or over `groups` of rows (seeded; NaN resamples, e.g. without
    positives, are skipped)."""
    y, s, assessed = _check(y_true, scores)
    thresholds = np.asarray(thresholds, dtype=np.float64)
    if thresholds.shape != (y.shape[1],) or len(labels) != y.shape[1]:
        raise ValueError(f"need one threshold and one label name per column ({y.shape[1]}), "
                         f"got {thresholds.shape} and {len(labels)}")
    if n_bootstrap < 1 or not 0.0 < confidence < 1.0:
        raise ValueError(f"need n_bootstrap >= 1 and 0 < confidence < 1, got {n_bootstrap}, {confidence}")
    n = y.shape[0]
    weights = _bootstrap_weights(n, y.shape[1], n_bootstrap, seed, _group_index(groups, n))
    point = _table(y, s, thresholds, np.ones((1, n)), assessed)
    boots = [_table(y, s, thresholds, w, assessed) for w in weights]
    low, high = _interval(np.stack([np.concatenate([b[m] for b in boots]) for m in METRICS], axis=1), confidence)
    return MetricsReport(tuple(labels), thresholds, y.sum(axis=0), np.stack([point[m][0] for m in METRICS]),
                         low, high, n, n_bootstrap, confidence, seed)


def paired_difference(y_true: np.ndarray, scores_a: np.ndarray, thresholds_a: Sequence[float] | np.ndarray,
                      scores_b: np.ndarray, thresholds_b: Sequence[float] | np.ndarray, metric: str = "f1",
                      column: str = "macro", n_bootstrap: int = 1000, confidence: float = 0.95,
                      seed: int = 0) -> tuple[float, float, float]:
    """(difference, low, high) of metric(a) - metric(b) on the same rows: both are scored on each resample of
    the rows (a paired bootstrap), so the page-to-page variation they share cancels out of the CI."""
    y, a, assessed = _check(y_true, scores_a)
    _, b, _ = _check(y_true, scores_b)
    columns = (*range(y.shape[1]), "macro", "micro")
    if metric not in METRICS or column not in ("macro", "micro"):
        raise ValueError(f"metric must be one of {METRICS} and column 'macro' or 'micro', got {metric!r}, {column!r}")
    j = columns.index(column)
    thresholds = [np.asarray(t, dtype=np.float64) for t in (thresholds_a, thresholds_b)]

    def diff(w: np.ndarray) -> np.ndarray:
        return (_table(y, a, thresholds[0], w, assessed)[metric][:, j]
                - _table(y, b, thresholds[1], w, assessed)[metric][:, j])

    point = float(diff(np.ones((1, y.shape[0])))[0])
    boots = np.concatenate([diff(w) for w in _bootstrap_weights(y.shape[0], y.shape[1], n_bootstrap, seed)])
    low, high = _interval(boots, confidence)
    return point, float(low), float(high)


def _false_positive_rates(y: np.ndarray, s: np.ndarray, thresholds: np.ndarray, w: np.ndarray,
                          assessed: np.ndarray) -> np.ndarray:
    """FP / (FP + TN) over the assessed cells for weight rows w [R, n] -> [R, K + 2]: labels, macro (mean over
    labels), micro (pooled)."""
    pred, neg = s >= thresholds, ~y & assessed
    fp, tn = w @ (neg & pred), w @ (neg & ~pred)
    per_label = _divide(fp, fp + tn)
    return np.column_stack([per_label, _nanmean(per_label), _divide(fp.sum(axis=1), (fp + tn).sum(axis=1))])


def false_positive_rate(y_true: np.ndarray, scores: np.ndarray, thresholds: Sequence[float] | np.ndarray,
                        n_bootstrap: int = 1000, confidence: float = 0.95, seed: int = 0,
                        groups: Sequence | np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(value, low, high), each [labels + macro + micro]: the share of rows without a label that are called
    positive for it (NaN for a label every row has), with the same bootstrap CIs as metrics_report."""
    y, s, assessed = _check(y_true, scores)
    thresholds = np.asarray(thresholds, dtype=np.float64)
    if thresholds.shape != (y.shape[1],) or n_bootstrap < 1:
        raise ValueError(f"need one threshold per column ({y.shape[1]}) and n_bootstrap >= 1, "
                         f"got {thresholds.shape}, {n_bootstrap}")
    n = y.shape[0]
    weights = _bootstrap_weights(n, y.shape[1], n_bootstrap, seed, _group_index(groups, n))
    low, high = _interval(np.concatenate([_false_positive_rates(y, s, thresholds, w, assessed) for w in weights]),
                          confidence)
    return _false_positive_rates(y, s, thresholds, np.ones((1, n)), assessed)[0], low, high
