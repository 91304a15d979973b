"""Generator settings (sampling, labels, nuisances), validated once so the model code can trust them."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..labels import LABELS
from .labelsets import LabelDistribution, balanced_distribution, check_compatible, prevalence_distribution

NORMAL_CODE = "NORM"
MAINS_HZ = (50, 60)


@dataclass(frozen=True)
class NuisanceConfig:
    """Upper bounds of the nuisances; each record draws its own level as bound * u ** 1.5, u uniform in [0, 1].

    Wander and EMG act on each electrode, so they reach the leads the way real electrode noise does.
    """

    baseline_wander_mv: float = 0.1    # amplitude of respiratory + drift wander per chest electrode
    powerline_mv: float = 0.01         # amplitude of the mains hum per electrode
    mains_hz: int | None = None        # 50 or 60; None draws one per record
    emg_mv: float = 0.045              # RMS of muscle noise per electrode (high-passed at 20 Hz)
    amplitude_sd: float = 0.15         # standard deviation of the log of the per-record gain
    premature_rate: float = 0.0        # probability that a beat is premature (PAC in sinus rhythm or PVC)

    def __post_init__(self) -> None:
        for name in ("baseline_wander_mv", "powerline_mv", "emg_mv", "amplitude_sd"):
            value = getattr(self, name)
            if not (math.isfinite(value) and 0 <= value <= 5):
                raise ValueError(f"{name} must be within 0..5, got {value}")
        if self.mains_hz is not None and self.mains_hz not in MAINS_HZ:
            raise ValueError(f"mains_hz must be 50, 60 or None, got {self.mains_hz}")
        if not 0 <= self.premature_rate <= 0.3:
            raise ValueError(f"premature_rate must be within 0..0.3, got {self.premature_rate}")

    @classmethod
    def clean(cls) -> "NuisanceConfig":
        """No noise, no gain variation, no premature beats: the bare model."""
        return cls(baseline_wander_mv=0.0, powerline_mv=0.0, emg_mv=0.0, amplitude_sd=0.0, premature_rate=0.0)


@dataclass(frozen=True)
class SynthConfig:
    """What to generate. `labels` fixes one label set for every record (empty = normal sinus rhythm);
    otherwise label sets are drawn from `prevalence`: "balanced" or {label: probability}."""

    fs: float = 500.0
    duration: float = 10.0
    seed: int = 0
    labels: str | Iterable[str] | None = None      # stored as a frozenset; "NORM" or empty = no labels
    prevalence: str | Mapping[str, float] = "balanced"
    combination_rate: float = 0.2       # balanced mode: share of abnormal records with a second label
    records_per_patient: int = 3
    nuisance: NuisanceConfig = NuisanceConfig()
    label_distribution: LabelDistribution = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.fs) and 100 <= self.fs <= 10000):
            raise ValueError(f"fs must be within 100..10000 Hz, got {self.fs}")
        if not (math.isfinite(self.duration) and 2.5 <= self.duration <= 600):
            raise ValueError(f"duration must be within 2.5..600 s, got {self.duration}")
        if not (isinstance(self.seed, int) and self.seed >= 0):
            raise ValueError(f"seed must be an integer >= 0, got {self.seed!r}")
        if not (isinstance(self.records_per_patient, int) and self.records_per_patient >= 1):
            raise ValueError(f"records_per_patient must be an integer >= 1, got {self.records_per_patient!r}")
        if not 0 <= self.combination_rate <= 1:
            raise ValueError(f"combination_rate must be within 0..1, got {self.combination_rate}")
        if not isinstance(self.nuisance, NuisanceConfig):
            raise ValueError("nuisance must be a NuisanceConfig")
        object.__setattr__(self, "fs", float(self.fs))
        object.__setattr__(self, "duration", float(self.duration))
        if self.labels is not None:
            labels = parse_labels(self.labels)
            object.__setattr__(self, "labels", labels)
            distribution: LabelDistribution = ((labels, 1.0),)
        else:
            if isinstance(self.prevalence, str):
                prevalence = parse_prevalence(self.prevalence)
            else:
                prevalence = dict(self.prevalence)
                _check_probabilities(prevalence)
            object.__setattr__(self, "prevalence", prevalence)
            distribution = (balanced_distribution(self.combination_rate) if prevalence == "balanced"
                            else prevalence_distribution(prevalence))
        object.__setattr__(self, "label_distribution", distribution)


def parse_labels(labels: str | Iterable[str]) -> frozenset[str]:
    """`"AF,RBBB"`, `["AF", "RBBB"]`, `"NORM"` or an empty collection (normal sinus rhythm) -> a compatible
    label set; ValueError otherwise."""
    if isinstance(labels, str):
        items = [s.strip() for s in labels.split(",") if s.strip()]
        if not items:
            raise ValueError(f"no labels given; use {NORMAL_CODE} for normal sinus rhythm")
    else:
        items = [str(s).strip() for s in labels]
    if NORMAL_CODE in items:
        if len(items) > 1:
            raise ValueError(f"{NORMAL_CODE} (normal sinus rhythm) cannot be combined with other labels")
        return frozenset()
    by_lower = {label.lower(): label for label in LABELS}
    unknown = [s for s in items if s.lower() not in by_lower]
    if unknown:
        raise ValueError(f"unknown label(s) {unknown}; choose from {', '.join(LABELS)} or {NORMAL_CODE}")
    return check_compatible(by_lower[s.lower()] for s in items)


def parse_prevalence(text: str) -> str | dict[str, float]:
    """`"balanced"` or `"AF=0.2,RBBB=0.1"` (unlisted labels get 0) -> "balanced" or {label: p}."""
    text = text.strip()
    if text.lower() == "balanced":
        return "balanced"
    by_lower = {label.lower(): label for label in LABELS}
    prevalence = {}
    for item in filter(None, (s.strip() for s in text.split(","))):
        name, sep, value = item.partition("=")
        label = by_lower.get(name.strip().lower())
        if not sep or label is None:
            raise ValueError(f"prevalence item {item!r} is not LABEL=P with LABEL in {', '.join(LABELS)}")
        try:
            prevalence[label] = float(value)
        except ValueError:
            raise ValueError(f"prevalence item {item!r}: {value.strip()!r} is not a number") from None
    if not prevalence:
        raise ValueError("prevalence must be 'balanced' or LABEL=P,... (e.g. AF=0.2,RBBB=0.1)")
    _check_probabilities(prevalence)
    return prevalence


def _check_probabilities(prevalence: Mapping[str, float]) -> None:
    for label, p in prevalence.items():
        if label not in LABELS:
            raise ValueError(f"unknown label {label!r} in prevalence; choose from {', '.join(LABELS)}")
        if not (math.isfinite(p) and 0 <= p <= 1):
            raise ValueError(f"prevalence of {label} must be within 0..1, got {p}")

