"""Turn a recipe into shards of row specs: list sources, cap, split patient-wise (or by folds), expand
variants. Pure and deterministic, so every process (or cluster worker) derives the same plan."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..errors import RecordError
from ..sources import list_source
from ..sources.item import SourceItem
from ..sources.synthetic import list_synthetic
from .recipe import Recipe, RecipeError, SourceSpec, synth_config


@dataclass(frozen=True)
class RowSpec:
    """One image to make: which record (by listing position), which variant cell and copy."""

    source: int
    item: int
    variant: int
    cell: int
    copy: int


@dataclass(frozen=True)
class ShardSpec:
    name: str           # e.g. train-00001-of-00004
    split: str
    rows: tuple[RowSpec, ...]


def list_items(spec: SourceSpec, where: str) -> list[SourceItem]:
    """Every record of a source, in its deterministic listing order. A source whose path does not exist, that
    cannot be listed at all or that holds no records is a RecipeError naming `where` (`sources[1]`): a typo in a
    path must not build an empty dataset. A wfdb path may also name one record without its extension."""
    if spec.type == "synthetic":
        return list(list_synthetic(spec.options["n"], synth_config(spec.options)))
    if not any(Path(p).exists() for p in (spec.path, f"{spec.path}.hea")):
        raise RecipeError(f"{where}.path: folder {spec.path} does not exist")
    try:
        items = list(list_source(spec.path, **spec.options))
    except RecordError as exc:
        raise RecipeError(f"{where}.path: {exc}") from None
    if not items:
        raise RecipeError(f"{where}.path: folder {spec.path} holds no records")
    return items


_LISTINGS: dict[tuple[str, int], tuple[SourceItem, ...]] = {}


def source_items(recipe: Recipe, source: int) -> tuple[SourceItem, ...]:
    """The recipe's records of one source (capped at max_records), listed once per process: a worker
    builds many shards from the same listing."""
    key = (recipe.sha256(), source)
    if key not in _LISTINGS:
        _LISTINGS[key] = tuple(list_items(recipe.sources[source], f"sources[{source}]")[:recipe.max_records])
    return _LISTINGS[key]


def stable_unit(*parts: object) -> float:
    """A uniform number in [0, 1) from a hash of `parts` (stable across processes and machines)."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def row_seed(dataset_seed: int, row_id: str) -> int:
    digest = hashlib.sha256(f"{dataset_seed}|{row_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") & (2**63 - 1)


def assign_split(recipe: Recipe, source: SourceSpec, item: SourceItem) -> str | None:
    """Patient-wise: a hash of (seed, source, patient) picks the split, so a patient's records never
    straddle splits and no global pass is needed. Folds: the source's own fold; None if unassigned."""
    if recipe.split_policy == "folds":
        if item.fold is None:
            return None
        return next((name for name, folds in recipe.split_folds.items() if item.fold in folds), None)
    u = stable_unit(recipe.seed, source.name, item.patient_id)
    edge = 0.0
    for name, ratio in recipe.split_ratios.items():
        edge += ratio
        if u < edge:
            return name
    return list(recipe.split_ratios)[-1]


def make_plan(recipe: Recipe) -> list[ShardSpec]:
    """All shards of the dataset, each split's rows in source then listing order."""
    if recipe.split_policy == "folds":
        for s, spec in enumerate(recipe.sources):
            items = source_items(recipe, s)
            if items and all(item.fold is None for item in items):
                raise RecipeError(f"split.policy = 'folds' but source {spec.name!r} has no folds")
    per_split: dict[str, list[RowSpec]] = {name: [] for name in recipe.splits}
    for s, spec in enumerate(recipe.sources):
        for i, item in enumerate(source_items(recipe, s)):
            split = assign_split(recipe, spec, item)
            if split is None:
                continue
            for v, variant in enumerate(recipe.variants):
                n_cells = len(variant.expand())
                for k in range(variant.copies):
                    if variant.pick == "one":
                        cells = [int(stable_unit(recipe.seed, spec.name, item.record_id, v, k) * n_cells)]
                    else:
                        cells = range(n_cells)
                    per_split[split].extend(RowSpec(s, i, v, c, k) for c in cells)
    shards = []
    for split, rows in per_split.items():
        n = max(1, -(-len(rows) // recipe.rows_per_shard))
        for k in range(n):
            chunk = tuple(rows[k * recipe.rows_per_shard:(k + 1) * recipe.rows_per_shard])
            shards.append(ShardSpec(f"{split}-{k:05d}-of-{n:05d}", split, chunk))
    return shards
