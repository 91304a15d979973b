"""Output confinement: no name in a recipe (dataset, split, source, variant), no record id and no link in the output
folder makes a build write outside that folder; bad names are refused at load with one line naming the key."""

import os

import pytest
from click.testing import CliRunner

from cli.ecgprint import main
from ecgprint.atomic import inside
from ecgprint.dataset.build import build
from ecgprint.dataset.plan import ShardSpec
from ecgprint.dataset.recipe import parse_recipe
from ecgprint.dataset.worker import build_shard

RECIPE = """
[dataset]
name = "{dataset}"

[[sources]]
type = "synthetic"
name = "{source}"
options = {{ n = 2, duration = 10 }}

[split]
ratios = {{ "{split}" = 1.0 }}

[[variants]]
name = "{variant}"
paper = {{ dpi = 72 }}
"""
SAFE = {"dataset": "tiny", "source": "synth", "split": "test", "variant": "page"}
KEYS = {"dataset": "dataset.name", "source": r"sources[0].name", "split": "split.ratios",
        "variant": r"variants[0].name"}
# Each lands in tmp_path's parent (or the file system root) if joined into OUT/data/<name>-00000-of-00001.parquet.
TRAVERSALS = ("/../../NAME", "../../../NAME", "..", ".", "a/b", "a\\\\b", "", ".hidden", "-rf", "x" * 65, "é")


def listing(folder):
    return sorted(os.listdir(folder))


@pytest.mark.parametrize("name", TRAVERSALS)
@pytest.mark.parametrize("field", list(SAFE))
def test_traversal_in_any_name_is_refused_and_nothing_is_written(tmp_path, field, name):
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(RECIPE.format(**{**SAFE, field: name}))
    before, root_before = listing(tmp_path.parent), listing("/")
    res = CliRunner().invoke(main, ["build", str(recipe), "-o", str(tmp_path / "out"), "--no-progress"])
    assert res.exit_code == 1 and "Traceback" not in res.output
    lines = res.stderr.strip().splitlines()
    shown = name.replace("\\\\", "\\")
    assert len(lines) == 1 and f"{KEYS[field]}: name {shown!r} must be" in lines[0]
    assert listing(tmp_path.parent) == before and listing("/") == root_before
    assert listing(tmp_path) == ["recipe.toml"]


def test_safe_names_build(tmp_path):
    recipe = parse_recipe({"dataset": {"name": "A-1.b_2"}, "sources": [{"type": "synthetic", "name": "s.1",
                           "options": {"n": 2, "duration": 10}}], "split": {"ratios": {"Test_1": 1.0}},
                           "variants": [{"name": "v-2", "paper": {"dpi": 72}}]})
    assert build(recipe, tmp_path / "out", progress=False).rows == 2
    assert [p.name for p in (tmp_path / "out" / "data").iterdir()] == ["Test_1-00000-of-00001.parquet"]


def test_worker_refuses_a_shard_path_outside_the_output_folder(tmp_path):
    """The second line of defence: a shard name that slipped past the recipe still cannot leave OUT."""
    recipe = parse_recipe({"dataset": {"name": "x"}, "sources": [{"type": "synthetic", "options": {"n": 1}}],
                           "variants": [{"paper": {"dpi": 72}}]})
    out = tmp_path / "a" / "out"
    before = listing(tmp_path)
    with pytest.raises(ValueError, match=r"outside the output folder"):
        build_shard(recipe, ShardSpec("../../../escaped", "test", ()), str(out))
    assert listing(tmp_path) == before and not any(tmp_path.parent.glob("escaped*"))


def test_inside_follows_links(tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "data").symlink_to(elsewhere)
    assert inside(out, out / "data2" / ".." / "x.json") == (out / "x.json").resolve()
    with pytest.raises(ValueError, match=r"data/s.parquet: resolves to .*elsewhere/s.parquet, outside the output"):
        inside(out, out / "data" / "s.parquet")


def test_unsafe_record_id_is_quarantined(tmp_path):
    """Record ids become row ids and image names: a record whose file name breaks the rule is quarantined."""
    from ecgprint.sources.wfdb_source import write_wfdb
    from ecgprint.synth import iter_synthetic
    records = tmp_path / "records"
    write_wfdb(iter_synthetic(2), records)
    first = sorted(records.glob("*.hea"))[0]
    bad = "r" * 70   # ids are capped at 64 characters
    text = first.read_text().replace(first.stem, bad)
    (records / f"{bad}.hea").write_text(text)
    first.with_suffix(".dat").rename(records / f"{bad}.dat")
    first.unlink()
    recipe = parse_recipe({"dataset": {"name": "x"}, "sources": [{"type": "wfdb", "name": "files",
                           "path": str(records)}], "split": {"ratios": {"test": 1.0}},
                           "variants": [{"paper": {"dpi": 72}}]})
    summary = build(recipe, tmp_path / "out", progress=False)
    assert summary.rows == 1 and summary.quarantined == 1
    entry = (tmp_path / "out" / "quarantine.jsonl").read_text()
    assert f"record id: name {bad!r} must be" in entry
