"""Which label combinations can coexist, and probability distributions over the allowed label sets."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping

from ..labels import LABELS, validate_labels

# Pairs that cannot be true of one ECG. AF has no sinus P waves, so neither a PR interval (1dAVb) nor a
# sinus rate (SB, ST); SB and ST are disjoint rate ranges; complete block of both bundles does not conduct.
INCOMPATIBLE: tuple[frozenset[str], ...] = tuple(frozenset(p) for p in (
    ("AF", "1dAVb"), ("SB", "ST"), ("AF", "SB"), ("AF", "ST"), ("RBBB", "LBBB"),
))

LabelDistribution = tuple[tuple[frozenset[str], float], ...]


def incompatible_pairs(labels: Iterable[str]) -> list[tuple[str, str]]:
    """The incompatible pairs contained in `labels`, each as a sorted tuple."""
    labels = frozenset(labels)
    return [tuple(sorted(pair)) for pair in INCOMPATIBLE if pair <= labels]


def check_compatible(labels: Iterable[str]) -> frozenset[str]:
    """Validate a label set, raising ValueError naming the first incompatible pair."""
    labels = validate_labels(labels)
    pairs = incompatible_pairs(labels)
    if pairs:
        a, b = pairs[0]
        raise ValueError(f"labels {a} and {b} cannot occur together in one ECG")
    return labels


def compatible_sets() -> list[frozenset[str]]:
    """Every label set (including the empty set = normal sinus rhythm) with no incompatible pair."""
    subsets = (frozenset(c) for r in range(len(LABELS) + 1) for c in itertools.combinations(LABELS, r))
    return [s for s in subsets if not incompatible_pairs(s)]


def balanced_distribution(combination_rate: float) -> LabelDistribution:
    """Normal and each label as the primary finding 1/7 of the time; with `combination_rate` one compatible
    second label is added, chosen uniformly among those compatible with the primary one."""
    partners = {a: [b for b in LABELS if b != a and not incompatible_pairs((a, b))] for a in LABELS}
    weights: dict[frozenset[str], float] = {frozenset(): 1.0}
    for a in LABELS:
        weights[frozenset({a})] = 1.0 - combination_rate
        for b in partners[a]:
            pair = frozenset({a, b})
            weights[pair] = weights.get(pair, 0.0) + combination_rate / len(partners[a])
    return _normalised(weights)


def prevalence_distribution(prevalence: Mapping[str, float]) -> LabelDistribution:
    """Independent per-label probabilities (absent labels = 0), conditioned on the set being compatible."""
    validate_labels(prevalence)
    weights = {}
    for labels in compatible_sets():
        w = 1.0
        for label in LABELS:
            p = float(prevalence.get(label, 0.0))
            w *= p if label in labels else 1.0 - p
        weights[labels] = w
    if sum(weights.values()) <= 0:
        raise ValueError(f"prevalence {dict(prevalence)} only allows incompatible label combinations")
    return _normalised(weights)


def _normalised(weights: Mapping[frozenset[str], float]) -> LabelDistribution:
    total = sum(weights.values())
    return tuple((labels, w / total) for labels, w in weights.items() if w > 0)
