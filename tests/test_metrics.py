"""Metrics against brute-force and hand-computed cases; thresholds from validation; seeded bootstrap CIs."""

import itertools
import json

import numpy as np
import pytest

from vizecg.evaluation.metrics import METRICS, metrics_report, paired_difference, select_thresholds


def brute_auroc(y, s):
    """Share of (positive, negative) pairs ranked correctly, ties counted half."""
    pairs = [(p, n) for p, n in itertools.product(s[y == 1], s[y == 0])]
    return np.mean([1.0 if p > n else 0.5 if p == n else 0.0 for p, n in pairs])


def brute_average_precision(y, s):
    """sum over distinct thresholds t (descending) of (recall(t) - recall(previous t)) * precision(t)."""
    ap, prev_recall = 0.0, 0.0
    for t in sorted(set(s), reverse=True):
        pred = s >= t
        recall = (pred & (y == 1)).sum() / (y == 1).sum()
        ap += (recall - prev_recall) * (pred & (y == 1)).sum() / pred.sum()
        prev_recall = recall
    return ap


def random_case(n=60, k=3, seed=1):
    rng = np.random.default_rng(seed)
    y = (rng.random((n, k)) < 0.3).astype(int)
    s = np.round(0.4 * y + rng.random((n, k)), 1)   # rounding makes ties
    return y, s


def test_auroc_and_auprc_match_brute_force_with_ties():
    y, s = random_case()
    report = metrics_report(y, s, np.full(3, 0.5), labels=("a", "b", "c"), n_bootstrap=1)
    for k, label in enumerate("abc"):
        assert report.get("auroc", label)[0] == pytest.approx(brute_auroc(y[:, k], s[:, k]))
        assert report.get("auprc", label)[0] == pytest.approx(brute_average_precision(y[:, k], s[:, k]))
    assert report.get("auroc", "micro")[0] == pytest.approx(brute_auroc(y.ravel(), s.ravel()))
    assert report.get("auprc", "micro")[0] == pytest.approx(brute_average_precision(y.ravel(), s.ravel()))
    aurocs = [report.get("auroc", label)[0] for label in "abc"]
    assert report.get("auroc", "macro")[0] == pytest.approx(np.mean(aurocs))


def test_precision_recall_f1_at_a_known_threshold():
    y = np.array([[1, 0], [1, 1], [0, 0], [1, 0], [0, 1], [0, 0]])
    s = np.array([[0.9, 0.2], [0.4, 0.7], [0.6, 0.1], [0.7, 0.3], [0.2, 0.8], [0.1, 0.9]])
    report = metrics_report(y, s, [0.5, 0.5], labels=("a", "b"), n_bootstrap=1)
    # a: predicted rows 0, 2, 3 -> tp 2, fp 1, fn 1.  b: predicted rows 1, 4, 5 -> tp 2, fp 1, fn 0.
    assert report.get("precision", "a")[0] == pytest.approx(2 / 3)
    assert report.get("recall", "a")[0] == pytest.approx(2 / 3)
    assert report.get("f1", "a")[0] == pytest.approx(2 / 3)
    assert report.get("precision", "b")[0] == pytest.approx(2 / 3)
    assert report.get("recall", "b")[0] == pytest.approx(1.0)
    assert report.get("f1", "b")[0] == pytest.approx(0.8)
    assert report.get("f1", "macro")[0] == pytest.approx((2 / 3 + 0.8) / 2)
    assert report.get("precision", "micro")[0] == pytest.approx(4 / 6)   # pooled tp 4, fp 2, fn 1
    assert report.get("recall", "micro")[0] == pytest.approx(4 / 5)
    assert report.get("f1", "micro")[0] == pytest.approx(8 / 11)


def test_threshold_maximises_f1_on_validation():
    y = np.array([1, 0, 1, 1, 0])
    s = np.array([0.9, 0.8, 0.7, 0.6, 0.3])
    # F1 at 0.9, 0.8, 0.7, 0.6, 0.3 = 1/2, 2/5, 2/3, 6/7, 3/4
    assert select_thresholds(y, s) == pytest.approx([0.6])
    assert select_thresholds(np.zeros((3, 1)), np.ones((3, 1)), default=0.4) == pytest.approx([0.4])


def test_a_false_positive_bound_keeps_the_best_f1_among_thresholds_within_it():
    y = np.array([1, 0, 1, 0, 1, 1, 0, 0])
    s = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])
    # F1 at 0.9 .. 0.2 = 2/5, 1/3, 4/7, 1/2, 2/3, 4/5, 8/11, 2/3, calling 0, 1, 1, 2, 2, 2, 3, 4 of 4 negatives
    assert select_thresholds(y, s) == pytest.approx([0.4])
    assert select_thresholds(y, s, max_fpr=0.5) == pytest.approx([0.4])
    assert select_thresholds(y, s, max_fpr=0.25) == pytest.approx([0.7])
    assert select_thresholds(y, s, max_fpr=0.0) == pytest.approx([0.9])


def test_evaluation_uses_validation_thresholds_not_test_optimal_ones():
    y_val, s_val = np.array([1, 1, 0, 0]), np.array([0.8, 0.6, 0.5, 0.1])
    y_test, s_test = np.array([1, 1, 0, 0]), np.array([0.9, 0.55, 0.3, 0.2])
    thresholds = select_thresholds(y_val, s_val)
    assert thresholds == pytest.approx([0.6])
    report = metrics_report(y_test, s_test, thresholds, labels=("a",), n_bootstrap=1)
    assert report.thresholds == pytest.approx([0.6])
    assert report.get("f1", "a")[0] == pytest.approx(2 / 3)              # test-optimal (0.55) would give 1.0
    assert select_thresholds(y_test, s_test) == pytest.approx([0.55])


def test_label_without_positives_is_nan_and_left_out_of_macro():
    y, s = random_case(k=2)
    y[:, 1] = 0
    report = metrics_report(y, s, [0.5, 0.5], labels=("a", "b"), n_bootstrap=50)
    for metric in METRICS:
        assert np.isnan(report.get(metric, "b")).all()
        assert report.get(metric, "macro")[0] == pytest.approx(report.get(metric, "a")[0])
    out = report.to_dict()
    json.dumps(out, allow_nan=False)
    assert out["columns"]["b"]["auroc"] == {"value": None, "ci": [None, None]}
    assert out["columns"]["b"]["n_positive"] == 0


def test_bootstrap_ci_contains_estimate_and_is_seeded():
    y, s = random_case(n=200, k=3, seed=2)
    thresholds = select_thresholds(y, s)
    a = metrics_report(y, s, thresholds, labels=("a", "b", "c"), n_bootstrap=300, seed=7)
    b = metrics_report(y, s, thresholds, labels=("a", "b", "c"), n_bootstrap=300, seed=7)
    c = metrics_report(y, s, thresholds, labels=("a", "b", "c"), n_bootstrap=300, seed=8)
    assert np.array_equal(a.low, b.low) and np.array_equal(a.high, b.high)
    assert not np.array_equal(a.low, c.low)
    assert (a.low <= a.value).all() and (a.value <= a.high).all() and (a.low < a.high).all()


def test_bootstrap_resamples_match_explicit_row_resampling():
    """A weighted resample must give the metric of the explicitly duplicated rows (checked on one resample)."""
    y, s = random_case(n=30, k=2, seed=3)
    rng = np.random.default_rng(0)
    rows = rng.integers(0, 30, 30)
    direct = metrics_report(y[rows], s[rows], [0.6, 0.6], labels=("a", "b"), n_bootstrap=1)
    weighted = metrics_report(y, s, [0.6, 0.6], labels=("a", "b"), n_bootstrap=1, seed=0)
    assert weighted.low == pytest.approx(direct.value, nan_ok=True)


def test_chunked_bootstrap_equals_unchunked(monkeypatch):
    y, s = random_case(n=40, k=2, seed=4)
    whole = metrics_report(y, s, [0.5, 0.5], labels=("a", "b"), n_bootstrap=20, seed=3)
    monkeypatch.setattr("vizecg.evaluation.metrics.BOOTSTRAP_CELLS", 3 * 40 * 2)
    chunked = metrics_report(y, s, [0.5, 0.5], labels=("a", "b"), n_bootstrap=20, seed=3)
    assert np.array_equal(whole.low, chunked.low, equal_nan=True)


@pytest.mark.parametrize("y, s, thresholds", [
    (np.array([[0, 2]]), np.array([[0.1, 0.2]]), [0.5, 0.5]),
    (np.array([[0, 1]]), np.array([[0.1, np.nan]]), [0.5, 0.5]),
    (np.array([[0, 1]]), np.array([[0.1]]), [0.5, 0.5]),
    (np.array([[0, 1]]), np.array([[0.1, 0.2]]), [0.5]),
])
def test_bad_input_is_rejected(y, s, thresholds):
    with pytest.raises(ValueError):
        metrics_report(y, s, thresholds, labels=("a", "b"))


def test_paired_difference_is_the_difference_of_the_two_evaluations_with_a_tighter_ci():
    rng = np.random.default_rng(5)
    y = rng.random((300, 3)) < 0.3
    a = np.clip(y * 0.35 + rng.random(y.shape) * 0.65, 0, 1)        # a decent model
    b = np.clip(a + rng.normal(0, 0.08, y.shape), 0, 1)             # a noisier copy: highly correlated errors
    t = np.full(3, 0.5)
    for metric in ("f1", "auroc"):
        delta, low, high = paired_difference(y, a, t, b, t, metric=metric, n_bootstrap=400, seed=1)
        ra, rb = (metrics_report(y, s, t, labels=("x", "y", "z"), n_bootstrap=400, seed=1) for s in (a, b))
        assert delta == pytest.approx(ra.get(metric, "macro")[0] - rb.get(metric, "macro")[0])
        assert low <= delta <= high
        # pairing removes the page-to-page variation both models share: narrower than either model's own CI
        assert high - low < 0.8 * (ra.get(metric, "macro")[2] - ra.get(metric, "macro")[1])
    assert paired_difference(y, a, t, a, t, n_bootstrap=50) == (0.0, 0.0, 0.0)


def test_an_unassessed_label_counts_neither_as_positive_nor_as_negative():
    """NaN in y_true (a source with no statement for the label): that label's metrics, FPR and threshold are those
    of the assessed rows alone, and the other labels of the same rows still count."""
    from vizecg.evaluation.metrics import false_positive_rate

    y, s = random_case(n=80, k=2, seed=6)
    s[:20, 1] = 0.99                      # confident calls on rows whose label b is unassessed
    masked = y.astype(float)
    masked[:20, 1] = np.nan
    report = metrics_report(masked, s, [0.5, 0.5], labels=("a", "b"), n_bootstrap=1)
    kept = metrics_report(y[20:, 1:], s[20:, 1:], [0.5], labels=("b",), n_bootstrap=1)
    whole = metrics_report(y, s, [0.5, 0.5], labels=("a", "b"), n_bootstrap=1)
    for metric in METRICS:
        assert report.get(metric, "b")[0] == pytest.approx(kept.get(metric, "b")[0])
        assert report.get(metric, "a")[0] == pytest.approx(whole.get(metric, "a")[0])
    assert report.n_positive.tolist() == [y[:, 0].sum(), y[20:, 1].sum()]
    fpr = false_positive_rate(masked, s, [0.5, 0.5], n_bootstrap=1)[0]
    negatives = y[20:, 1] == 0
    assert fpr[1] == pytest.approx((s[20:, 1][negatives] >= 0.5).mean())
    assert select_thresholds(masked, s)[1] == select_thresholds(y[20:, 1:], s[20:, 1:])[0]
