"""Recipe checks that keep a typo from building an empty, duplicated or endless dataset: missing or empty source
folders, duplicate names, the cap on generated counts; and the progress bar of `ecgprint synth`."""

import pytest
from click.testing import CliRunner

from cli.ecgprint import main
from ecgprint.dataset.build import build
from ecgprint.dataset.recipe import MAX_SYNTHETIC_RECORDS, RecipeError, load_recipe, parse_recipe

BASE = {"dataset": {"name": "x"}, "sources": [{"type": "synthetic", "name": "synth", "options": {"n": 4}}],
        "split": {"ratios": {"test": 1.0}}, "variants": [{"name": "page", "layout": "3x4", "paper": {"dpi": 72}}]}

RECIPE = """
[dataset]
name = "checks"

[[sources]]
type = "synthetic"
options = {{ n = 2, duration = 10 }}

[[sources]]
type = "wfdb"
name = "files"
path = "{path}"

[split]
ratios = {{ test = 1.0 }}

[[variants]]
name = "page"
paper = {{ dpi = 72 }}
{extra}
"""


def cli_build(tmp_path, path: str, extra: str = ""):
    """Run `ecgprint build` on the recipe above; returns the click result and the output folder."""
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(RECIPE.format(path=path, extra=extra))
    out = tmp_path / "out"
    return CliRunner().invoke(main, ["build", str(recipe), "-o", str(out), "--no-progress"]), out


def one_line_error(result) -> str:
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.output
    return lines[0]


def test_missing_source_folder_fails_before_anything_is_written(tmp_path):
    result, out = cli_build(tmp_path, "no_such_folder")
    line = one_line_error(result)
    assert "sources[1].path: folder" in line and "no_such_folder does not exist" in line
    assert not out.exists()


def test_empty_source_folder_fails_before_rendering(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("no records here")
    result, out = cli_build(tmp_path, "empty")
    line = one_line_error(result)
    assert "sources[1].path:" in line and "holds no" in line
    assert not out.exists()


def test_source_path_may_name_one_record_without_extension(tmp_path):
    from ecgprint.sources.wfdb_source import write_wfdb
    from ecgprint.synth import iter_synthetic
    write_wfdb(iter_synthetic(1), tmp_path / "recs")
    record = next((tmp_path / "recs").glob("*.hea")).with_suffix("")
    recipe = parse_recipe({**BASE, "sources": [{"type": "wfdb", "name": "one", "path": str(record)}]})
    summary = build(recipe, tmp_path / "out", progress=False)
    assert summary.rows == 1 and summary.quarantined == 0


@pytest.mark.parametrize("section, key", [("variants", "variants"), ("sources", "sources")])
def test_duplicate_names_are_refused_at_load(tmp_path, section, key):
    twice = {**BASE, section: BASE[section] * 2}
    with pytest.raises(RecipeError, match=rf"^{key}: name '\w+' is used twice"):
        parse_recipe(twice)


def test_names_equal_up_to_letter_case_are_duplicates():
    with pytest.raises(RecipeError, match=r"^split.ratios: name 'train' is used twice"):
        parse_recipe({**BASE, "split": {"ratios": {"Train": 0.5, "train": 0.5}}})
    variants = [{**BASE["variants"][0], "name": "Page"}, BASE["variants"][0]]
    with pytest.raises(RecipeError, match=r"^variants: name 'page' is used twice"):
        parse_recipe({**BASE, "variants": variants})


def test_cli_refuses_duplicate_variant_names_in_one_line(tmp_path):
    (tmp_path / "recs").mkdir()
    result, out = cli_build(tmp_path, "recs", extra='\n[[variants]]\nname = "page"\n')
    assert "variants: name 'page' is used twice" in one_line_error(result)
    assert not out.exists()


def test_synthetic_count_is_capped_unless_allowed():
    big = MAX_SYNTHETIC_RECORDS + 1
    with pytest.raises(RecipeError, match=r"^sources\[0\].options.n: .*allow_large = true"):
        parse_recipe({**BASE, "sources": [{"type": "synthetic", "options": {"n": 100_000_000}}]})
    recipe = parse_recipe({**BASE, "sources": [{"type": "synthetic", "options": {"n": big, "allow_large": True}}]})
    assert recipe.sources[0].options["n"] == big
    assert parse_recipe({**BASE, "sources": [{"type": "synthetic", "options": {"n": MAX_SYNTHETIC_RECORDS}}]})


def test_max_records_must_be_sane():
    with pytest.raises(RecipeError, match=r"^filter.max_records: must be in 1\.\."):
        parse_recipe({**BASE, "filter": {"max_records": 10 ** 12}})
    assert parse_recipe({**BASE, "filter": {"max_records": 3}}).max_records == 3


def test_recipe_that_is_not_utf8_text_or_a_fifo_is_one_line(tmp_path):
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00name")
    with pytest.raises(RecipeError, match="binary.toml: not a UTF-8 text file$"):
        load_recipe(binary)
    fifo = tmp_path / "pipe.toml"
    __import__("os").mkfifo(fifo)
    with pytest.raises(RecipeError, match=r"pipe.toml: cannot read \(recipe is not a regular file \(a FIFO\)\)"):
        load_recipe(fifo)


def test_synth_shows_progress_on_request_and_is_quiet_otherwise(tmp_path):
    args = ["synth", "-n", "3", "--duration", "3", "--clean"]
    shown = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "a"), "--progress"])
    assert shown.exit_code == 0 and "3/3" in shown.stderr and "generating" in shown.stderr
    quiet = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "b")])   # not a terminal: no bar
    assert quiet.exit_code == 0 and quiet.stderr == "" and "wrote 3 records" in quiet.stdout
