"""Dataset recipes: a TOML file that declares sources, filters, splits, render variants and shard sizes.

Validation happens here, once, with errors that name the offending key (`variants[1].layuot`).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..augment import LIMITS, SignalAugment
from ..errors import RecordError
from ..labels import LABELS
from ..regular_file import read_capped
from ..render import IMAGE_FORMATS, RenderConfig
from ..style import STYLE_MODES
from ..synth.config import NuisanceConfig, SynthConfig

SOURCE_TYPES = ("synthetic", "wfdb", "ptbxl", "code15")
SPLIT_POLICIES = ("patient", "folds")
PICKS = ("all", "one")
WINDOWS = ("first", "all")   # print a record's first page-length window, or every whole one (long records)
# Names that become parts of file names and row ids (dataset, splits, sources, variants, record ids): a letter or
# digit, then letters, digits, '.', '_', '-'; so no '/', '..', leading dot or dash, and no name is a path.
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
MAX_NAME_LENGTH = 64
MAX_SYNTHETIC_RECORDS = 100_000     # more needs `allow_large = true`: a typo in `n` would otherwise run for days
MAX_RECORDS_LIMIT = 10_000_000      # filter.max_records above this is a typo, not a limit
MAX_RECIPE_BYTES = 1 << 20          # real recipes are a few kB


class RecipeError(ValueError):
    """A recipe that cannot be used; the message names the file and the key, on one line (whitespace in a key
    or in a forwarded library message is collapsed)."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


def name_problem(name: Any) -> str | None:
    """Why `name` cannot be part of a file name or row id (see NAME_PATTERN), or None if it can."""
    if isinstance(name, str) and len(name) <= MAX_NAME_LENGTH and NAME_PATTERN.fullmatch(name):
        return None
    return (f"name {name!r} must be 1-{MAX_NAME_LENGTH} characters of A-Z a-z 0-9 . _ - starting with a letter "
            "or digit (it becomes part of file names and row ids)")


def _names(names: list[Any], where: str) -> None:
    """RecipeError naming `where` for an unsafe name or two names equal up to letter case (on a case-insensitive
    file system they would be one file)."""
    seen: set[str] = set()
    for name in names:
        problem = name_problem(name)
        if problem:
            raise RecipeError(f"{where}: {problem}")
        if name.lower() in seen:
            raise RecipeError(f"{where}: name {name!r} is used twice (names must differ in more than letter case)")
        seen.add(name.lower())


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
    style: str = "default"          # "random": ecgprint.style.random_style drawn per row from the row seed
    style_seed: int | None = None   # with "random": one style, drawn from this seed, for every row (a style panel)
    windows: str = "first"          # "all": one row per whole page-length window of the record
    augment: SignalAugment = field(default_factory=SignalAugment)   # drawn per row from the row seed

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
    """Read and validate a recipe file (TOML via tomllib; a regular UTF-8 file of at most MAX_RECIPE_BYTES)."""
    path = Path(path)
    try:
        data = tomllib.loads(read_capped(path, MAX_RECIPE_BYTES, "recipe").decode())
    except RecordError as exc:
        raise RecipeError(f"{path}: cannot read ({exc.reason})") from None
    except UnicodeDecodeError:
        raise RecipeError(f"{path}: not a UTF-8 text file") from None
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
    _names([ds["name"]], "dataset.name")
    sources = tuple(_source(s, f"sources[{i}]", base_dir) for i, s in enumerate(top["sources"]))
    if not sources:
        raise RecipeError("sources: at least one source is needed")
    _names([s.name for s in sources], "sources")
    filt = _take(top.get("filter", {}), "filter", {"labels": list, "max_records": int})
    labels_filter = tuple(filt.get("labels", []))
    bad = [lab for lab in labels_filter if lab not in LABELS]
    if bad:
        raise RecipeError(f"filter.labels: unknown label(s) {bad}; choose from {', '.join(LABELS)}")
    max_records = filt.get("max_records")
    if max_records is not None and not 1 <= max_records <= MAX_RECORDS_LIMIT:
        raise RecipeError(f"filter.max_records: must be in 1..{MAX_RECORDS_LIMIT}, got {max_records}")
    policy, ratios, folds = _split(top.get("split", {}))
    sig = _take(top.get("signal", {}), "signal", {"fs": (int, float), "samples": int})
    fs, samples = float(sig.get("fs", 400.0)), int(sig.get("samples", 4096))
    if not 50 <= fs <= 2000 or not 256 <= samples <= 100_000:
        raise RecipeError(f"signal: need 50 <= fs <= 2000 and 256 <= samples <= 100000, got {fs}, {samples}")
    variants = tuple(_variant(v, f"variants[{i}]") for i, v in enumerate(top["variants"]))
    if not variants:
        raise RecipeError("variants: at least one variant is needed")
    _names([v.name for v in variants], "variants")
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
    _names([src.get("name", kind)], f"{where}.name")
    path = src.get("path")
    if kind == "synthetic":
        if path is not None:
            raise RecipeError(f"{where}.path: synthetic sources have no path")
        options = _take(src.get("options", {}), f"{where}.options",
                        {"n": int, "prevalence": (str, dict), "labels": (str, list), "fs": (int, float),
                         "duration": (int, float), "seed": int, "records_per_patient": int,
                         "clean": bool, "allow_large": bool, "mains_hz": int,
                         **{k: (int, float) for k in NUISANCE_OPTIONS if k != "mains_hz"}})
        if options.get("n", 0) < 1:
            raise RecipeError(f"{where}.options.n: number of synthetic records (>= 1) is required")
        if options["n"] > MAX_SYNTHETIC_RECORDS and not options.get("allow_large"):
            raise RecipeError(f"{where}.options.n: {options['n']} records is above the cap of "
                              f"{MAX_SYNTHETIC_RECORDS}; set allow_large = true in the options if you mean it")
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
    """The generator config of a recipe's synthetic source options (all but `n` and `allow_large`); nuisance
    levels are NuisanceConfig fields, `clean = true` switches every nuisance off."""
    kwargs = {k: v for k, v in options.items() if k not in ("n", "clean", "allow_large", *NUISANCE_OPTIONS)}
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
        _names(list(ratios), "split.ratios")
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
    _names(list(folds), "split.folds")
    return policy, {}, folds


def _variant(table: Any, where: str) -> VariantSpec:
    if not isinstance(table, dict):
        raise RecipeError(f"{where}: expected a table")
    var = dict(table)
    name = var.pop("name", where.replace("variants[", "v").rstrip("]"))
    _names([name], f"{where}.name")
    fmt, quality, copies = var.pop("format", "png"), var.pop("quality", 90), var.pop("copies", 1)
    pick = var.pop("pick", "all")
    if pick not in PICKS:
        raise RecipeError(f"{where}.pick: must be one of {', '.join(PICKS)}, got {pick!r}")
    style = var.pop("style") if isinstance(var.get("style"), str) else "default"   # a table stays a render field
    if style not in STYLE_MODES:
        raise RecipeError(f"{where}.style: must be one of {', '.join(STYLE_MODES)} or a table of style fields, "
                          f"got {style!r}")
    style_seed = var.pop("style_seed", None)
    if style_seed is not None and (style != "random" or not isinstance(style_seed, int) or style_seed < 0):
        raise RecipeError(f"{where}.style_seed: needs style = \"random\" and an integer >= 0, got {style_seed!r}")
    windows = var.pop("windows", "first")
    if windows not in WINDOWS:
        raise RecipeError(f"{where}.windows: must be one of {', '.join(WINDOWS)}, got {windows!r}")
    augment_table = _take(var.pop("augment", {}), f"{where}.augment", {k: (int, float) for k in LIMITS})
    try:
        augment = SignalAugment(**augment_table)
    except ValueError as exc:
        raise RecipeError(f"{where}: {exc}") from None
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
    return VariantSpec(str(name), var, presets, parsed, fmt, quality, copies, pick, style, style_seed, windows,
                       augment)


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
    raw = {"name": v.name, "render": v.render, "preset": list(v.presets),
           "severity": [list(s) if isinstance(s, tuple) else s for s in v.severities],
           "format": v.format, "quality": v.quality, "copies": v.copies, "pick": v.pick}
    extras = {"style": v.style if v.style != "default" else None,   # recipes without these keep their sha256
              "style_seed": v.style_seed,
              "windows": v.windows if v.windows != "first" else None,
              "augment": v.augment.to_dict() if v.augment.active else None}
    return {**raw, **{k: value for k, value in extras.items() if value is not None}}
