"""Artifact base classes, the registry and the Pipeline that draws, records and applies artifacts.

An artifact is a small frozen dataclass (albumentations-style): its fields are the ranges it samples from and
its firing probability `p`; `sample_params(rng, severity)` draws concrete JSON-able parameters and
`apply(image, truth, params, mask)` is a pure function of those parameters alone, so the recorded parameters
replay the image exactly.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ..truth import Truth

ARTIFACTS: dict[str, type["Artifact"]] = {}
Arrays = tuple[np.ndarray, Truth, "np.ndarray | None"]


def register(cls: type["Artifact"]) -> type["Artifact"]:
    """Class decorator: make an artifact available by name to presets and JSON descriptions."""
    ARTIFACTS[cls.name] = cls
    return cls


def scaled(rng: np.random.Generator, severity: float, top: float, low: float = 0.5) -> float:
    """A magnitude growing linearly with severity: severity * top * U(low, 1)."""
    return float(severity * top * rng.uniform(low, 1.0))


def signed(rng: np.random.Generator, severity: float, top: float, low: float = 0.5) -> float:
    """`scaled` with a random sign."""
    sign = 1.0 if rng.random() < 0.5 else -1.0
    return sign * scaled(rng, severity, top, low)


def pick(rng: np.random.Generator, options) -> list:
    """One of `options` (tuples), as a JSON-able list."""
    return list(options[int(rng.integers(len(options)))])


def new_seed(rng: np.random.Generator) -> int:
    """A seed recorded in params, from which apply() regenerates bulk randomness (noise, texture, shapes)."""
    return int(rng.integers(2 ** 31))


@dataclass(frozen=True)
class Artifact:
    """One degradation that fires with probability `p`; subclasses add the ranges they sample from."""

    name: ClassVar[str] = ""
    family: ClassVar[str] = ""
    geometric: ClassVar[bool] = False      # moves the page: truth is mapped and a warp is recorded
    p: float = 1.0

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"artifact {self.name!r}: {f.name} must be a finite number, got {value!r}")
            if value < 0:
                raise ValueError(f"artifact {self.name!r}: {f.name} must be >= 0, got {value!r}")
        if self.p > 1:
            raise ValueError(f"artifact {self.name!r}: p must be within 0..1, got {self.p}")

    def sample_params(self, rng: np.random.Generator, severity: float) -> dict[str, Any]:
        """Concrete parameters (plain numbers and lists) for this severity, drawn from `rng` only."""
        raise NotImplementedError

    def apply(self, image: np.ndarray, truth: Truth, params: dict[str, Any], mask: np.ndarray | None = None) -> Arrays:
        """The degraded image, its truth and mask; a pure function of the inputs and `params`."""
        raise NotImplementedError


class Photometric(Artifact):
    """An artifact that changes pixel values only: truth and mask pass through unchanged."""

    def apply(self, image, truth, params, mask=None) -> Arrays:
        return self.apply_image(image, params, truth.px_per_mm), truth, mask

    def apply_image(self, image: np.ndarray, params: dict[str, Any], px_per_mm: float) -> np.ndarray:
        """The degraded uint8 RGB image (a new array; the input is never modified)."""
        raise NotImplementedError


@dataclass(frozen=True)
class Pipeline:
    """Artifacts applied in order; every random draw comes from the one Generator passed to `run`."""

    artifacts: tuple[Artifact, ...] = ()

    def run(self, image: np.ndarray, truth: Truth, mask: np.ndarray | None, rng: np.random.Generator,
            severity: float) -> tuple[np.ndarray, Truth, np.ndarray | None, list[dict[str, Any]]]:
        """Apply the pipeline at `severity` in [0, 1]; returns the image, truth, mask and one record per
        artifact ({"name", "fired", "params"}). Severity 0 returns the inputs untouched.

        Per artifact the Generator gives a firing draw and a sub-seed, always both, and the artifact samples
        its params from a Generator on that sub-seed: whether one artifact fires, or how many numbers it
        draws, never shifts another's draws, so one seed keeps the same damage as severity rises."""
        if severity <= 0:
            return image, truth, mask, []
        records = []
        for artifact in self.artifacts:
            fires = bool(rng.random() < artifact.p)
            sub_seed = int(rng.integers(2 ** 63))
            if not fires:
                records.append({"name": artifact.name, "fired": False})
                continue
            params = plain(artifact.sample_params(np.random.default_rng(sub_seed), severity))
            image, truth, mask = artifact.apply(image, truth, params, mask)
            records.append({"name": artifact.name, "fired": True, "params": params})
        return image, truth, mask, records

    def __add__(self, other: "Pipeline") -> "Pipeline":
        return Pipeline(self.artifacts + other.artifacts)


def plain(value):
    """Params as plain JSON types: numpy scalars and arrays become Python numbers and lists."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def replay(records: list[dict[str, Any]], image: np.ndarray, truth: Truth, mask: np.ndarray | None = None) -> Arrays:
    """Re-apply recorded artifacts (RenderResult.meta["artifacts"] or the truth JSON) to a clean render."""
    for record in records:
        if record.get("fired"):
            if record["name"] not in ARTIFACTS:
                raise ValueError(f"cannot replay unknown artifact {record['name']!r}")
            image, truth, mask = ARTIFACTS[record["name"]]().apply(image, truth, record["params"], mask)
    return image, truth, mask


def parse_description(description) -> tuple[dict[str, Any], ...]:
    """Validate a custom pipeline description and return it normalised to a tuple of {"name", ...} dicts.

    Accepted: a JSON string or a list of items, or {"artifacts": [...]}; each item an artifact name or a dict
    with "name" and any of that artifact's fields (e.g. {"name": "skew", "p": 0.5, "max_deg": 2})."""
    if isinstance(description, str):
        try:
            description = json.loads(description)
        except json.JSONDecodeError as exc:
            raise ValueError(f"artifacts: invalid JSON ({exc.msg} at column {exc.colno})") from None
    if isinstance(description, dict):
        extra = sorted(set(description) - {"artifacts"})
        if extra:
            raise ValueError(f"artifacts: unknown key(s) {extra}; expected {{\"artifacts\": [...]}}")
        description = description.get("artifacts", [])
    if not isinstance(description, (list, tuple)):
        raise ValueError(f"artifacts: expected a list of artifacts, got {type(description).__name__}")
    items = []
    for i, item in enumerate(description):
        item = {"name": item} if isinstance(item, str) else item
        if not isinstance(item, dict) or "name" not in item:
            raise ValueError(f"artifacts[{i}]: expected a name or an object with a 'name' key, got {item!r}")
        cls = ARTIFACTS.get(item["name"])
        if cls is None:
            raise ValueError(f"artifacts[{i}]: unknown artifact {item['name']!r}; known: {sorted(ARTIFACTS)}")
        allowed = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(item) - allowed - {"name"})
        if unknown:
            raise ValueError(f"artifacts[{i}] ({item['name']}): unknown key(s) {unknown}; "
                             f"allowed: {sorted(allowed)}")
        try:
            cls(**{k: v for k, v in item.items() if k != "name"})
        except ValueError as exc:
            raise ValueError(f"artifacts[{i}]: {exc}") from None
        items.append(dict(item))
    return tuple(items)


def pipeline_from_description(description) -> Pipeline:
    """Build a Pipeline from a description accepted by `parse_description`."""
    return Pipeline(tuple(ARTIFACTS[item["name"]](**{k: v for k, v in item.items() if k != "name"})
                          for item in parse_description(description)))
