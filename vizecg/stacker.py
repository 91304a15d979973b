"""The reader's last step: per label, an L2-regularised logistic regression over the reader's six logits and the
rhythm measurements of the page (vizecg.rhythm; for 1dAVb and AF only those their definitions use, INPUTS), fitted
on digitized real pages with out-of-fold reader probabilities (benchmarks/digitize_then_classify.py). Stored as JSON
beside the reader (`reader.stack.json`), applied with numpy by every engine."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vizecg.rhythm import FEATURES, rhythm_features

C = 0.1          # inverse L2 strength (scikit-learn's C): on the real-record benchmark 0.1 beat 1 and 0.02
MAX_BYTES = 1 << 20
EPS = 1e-6
# The measurements that 1dAVb (the pre-QRS wave's distance) and AF (irregularity, atrial activity) are defined by;
# the other labels see every measurement. Offered all 34, 1dAVb and AF fitted chance correlations: on the
# real-record benchmark these subsets kept macro AUROC and raised 1dAVb's F1 from 0.16 to 0.26, while the same
# restriction for the bundle branch blocks and SB/ST cost AUROC (LBBB 0.911 -> 0.887; docs/model.md).
INPUTS: dict[str, tuple[str, ...]] = {
    "1dAVb": ("rate", "p_ratio", "p_peak_s", "p_centre_s", "qrs_s"),
    "AF": ("rr_cv", "rr_rmssd", "rr_jumps", "p_ratio", "p_peak_s", "p_centre_s", "rate"),
}


def logits(probabilities: np.ndarray) -> np.ndarray:
    p = np.clip(probabilities, EPS, 1 - EPS)
    return np.log(p / (1 - p))


def sigmoid(z: np.ndarray) -> np.ndarray:
    """logits' inverse; exp's overflow below z = -709 gives the right limit, 0, so it is not warned about."""
    with np.errstate(over="ignore"):
        return 1 / (1 + np.exp(-z))


def stack_path(reader: str | Path) -> Path:
    """Where a reader's stacker lives: `reader.pt` and `reader.onnx` share `reader.stack.json`."""
    return Path(reader).with_suffix(".stack.json")


@dataclass(frozen=True)
class Stacker:
    """Standardisation of [rhythm features, reader logits] (NaN features become the training median), weights
    [labels, inputs], intercepts [labels] and decision thresholds [labels]."""

    labels: tuple[str, ...]
    median: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    intercept: np.ndarray
    thresholds: np.ndarray

    def __post_init__(self) -> None:
        k, n = len(self.labels), len(FEATURES) + len(self.labels)
        shapes = (self.median.shape, self.mean.shape, self.scale.shape, self.weights.shape, self.intercept.shape,
                  self.thresholds.shape)
        if shapes != ((len(FEATURES),), (n,), (n,), (k, n), (k,), (k,)):
            raise ValueError(f"stacker arrays do not fit {k} labels and {len(FEATURES)} features: {shapes}")

    def inputs(self, features: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
        """Standardised model inputs [n, features + labels]."""
        filled = np.where(np.isnan(features), self.median, features)
        return (np.column_stack([filled, logits(probabilities)]) - self.mean) / self.scale

    def probabilities(self, features: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
        """Stacked probabilities [n, labels] from rhythm features [n, FEATURES] and reader probabilities."""
        return sigmoid(self.inputs(features, probabilities) @ self.weights.T + self.intercept)

    def classify(self, signals: np.ndarray, probabilities: np.ndarray, fs: float) -> np.ndarray:
        """Stacked probabilities of page signals [n, 12, samples] at `fs` with their reader probabilities."""
        features = np.stack([rhythm_features(x, fs) for x in signals]) if len(signals) else np.zeros((0, len(FEATURES)))
        return self.probabilities(features, probabilities)

    def save(self, path: str | Path) -> None:
        from ecgprint.atomic import write_atomic
        body = {"labels": list(self.labels), "features": list(FEATURES),
                **{name: getattr(self, name).tolist() for name in
                   ("median", "mean", "scale", "weights", "intercept", "thresholds")}}
        write_atomic(Path(path), json.dumps(body, indent=1).encode())

    @classmethod
    def load(cls, path: str | Path) -> Stacker:
        """ValueError naming the file when it is too large, not JSON, or made for other features."""
        path = Path(path)
        if path.stat().st_size > MAX_BYTES:
            raise ValueError(f"{path}: larger than {MAX_BYTES} bytes, not a stacker")
        try:
            body = json.loads(path.read_text())
            if tuple(body["features"]) != FEATURES:
                raise ValueError("made for other rhythm features")
            return cls(tuple(body["labels"]), *(np.asarray(body[name], np.float64) for name in
                                                ("median", "mean", "scale", "weights", "intercept", "thresholds")))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}: not a stacker ({exc})") from None


def input_columns(label: str, labels: tuple[str, ...], inputs: dict[str, tuple[str, ...]] | None) -> np.ndarray:
    """bool [FEATURES + labels]: the measurements `inputs` names for `label` (all of them when `inputs` is None or
    does not name the label) and every reader logit."""
    names = set(FEATURES) if inputs is None or label not in inputs else set(inputs[label])
    unknown = names - set(FEATURES)
    if unknown:
        raise ValueError(f"stacker inputs of {label} are not rhythm features: {sorted(unknown)}")
    return np.array([name in names for name in FEATURES] + [True] * len(labels))


def fit_stacker(features: np.ndarray, probabilities: np.ndarray, y: np.ndarray, labels: tuple[str, ...],
                c: float = C, inputs: dict[str, tuple[str, ...]] | None = INPUTS) -> Stacker:
    """Fit on rows [n] of rhythm features, reader probabilities and labels y [n, labels] (NaN: not assessed, left
    out of that label's fit): per label, over its input_columns (the other weights stay 0), minimises the summed
    log loss + |w|^2 / (2c) (scikit-learn's LogisticRegression objective), with L-BFGS. A label whose rows hold one
    class only (no positive page in the fitting folds) keeps the reader's probability. Thresholds are 0.5;
    dataclasses.replace sets the chosen ones."""
    from scipy.optimize import minimize

    median = np.nanmedian(features, axis=0)
    median = np.where(np.isnan(median), 0.0, median)
    x = np.column_stack([np.where(np.isnan(features), median, features), logits(probabilities)])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    x = (x - mean) / scale
    weights, intercept = np.zeros((len(labels), x.shape[1])), np.zeros(len(labels))
    for k in range(len(labels)):
        rows, columns = ~np.isnan(y[:, k]), input_columns(labels[k], labels, inputs)
        xk, yk = x[np.ix_(rows, columns)], y[rows, k]
        if len(np.unique(yk)) < 2:
            own = len(median) + k   # z = the reader's logit, undoing its standardisation
            weights[k, own], intercept[k] = scale[own], mean[own]
            continue

        def loss(theta: np.ndarray, xk: np.ndarray = xk, yk: np.ndarray = yk) -> tuple[float, np.ndarray]:
            z = xk @ theta[:-1] + theta[-1]
            p = sigmoid(z)
            value = np.sum(np.logaddexp(0, z) - yk * z) + theta[:-1] @ theta[:-1] / (2 * c)
            grad = np.append(xk.T @ (p - yk) + theta[:-1] / c, np.sum(p - yk))
            return value, grad

        theta = minimize(loss, np.zeros(xk.shape[1] + 1), jac=True, method="L-BFGS-B",
                         options={"maxiter": 5000, "gtol": 1e-8}).x
        weights[k, columns], intercept[k] = theta[:-1], theta[-1]
    return Stacker(labels, median, mean, scale, weights, intercept, np.full(len(labels), 0.5))
