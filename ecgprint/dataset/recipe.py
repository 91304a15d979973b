"""Dataset recipes: a TOML file that declares sources, filters, splits, render variants and shard sizes.

Validation happens here, once, with errors that name the offending key (`variants[1].layuot`).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..labels import LABELS
from ..render import IMAGE_FORMATS, RenderConfig
from ..sources.synthetic import NuisanceConfig, SynthConfig

SOURCE_TYPES = ("synthetic", "wfdb", "ptbxl", "code15")
SPLIT_POLICIES = ("patient", "folds")
PICKS = ("all", "one")


class RecipeError(ValueError):
    """A recipe that cannot be used; the message names the file and the key."""


def _take(table: dict, where: str, allowed: dict[str, type | tuple]) -> dict[str, Any]:
    """Check a TOML table's keys and value types against `allowed`; returns a copy."""
    if not isinstance(table, dict):
        raise RecipeError(f"{where}: expected a table, got {type(table).__name__}")
    for key, value in table.items():
        if key not in allowed:
            raise RecipeError(f"{where}.{key}: unknown key (allowed: {', '.join(sorted(allowed))})")
        kinds = allowed[key]
        if kinds is not Any and not isinstance(value, kinds):
            names = "/".join(k.__name__ for k in (kinds if isinstance(kinds, tuple) else (kinds,)))
            raise RecipeError(f"{where}.{key}: expected {names}, got {value!r}")
    return dict(table)


@dataclass(frozen=True)
class SourceSpec:
    """One input: `type` + `path` (relative to the recipe's folder, `$VARS` expanded) or synthetic options."""

    type: str
    name: str
    path: str | None = None
    options: dict[str, Any] = field(default_factory=dict)   # synthetic: n, prevalence, ...; ptbxl: sampling_rate
    license: str = ""
    attribution: str = ""


@dataclass(frozen=True)
class VariantSpec:
    """How each record is printed: a render config plus presets x severities (a grid) and encoding."""

    name: str
    render: dict[str, Any]
    presets: tuple[str, ...]
    severities: tuple[Any, ...]     # each a number, or (lo, hi) drawn per row
    format: str = "png"
    quality: int = 90
    copies: int = 1
    pick: str = "all"               # "all": every cell of the grid per record; "one": one cell drawn per copy

    def expand(self) -> list[tuple[str, Any]]:
        """Every (preset, severity) cell of this variant's grid."""
        return list(itertools.product(self.presets, self.severities))


@dataclass(frozen=True)
class Recipe:
    name: str
    seed: int
    description: str
    license: str
    sources: tuple[SourceSpec, ...]
    labels_filter: tuple[str, ...]        # keep records with any of these labels (empty: keep all)
    max_records: int | None               # per source, in listing order
    split_policy: str
    split_ratios: dict[str, float]
    split_folds: dict[str, tuple[int, ...]]
    signal_fs: float
    signal_samples: int
    variants: tuple[VariantSpec, ...]
    rows_per_shard: int
    row_group_rows: int
    raw: dict[str, Any]                   # the normalised recipe, as stored in the manifest

    @property
    def splits(self) -> tuple[str, ...]:
        return tuple(self.split_ratios) if self.split_policy == "patient" else tuple(self.split_folds)

    def sha256(self) -> str:
        return hashlib.sha256(json.dumps(self.raw, sort_keys=True).encode()).hexdigest()


def load_recipe(path: str | Path) -> Recipe:
    """Read and validate a recipe file (TOML via tomllib)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except OSError as exc:
        raise RecipeError(f"{path}: cannot read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise RecipeError(f"{path}: invalid TOML ({exc})") from None
    try:
        return parse_recipe(data, base_dir=path.resolve().parent)
    except RecipeError as exc:
        raise RecipeError(f"{path}: {exc}") from None


def parse_recipe(data: dict[str, Any], base_dir: Path = Path(".")) -> Recipe:
    """Validate a recipe given as a dict (the parsed TOML)."""
    top = _take(data, "recipe", {"dataset": dict, "sources": list, "filter": dict, "split": dict,
                                 "signal": dict, "variants": list, "shards": dict})
    for key in ("dataset", "sources", "variants"):
        if key not in top:
            raise RecipeError(f"recipe.{key}: missing")
    ds = _take(top["dataset"], "dataset", {"name": str, "seed": int, "description": str, "license": str})
    if "name" not in ds:
        raise RecipeError("dataset.name: missing")
    sources = tuple(_source(s, f"sources[{i}]", base_dir) for i, s in enumerate(top["sources"]))
    if not sources:
        raise RecipeError("sources: at least one source is needed")
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise RecipeError(f"sources: names must be unique, got {names}")
    filt = _take(top.get("filter", {}), "filter", {"labels": list, "max_records": int})
    labels_filter = tuple(filt.get("labels", []))
    bad = [lab for lab in labels_filter if lab not in LABELS]
    if bad:
        raise RecipeError(f"filter.labels: unknown label(s) {bad}; choose from {', '.join(LABELS)}")
    max_records = filt.get("max_records")
    if max_records is not None and max_records < 1:
        raise RecipeError(f"filter.max_records: must be >= 1, got {max_records}")
    policy, ratios, folds = _split(top.get("split", {}))
    sig = _take(top.get("signal", {}), "signal", {"fs": (int, float), "samples": int})
    fs, samples = float(sig.get("fs", 400.0)), int(sig.get("samples", 4096))
    if not 50 <= fs <= 2000 or not 256 <= samples <= 100_000:
        raise RecipeError(f"signal: need 50 <= fs <= 2000 and 256 <= samples <= 100000, got {fs}, {samples}")
    variants = tuple(_variant(v, f"variants[{i}]") for i, v in enumerate(top["variants"]))
    if not variants:
        raise RecipeError("variants: at least one variant is needed")
    shards = _take(top.get("shards", {}), "shards", {"rows": int, "row_group": int})
    rows, group = shards.get("rows", 256), shards.get("row_group", 32)
    if not 1 <= rows <= 100_000 or not 32 <= group <= 64:
        raise RecipeError(f"shards: need 1 <= rows <= 100000 and 32 <= row_group <= 64, got {rows}, {group}")
    raw = {"dataset": ds, "sources": [s.__dict__ for s in sources], "filter": filt,
           "split": {"policy": policy, "ratios": ratios, "folds": {k: list(v) for k, v in folds.items()}},
           "signal": {"fs": fs, "samples": samples}, "variants": [_variant_raw(v) for v in variants],
           "shards": {"rows": rows, "row_group": group}}
    return Recipe(ds["name"], ds.get("seed", 0), ds.get("description", ""), ds.get("license", ""), sources,
                  labels_filter, max_records, policy, ratios, folds, fs, samples, variants, rows, group,
                  json.loads(json.dumps(raw)))


def _source(table: Any, where: str, base_dir: Path) -> SourceSpec:
    src = _take(table, where, {"type": str, "name": str, "path": str, "license": str, "attribution": str,
                               "options": dict})
    kind = src.get("type")
    if kind not in SOURCE_TYPES:
        raise RecipeError(f"{where}.type: must be one of {', '.join(SOURCE_TYPES)}, got {kind!r}")
    path = src.get("path")
    if kind == "synthetic":
        if path is not None:
            raise RecipeError(f"{where}.path: synthetic sources have no path")
        options = _take(src.get("options", {}), f"{where}.options",
                        {"n": int, "prevalence": (str, dict), "labels": (str, list), "fs": (int, float),
                         "duration": (int, float), "seed": int, "records_per_patient": int,
                         "clean": bool, "mains_hz": int,
                         **{k: (int, float) for k in NUISANCE_OPTIONS if k != "mains_hz"}})
        if options.get("n", 0) < 1:
            raise RecipeError(f"{where}.options.n: number of synthetic records (>= 1) is required")
        try:
            synth_config(options)
        except (ValueError, TypeError) as exc:
            raise RecipeError(f"{where}.options: {exc}") from None
    else:
        if not path:
            raise RecipeError(f"{where}.path: required for {kind} sources")
        expanded = os.path.expandvars(path)
        if "$" in expanded:
            raise RecipeError(f"{where}.path: environment variable in {path!r} is not set")
        path = str((base_dir / expanded).resolve())
        options = _take(src.get("options", {}), f"{where}.options",
                        {"sampling_rate": int} if kind == "ptbxl" else {})
    return SourceSpec(kind, src.get("name", kind), path, options, src.get("license", ""),
                      src.get("attribution", ""))


NUISANCE_OPTIONS = ("baseline_wander_mv", "powerline_mv", "mains_hz", "emg_mv", "amplitude_sd", "premature_rate")


def synth_config(options: dict) -> SynthConfig:
    """The generator config of a recipe's synthetic source options (all but `n`); nuisance levels are
    NuisanceConfig fields, `clean = true` switches every nuisance off."""
    kwargs = {k: v for k, v in options.items() if k not in ("n", "clean", *NUISANCE_OPTIONS)}
    if "labels" in kwargs and isinstance(kwargs["labels"], list):
        kwargs["labels"] = ",".join(kwargs["labels"])
    nuisance = NuisanceConfig.clean() if options.get("clean") else NuisanceConfig()
    nuisance = replace(nuisance, **{k: options[k] for k in NUISANCE_OPTIONS if k in options})
    return SynthConfig(**kwargs, nuisance=nuisance)


def _split(table: Any) -> tuple[str, dict[str, float], dict[str, tuple[int, ...]]]:
    split = _take(table, "split", {"policy": str, "ratios": dict, "folds": dict})
    policy = split.get("policy", "patient")
    if policy not in SPLIT_POLICIES:
        raise RecipeError(f"split.policy: must be one of {', '.join(SPLIT_POLICIES)}, got {policy!r}")
    if policy == "patient":
        if "folds" in split:
            raise RecipeError("split.folds: only with policy = 'folds'")
        ratios = split.get("ratios", {"train": 0.8, "val": 0.1, "test": 0.1})
        for name, value in ratios.items():
            if not isinstance(value, (int, float)) or not 0 < value <= 1:
                raise RecipeError(f"split.ratios.{name}: must be a number in (0, 1], got {value!r}")
        if not math.isclose(sum(ratios.values()), 1.0, abs_tol=1e-6):
            raise RecipeError(f"split.ratios: must sum to 1, got {sum(ratios.values())}")
        return policy, {k: float(v) for k, v in ratios.items()}, {}
    if "ratios" in split or "folds" not in split:
        raise RecipeError("split: policy = 'folds' takes a 'folds' table ({split = [fold, ...]}) and no ratios")
    folds = {}
    for name, values in split["folds"].items():
        if not isinstance(values, list) or not all(isinstance(v, int) for v in values):
            raise RecipeError(f"split.folds.{name}: must be a list of integers, got {values!r}")
        folds[name] = tuple(values)
    taken = [f for v in folds.values() for f in v]
    if len(set(taken)) != len(taken):
        raise RecipeError("split.folds: a fold is assigned to more than one split")
    return policy, {}, folds


def _variant(table: Any, where: str) -> VariantSpec:
    if not isinstance(table, dict):
        raise RecipeError(f"{where}: expected a table")
    var = dict(table)
    name = var.pop("name", where.replace("variants[", "v").rstrip("]"))
    fmt, quality, copies = var.pop("format", "png"), var.pop("quality", 90), var.pop("copies", 1)
    pick = var.pop("pick", "all")
    if pick not in PICKS:
        raise RecipeError(f"{where}.pick: must be one of {', '.join(PICKS)}, got {pick!r}")
    presets = var.pop("preset", "clean")
    presets = tuple(presets) if isinstance(presets, list) else (presets,)
    severity = var.pop("severity", 0.0)
    severities = tuple(severity) if isinstance(severity, list) else (severity,)
    if fmt not in IMAGE_FORMATS:
        raise RecipeError(f"{where}.format: must be one of {', '.join(IMAGE_FORMATS)}, got {fmt!r}")
    if not isinstance(quality, int) or not 1 <= quality <= 100:
        raise RecipeError(f"{where}.quality: must be an integer 1..100, got {quality!r}")
    if not isinstance(copies, int) or not 1 <= copies <= 100:
        raise RecipeError(f"{where}.copies: must be an integer 1..100, got {copies!r}")
    parsed = tuple(_severity(s, f"{where}.severity") for s in severities)
    try:
        for preset in presets:
            RenderConfig.from_dict({**var, "preset": preset, "severity": 0.0})
    except (ValueError, TypeError) as exc:
        raise RecipeError(f"{where}: {exc}") from None
    return VariantSpec(str(name), var, presets, parsed, fmt, quality, copies, pick)


def _severity(value: Any, where: str) -> Any:
    """A fixed severity in [0, 1], or {min, max} drawn uniformly per row."""
    if isinstance(value, dict):
        rng = _take(value, where, {"min": (int, float), "max": (int, float)})
        lo, hi = float(rng.get("min", 0.0)), float(rng.get("max", 1.0))
        if not 0 <= lo <= hi <= 1:
            raise RecipeError(f"{where}: need 0 <= min <= max <= 1, got {lo}, {hi}")
        return (lo, hi)
    if not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise RecipeError(f"{where}: must be a number in [0, 1] or {{min, max}}, got {value!r}")
    return float(value)


def _variant_raw(v: VariantSpec) -> dict[str, Any]:
    return {"name": v.name, "render": v.render, "preset": list(v.presets),
            "severity": [list(s) if isinstance(s, tuple) else s for s in v.severities],
            "format": v.format, "quality": v.quality, "copies": v.copies, "pick": v.pick}
