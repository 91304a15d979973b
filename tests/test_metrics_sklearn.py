"""The hand-written metrics against scikit-learn, the reference implementation: per label, macro and micro, with
continuous, heavily tied and all-equal scores, unit and bootstrap-style row weights, and threshold selection."""

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, f1_score, precision_score, recall_score, roc_auc_score

from vizecg.evaluation.metrics import METRICS, _table, metrics_report, select_thresholds

SEEDS = range(4)
SCORE_KINDS = ("continuous", "one_decimal", "two_values", "all_equal")
K = 4
COLUMNS = (*range(K), "macro", "micro")


def case(seed: int, kind: str, n: int = 80) -> tuple[np.ndarray, np.ndarray]:
    """y [n, K] 0/1 with both classes in every label, scores [n, K] of the given kind (informative but noisy)."""
    rng = np.random.default_rng(seed)
    y = (rng.random((n, K)) < rng.uniform(0.1, 0.5, K)).astype(int)
    y[0], y[1] = 1, 0
    s = 0.3 * y + rng.random((n, K))
    s = {"continuous": s, "one_decimal": np.round(s, 1), "two_values": (s > 0.7).astype(float),
         "all_equal": np.full_like(s, 0.25)}[kind]
    return y, s


def thresholds_for(s: np.ndarray, seed: int) -> np.ndarray:
    """Per-label thresholds equal to one of the label's scores (so `>=` ties are exercised); the last label's lies
    above every score, so nothing is predicted positive (precision's zero_division case)."""
    rng = np.random.default_rng(seed + 100)
    t = np.array([rng.choice(s[:, k]) for k in range(K)])
    t[-1] = s[:, -1].max() + 1.0
    return t


def sklearn_table(y: np.ndarray, s: np.ndarray, thresholds: np.ndarray, w: np.ndarray) -> dict[str, list[float]]:
    """scikit-learn's value of every metric for the columns labels..., macro, micro, with sample weights w [n]."""
    pred = (s >= thresholds).astype(int)
    out = {}
    for name, fn in (("precision", precision_score), ("recall", recall_score), ("f1", f1_score)):
        out[name] = [fn(y[:, k], pred[:, k], sample_weight=w, zero_division=0) for k in range(K)]
        out[name] += [fn(y, pred, average=a, sample_weight=w, zero_division=0) for a in ("macro", "micro")]
    for name, fn in (("auroc", roc_auc_score), ("auprc", average_precision_score)):
        out[name] = [fn(y[:, k], s[:, k], sample_weight=w) for k in range(K)]
        out[name] += [fn(y, s, average=a, sample_weight=w) for a in ("macro", "micro")]
    return out


@pytest.mark.parametrize("kind", SCORE_KINDS)
@pytest.mark.parametrize("seed", SEEDS)
def test_point_estimates_equal_scikit_learn(seed, kind):
    y, s = case(seed, kind)
    thresholds = thresholds_for(s, seed)
    report = metrics_report(y, s, thresholds, labels=tuple("abcd"), n_bootstrap=1)
    reference = sklearn_table(y, s, thresholds, np.ones(len(y)))
    for i, metric in enumerate(METRICS):
        np.testing.assert_allclose(report.value[i], reference[metric], rtol=0, atol=1e-9, err_msg=metric)


@pytest.mark.parametrize("kind", SCORE_KINDS)
@pytest.mark.parametrize("seed", SEEDS)
def test_weighted_rows_equal_scikit_learn_sample_weights(seed, kind):
    """Bootstrap resamples are row weights: integer counts (with zeros) and, more generally, any positive weights."""
    y, s = case(seed, kind)
    thresholds = thresholds_for(s, seed)
    rng = np.random.default_rng(seed + 200)
    counts = rng.integers(0, 4, len(y)).astype(float)
    counts[:2] = 1                                   # keep both classes in every label
    for w in (counts, rng.uniform(0.1, 3.0, len(y))):
        table = _table(y.astype(bool), s, thresholds, w[None], np.ones(y.shape, bool))
        reference = sklearn_table(y, s, thresholds, w)
        for metric in METRICS:
            np.testing.assert_allclose(table[metric][0], reference[metric], rtol=0, atol=1e-9, err_msg=metric)


def reference_thresholds(y: np.ndarray, s: np.ndarray) -> list[float]:
    """Per label, the distinct score maximising scikit-learn's F1 of `score >= t`, ties to the highest t."""
    best = []
    for k in range(y.shape[1]):
        candidates = np.unique(s[:, k])[::-1]
        f1 = [f1_score(y[:, k], s[:, k] >= t, zero_division=0) for t in candidates]
        best.append(float(candidates[int(np.argmax(f1))]))
    return best


@pytest.mark.parametrize("kind", SCORE_KINDS)
@pytest.mark.parametrize("seed", SEEDS)
def test_selected_thresholds_maximise_scikit_learn_f1(seed, kind):
    y, s = case(seed, kind)
    assert select_thresholds(y, s).tolist() == reference_thresholds(y, s)
