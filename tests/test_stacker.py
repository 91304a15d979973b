"""Rhythm measurements on synthetic records of known rate and conduction, the stacker's fit against scikit-learn's
logistic regression, its file, and its use by the reader route of `vizecg predict`."""

from dataclasses import replace

import numpy as np
import pytest

from ecgprint.labels import LABELS
from ecgprint.paper import Paper
from ecgprint.render import RenderConfig, render
from ecgprint.synth import SynthConfig, example_record, synth_record
from tests.vizecg_helpers import save_untrained_checkpoint, save_untrained_reader  # noqa: F401
from vizecg.page_signal import page_signal
from vizecg.predict import Predictor
from vizecg.rhythm import FEATURES, rhythm_features
from vizecg.stacker import INPUTS, Stacker, fit_stacker, stack_path

FS = 400.0


@pytest.fixture(scope="module")
def example_page():
    return render(example_record(), RenderConfig(paper=Paper(dpi=100)), seed=1).image


def measured(labels: str, index: int, leads_shown=None) -> dict:
    """rhythm_features of synthetic record `index` with `labels` at 400 Hz, as a name -> value dict; with
    `leads_shown` [12, n] bool, the other samples are zeroed (unprinted)."""
    record = synth_record(index, SynthConfig(fs=FS, labels=labels, seed=1))
    x = np.asarray(record.signal, np.float64).T
    if leads_shown is not None:
        x = np.where(leads_shown, x, 0.0)
    return {"truth_rate": record.metadata["rate_bpm"], **dict(zip(FEATURES, rhythm_features(x, FS)))}


def three_by_four(n: int) -> np.ndarray:
    """What a 3x4 page with a lead II rhythm strip prints: each lead 2.5 s in its column, lead II for 10 s."""
    shown = np.zeros((12, n), bool)
    for column in range(4):
        shown[3 * column:3 * column + 3, column * n // 4:(column + 1) * n // 4] = True
    shown[1] = True
    return shown


@pytest.mark.parametrize("labels", ["NORM", "SB", "ST"])
def test_rate_is_the_records_rate_on_all_leads_and_on_a_3x4_page(labels):
    for index in range(2):
        whole = measured(labels, index)
        page = measured(labels, index, three_by_four(int(10 * FS)))
        assert whole["rate"] == pytest.approx(whole["truth_rate"], rel=0.03)
        assert page["rate"] == pytest.approx(whole["truth_rate"], rel=0.03)


def test_conduction_and_rhythm_measurements_separate_the_labels_they_define():
    def lowest(labels: str, key: str) -> float:
        return min(measured(labels, i)[key] for i in range(3))

    normal = {key: max(measured("NORM", i)[key] for i in range(3)) for key in ("rr_cv", "qrs_s", "V1_terminal",
                                                                                  "p_peak_s")}
    assert lowest("AF", "rr_cv") > 3 * normal["rr_cv"]
    assert lowest("LBBB", "qrs_s") >= 0.12 > normal["qrs_s"]
    assert lowest("RBBB", "V1_terminal") > 0 > normal["V1_terminal"]
    assert lowest("1dAVb", "p_peak_s") > 0.05 + normal["p_peak_s"]


def test_a_blank_or_beatless_signal_is_not_measured():
    assert np.isnan(rhythm_features(np.zeros((12, 4096)), FS)).all()
    flat = np.full((12, 4096), 0.1)
    assert np.isnan(rhythm_features(flat, FS)[FEATURES.index("rate")])


def fitting_case(seed: int = 0):
    rng = np.random.default_rng(seed)
    n = 400
    features = rng.normal(size=(n, len(FEATURES)))
    features[rng.random(features.shape) < 0.05] = np.nan
    y = (rng.random((n, len(LABELS))) < 0.3).astype(float)
    probabilities = np.clip(0.3 * y + 0.7 * rng.random(y.shape), 0.01, 0.99)
    features[:, 0] += 2 * y[:, 0]
    return features, probabilities, y


@pytest.mark.parametrize("inputs", [None, INPUTS])
def test_fit_is_scikit_learns_l2_logistic_regression_on_each_labels_inputs_and_leaves_unassessed_rows_out(inputs):
    from sklearn.linear_model import LogisticRegression

    features, probabilities, y = fitting_case()
    y[:100, 3] = np.nan
    stack = fit_stacker(features, probabilities, y, LABELS, c=0.1, inputs=inputs)
    x = stack.inputs(features, probabilities)
    for k, label in enumerate(LABELS):
        rows = ~np.isnan(y[:, k])
        names = FEATURES if inputs is None else inputs.get(label, FEATURES)
        columns = np.array([name in names for name in FEATURES] + [True] * len(LABELS))
        reference = LogisticRegression(C=0.1, tol=1e-10, max_iter=10_000).fit(x[np.ix_(rows, columns)], y[rows, k])
        np.testing.assert_allclose(stack.weights[k, columns], reference.coef_[0], atol=1e-4)
        assert not stack.weights[k, ~columns].any()
        assert stack.intercept[k] == pytest.approx(reference.intercept_[0], abs=1e-4)
    np.testing.assert_allclose(stack.probabilities(features, probabilities)[:, 0],
                               reference_probability(x, stack, 0), rtol=1e-12)


def test_a_label_without_positives_in_the_fitting_pages_keeps_the_readers_probability():
    """With two folds, one fold can hold no AF page: fitting on it must not turn AF's ranking upside down."""
    features, probabilities, y = fitting_case(2)
    y[:, 4] = 0.0
    stacked = fit_stacker(features, probabilities, y, LABELS).probabilities(features, probabilities)
    np.testing.assert_allclose(stacked[:, 4], np.clip(probabilities[:, 4], 1e-6, 1 - 1e-6), rtol=1e-9)
    assert not np.allclose(stacked[:, 0], probabilities[:, 0], rtol=1e-3)


def test_1davb_and_af_see_the_measurements_their_definitions_use():
    assert set(INPUTS) == {"1dAVb", "AF"}
    assert {"p_peak_s", "p_centre_s"} <= set(INPUTS["1dAVb"]) and "rr_cv" not in INPUTS["1dAVb"]
    assert {"rr_cv", "rr_rmssd", "p_ratio"} <= set(INPUTS["AF"]) and "V1_terminal" not in INPUTS["AF"]
    with pytest.raises(ValueError, match="stacker inputs of AF are not rhythm features: \\['pr_ms'\\]"):
        fit_stacker(*fitting_case(), LABELS, inputs={"AF": ("pr_ms",)})


def reference_probability(x: np.ndarray, stack: Stacker, k: int) -> np.ndarray:
    return 1 / (1 + np.exp(-(x @ stack.weights[k] + stack.intercept[k])))


def test_stacker_file_round_trips_and_a_bad_file_is_named(tmp_path):
    features, probabilities, y = fitting_case(1)
    stack = replace(fit_stacker(features, probabilities, y, LABELS), thresholds=np.linspace(0.2, 0.7, 6))
    stack.save(tmp_path / "reader.stack.json")
    loaded = Stacker.load(tmp_path / "reader.stack.json")
    np.testing.assert_array_equal(loaded.probabilities(features, probabilities),
                                  stack.probabilities(features, probabilities))
    np.testing.assert_array_equal(loaded.thresholds, stack.thresholds)
    (tmp_path / "bad.stack.json").write_text('{"labels": ["AF"]}')
    with pytest.raises(ValueError, match="bad.stack.json: not a stacker"):
        Stacker.load(tmp_path / "bad.stack.json")


def test_the_reader_route_decides_with_the_stacker_beside_the_reader(example_page, tmp_path):
    save_untrained_checkpoint(tmp_path / "tiny.pt")
    save_untrained_reader(tmp_path / "reader.pt")
    plain, = Predictor(tmp_path / "tiny.pt", reader=tmp_path / "reader.pt").predict([("page", example_page)])
    features, probabilities, y = fitting_case(2)
    stack = replace(fit_stacker(features, probabilities, y, LABELS), thresholds=np.array([0.0, 1.1] * 3))
    stack.save(stack_path(tmp_path / "reader.pt"))
    predictor = Predictor(tmp_path / "tiny.pt", reader=tmp_path / "reader.pt")
    stacked, = predictor.predict([("page", example_page)])
    signal = page_signal(example_page, predictor.reader.spec).signal
    expected = stack.classify(signal[None], np.array([list(plain.probabilities.values())]), FS)[0]
    assert stacked.route == "reader"
    np.testing.assert_allclose(list(stacked.probabilities.values()), expected, rtol=1e-6)
    assert list(stacked.decisions.values()) == [True, False] * 3   # the stacker's thresholds decide
