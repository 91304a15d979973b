"""`ecgprint digitize-study` on a tiny build of the shipped digitization recipe: one CSV line per page and mode, the
clean baseline figure, SNR falling with severity on a degrading preset, and the figures."""

import csv
import json
import tomllib
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cli.ecgprint import main
from ecgprint.dataset.build import build
from ecgprint.dataset.recipe import parse_recipe

RECIPE = Path(__file__).resolve().parents[1] / "data_recipes" / "digitization.toml"


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """The shipped recipe cut to 2 records printed clean and as fax at severity 1 (4 pages), and its study. Severity 0
    prints the clean page for every preset, so the clean pages are also fax at severity 0."""
    tmp = tmp_path_factory.mktemp("digitize_study")
    data = tomllib.loads(RECIPE.read_text())
    data["sources"][0]["options"]["n"] = 2
    page = data["variants"][0]
    data["variants"] = [{**page, "name": "clean", "preset": "clean", "severity": 0.0},
                        {**page, "name": "fax", "preset": "fax", "severity": 1.0}]
    build(parse_recipe(data), tmp / "dataset", progress=False)
    run = CliRunner().invoke(main, ["digitize-study", str(tmp / "dataset"), "-o", str(tmp / "study")])
    assert run.exit_code == 0, run.output
    with open(tmp / "study" / "study.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return tmp / "study", rows, json.loads((tmp / "study" / "study.json").read_text())


def cell(summary: dict, preset: str, severity: float, mode: str) -> dict:
    (found,) = [c for c in summary["cells"] if (c["preset"], c["severity"], c["mode"]) == (preset, severity, mode)]
    return found


def test_one_csv_row_per_page_and_mode(study):
    _, rows, summary = study
    assert len(rows) == 4 * 2 and summary["pages"] == 4
    assert {r["mode"] for r in rows} == {"blind", "oracle"}
    assert len({(r["id"], r["mode"]) for r in rows}) == len(rows)
    assert {(r["preset"], r["severity"]) for r in rows} == {("clean", "0"), ("fax", "1")}
    assert all(r["snr_V6"] != "" for r in rows)       # every lead is printed and scored


def test_clean_pages_digitize_blind_above_12_db_and_oracle_does_better(study):
    _, _, summary = study
    blind, oracle = cell(summary, "clean", 0.0, "blind"), cell(summary, "clean", 0.0, "oracle")
    assert blind["median_snr_db"] >= 12 and blind["failed"] == 0 and blind["leads_scored"] == 2 * 12
    assert oracle["median_snr_db"] > blind["median_snr_db"]


def test_snr_falls_from_severity_0_to_1_on_a_degrading_preset(study):
    _, rows, summary = study
    for mode in ("blind", "oracle"):
        assert cell(summary, "fax", 1.0, mode)["median_snr_db"] < cell(summary, "clean", 0.0, mode)["median_snr_db"]
    page_means = {preset: np.mean([float(r["median_snr_db"]) for r in rows
                                   if (r["preset"], r["mode"]) == (preset, "blind")]) for preset in ("clean", "fax")}
    assert page_means["fax"] < page_means["clean"] - 3


def test_the_study_draws_its_curves_and_heatmap(study):
    folder, _, _ = study
    for name in ("curves.png", "heatmap.png"):
        assert (folder / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
