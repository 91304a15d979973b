"""`ecgprint build`: plan shards, keep the finished ones, build the rest, then write manifest, quarantine
report and dataset card. Re-running after a crash (even SIGKILL) gives byte-identical output."""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from .. import __version__
from ..atomic import inside, write_atomic
from ..labels import LABELS
from .card import write_card
from .executors import run_dask, run_local
from .manifest import MANIFEST, Manifest, ShardEntry, SplitCounts
from .plan import ShardSpec, make_plan
from .recipe import Recipe
from .worker import STATE_DIR, ShardReport, file_sha256, report_path, shard_path

MANAGED = ("data", STATE_DIR, MANIFEST, "quarantine.jsonl", "README.md", "examples")


class BuildError(RuntimeError):
    """The build cannot go on (recipe changed under an existing output, strict mode, ...)."""


@dataclass
class BuildSummary:
    rows: int
    shards: int
    reused: int
    quarantined: int
    filtered: int


def _state(recipe: Recipe) -> dict:
    return {"recipe_sha256": recipe.sha256(), "ecgprint_version": __version__}


def prepare_output(recipe: Recipe, out: Path, overwrite: bool) -> None:
    """Claim `out` for this recipe; refuse if it holds a build of another recipe or version (or clear it)."""
    state_file = inside(out, out / STATE_DIR / "state.json")
    if state_file.exists():
        state = json.loads(state_file.read_text())
        if state != _state(recipe):
            if not overwrite:
                raise BuildError(f"{out} holds a build of a different recipe or ecgprint version "
                                 f"({state.get('recipe_sha256', '?')[:12]}, {state.get('ecgprint_version')}); "
                                 "use another output folder or --overwrite")
            for name in MANAGED:
                target = out / name
                if target.is_dir():
                    shutil.rmtree(target)
                elif target.exists():
                    target.unlink()
    elif out.exists() and any(out.iterdir()) and not overwrite:
        raise BuildError(f"{out} is not empty and holds no ecgprint build; choose an empty folder or --overwrite")
    write_atomic(state_file, json.dumps(_state(recipe), sort_keys=True))


def finished_report(out: Path, shard: ShardSpec) -> ShardReport | None:
    """The report of a shard already built and intact on disk, or None if it must be (re)built."""
    report_file, data_file = report_path(out, shard.name), shard_path(out, shard.name)
    if not (report_file.exists() and data_file.exists()):
        return None
    report = ShardReport(**json.loads(report_file.read_text()))
    if data_file.stat().st_size != report.bytes or file_sha256(data_file) != report.sha256:
        return None
    return report


def build(recipe: Recipe, out: str | Path, workers: int = 1, executor: str = "local",
          scheduler: str | None = None, strict: bool = False, overwrite: bool = False,
          progress: bool | None = None) -> BuildSummary:
    """Build (or finish building) the dataset of `recipe` into `out`. The plan comes first: a source that is
    missing or empty fails before anything is written."""
    out = Path(out).resolve()
    shards = make_plan(recipe)
    prepare_output(recipe, out, overwrite)
    for stale in (out / "data").glob(".*.tmp") if (out / "data").exists() else ():
        stale.unlink()
    reports = {s.name: r for s in shards if (r := finished_report(out, s)) is not None}
    todo = [s for s in shards if s.name not in reports]
    planned_rows = {s.name: len(s.rows) for s in todo}
    # tqdm's disable=None switches the bar off when stderr is not a terminal (CI logs stay quiet).
    with tqdm(total=sum(planned_rows.values()), unit="img", desc=f"building {recipe.name}", file=sys.stderr,
              disable={True: False, False: True, None: None}[progress]) as bar:
        runner = (run_local(recipe, todo, str(out), workers) if executor == "local"
                  else run_dask(recipe, todo, str(out), workers, scheduler))
        for report in runner:
            reports[report.name] = report
            bar.update(planned_rows[report.name])
    ordered = [reports[s.name] for s in shards]
    quarantine = [q for r in ordered for q in r.quarantine]
    lines = "".join(json.dumps(q, sort_keys=True) + "\n" for q in quarantine)
    write_atomic(inside(out, out / "quarantine.jsonl"), lines)
    manifest = make_manifest(recipe, ordered, out)
    write_atomic(inside(out, out / MANIFEST), manifest.to_json())
    write_card(recipe, manifest)
    if strict and quarantine:
        raise BuildError(f"{len(quarantine)} record(s) quarantined (see {out / 'quarantine.jsonl'}); "
                         "--strict makes that an error")
    return BuildSummary(sum(r.rows for r in ordered), len(ordered), len(shards) - len(todo), len(quarantine),
                        sum(r.filtered for r in ordered))


def make_manifest(recipe: Recipe, reports: list[ShardReport], out: Path) -> Manifest:
    """Every shard with rows, bytes and sha256; counts per split and label; quarantine count."""
    splits: dict[str, dict] = {}
    for r in reports:
        entry = splits.setdefault(r.split, {"rows": 0, "shards": 0, "labels": dict.fromkeys(LABELS, 0)})
        entry["rows"] += r.rows
        entry["shards"] += 1
        for label, n in r.label_counts.items():
            entry["labels"][label] += n
    return Manifest(
        root=out, name=recipe.name, ecgprint_version=__version__, recipe=recipe.raw,
        recipe_sha256=recipe.sha256(), label_order=LABELS,
        shards=tuple(ShardEntry(f"data/{r.name}.parquet", r.split, r.rows, r.bytes, r.sha256) for r in reports),
        splits={name: SplitCounts(**counts) for name, counts in splits.items()}, rows=sum(r.rows for r in reports),
        quarantined=sum(len(r.quarantine) for r in reports), filtered=sum(r.filtered for r in reports),
    )
