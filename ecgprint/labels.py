"""The six-label vocabulary (VizECGNet / CODE-15%) and mappings from the label systems of each source."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import numpy as np

# Fixed order of the multi-hot label vector everywhere in the project (shards, models, metrics).
LABELS: tuple[str, ...] = ("1dAVb", "RBBB", "LBBB", "SB", "AF", "ST")
LABEL_NAMES: dict[str, str] = {
    "1dAVb": "first-degree AV block",
    "RBBB": "right bundle branch block",
    "LBBB": "left bundle branch block",
    "SB": "sinus bradycardia",
    "AF": "atrial fibrillation",
    "ST": "sinus tachycardia",
}

# SNOMED-CT codes used in PhysioNet/CinC Challenge 2020/2021 headers (`#Dx:`).
SNOMED_TO_LABEL: dict[str, str] = {
    "270492004": "1dAVb",
    "59118001": "RBBB", "713427006": "RBBB",
    "164909002": "LBBB", "733534002": "LBBB",
    "426177001": "SB",
    "164889003": "AF",
    "427084000": "ST",
}
# The code written for each label (first of its SNOMED codes), e.g. into the `#Dx:` of synthetic WFDB records.
LABEL_TO_SNOMED: dict[str, str] = {label: next(c for c, lab in SNOMED_TO_LABEL.items() if lab == label)
                                   for label in LABELS}
# PTB-XL SCP-ECG statements (`scp_codes` column).
SCP_TO_LABEL: dict[str, str] = {
    "1AVB": "1dAVb", "CRBBB": "RBBB", "CLBBB": "LBBB", "SBRAD": "SB", "AFIB": "AF", "STACH": "ST",
}
# CPSC 2018 abbreviations, as in the first 2020 Challenge release (`#Dx: AF,RBBB`).
CPSC_TO_LABEL: dict[str, str] = {"I-AVB": "1dAVb", "RBBB": "RBBB", "LBBB": "LBBB", "AF": "AF"}
# Labels CPSC 2018's nine-class scheme has no statement for (sinus brady- and tachycardia): a CPSC record without
# them is unassessed for them, not negative (../shared/data/README.md).
CPSC_UNASSESSED: tuple[str, ...] = tuple(label for label in LABELS if label not in CPSC_TO_LABEL.values())
# CODE-15% exams.csv columns carry the label codes themselves.
CODE15_COLUMNS: tuple[str, ...] = LABELS

# LUDB-style free-text diagnoses. Anchored so that "Incomplete right bundle branch block" and
# "Atrial flutter" do not match.
_TEXT_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(i|1st|first)[ -]degree av[ -]block", re.I), "1dAVb"),
    (re.compile(r"^complete right bundle branch block", re.I), "RBBB"),
    (re.compile(r"^complete left bundle branch block", re.I), "LBBB"),
    (re.compile(r"^(rhythm:\s*)?sinus bradycardia", re.I), "SB"),
    (re.compile(r"^(rhythm:\s*)?atrial fibrillation", re.I), "AF"),
    (re.compile(r"^(rhythm:\s*)?sinus tachycardia", re.I), "ST"),
)


def labels_from_snomed(codes: Iterable[str]) -> frozenset[str]:
    """Map SNOMED-CT codes to project labels; unrelated codes are ignored."""
    return frozenset(SNOMED_TO_LABEL[c.strip()] for c in codes if c.strip() in SNOMED_TO_LABEL)


def labels_from_scp(scp_codes: Mapping[str, float], min_likelihood: float = 0.0) -> frozenset[str]:
    """Map a PTB-XL `scp_codes` dict ({statement: likelihood}) to project labels.

    PTB-XL gives rhythm statements likelihood 0, so the default keeps every listed statement.
    """
    return frozenset(
        SCP_TO_LABEL[code] for code, lik in scp_codes.items()
        if code in SCP_TO_LABEL and float(lik) >= min_likelihood
    )


def labels_from_cpsc(abbreviations: Iterable[str]) -> frozenset[str]:
    """Map CPSC 2018 abbreviations (`I-AVB`, `RBBB`, ...) to project labels."""
    return frozenset(CPSC_TO_LABEL[a.strip()] for a in abbreviations if a.strip() in CPSC_TO_LABEL)


def labels_from_text(lines: Iterable[str]) -> frozenset[str]:
    """Map free-text diagnosis lines (LUDB headers) to project labels."""
    found = set()
    for line in lines:
        text = line.strip().lstrip("#").strip()
        for pattern, label in _TEXT_PATTERNS:
            if pattern.match(text):
                found.add(label)
    return frozenset(found)


def labels_from_dx(dx: str) -> frozenset[str]:
    """Map a Challenge `#Dx:` value that holds either SNOMED-CT codes or CPSC abbreviations."""
    items = [item.strip() for item in dx.split(",") if item.strip()]
    return labels_from_snomed(items) | labels_from_cpsc(items)


def validate_labels(labels: Iterable[str]) -> frozenset[str]:
    """Return the labels as a frozenset, raising ValueError on anything outside the vocabulary."""
    labels = frozenset(labels)
    unknown = labels - set(LABELS)
    if unknown:
        raise ValueError(f"unknown label(s) {sorted(unknown)}; expected a subset of {list(LABELS)}")
    return labels


def to_multi_hot(labels: Iterable[str]) -> np.ndarray:
    """Fixed-order int8 multi-hot vector over LABELS."""
    labels = validate_labels(labels)
    return np.array([label in labels for label in LABELS], dtype=np.int8)


def from_multi_hot(vector: Iterable[int]) -> frozenset[str]:
    """Inverse of to_multi_hot."""
    return frozenset(label for label, v in zip(LABELS, vector, strict=True) if v)
