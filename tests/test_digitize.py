"""The baseline digitizer reads ecgprint's own pages back into signals (docs/digitization.md)."""

import dataclasses
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from cli.ecgprint import main
from ecgprint.digitize.digitizer import digitize
from ecgprint.digitize.grid import _period_mm
from ecgprint.digitize.score import mask_unplotted, score_signals
from ecgprint.leads import STANDARD_LEADS
from ecgprint.render import RenderConfig, render
from ecgprint.sources.wfdb_source import write_wfdb
from ecgprint.synth import NuisanceConfig, SynthConfig, example_record, iter_synthetic


@pytest.fixture(scope="module")
def record():
    return next(iter(iter_synthetic(1, SynthConfig(seed=3, nuisance=NuisanceConfig.clean()))))


def _snr(record, result, digitized):
    reference = mask_unplotted(record.signal, STANDARD_LEADS, result.truth_dict())
    return score_signals(reference, STANDARD_LEADS, digitized.signal, STANDARD_LEADS, record.fs)


def test_clean_synthetic_page_digitizes_blind_to_15_db(record):
    result = render(record, RenderConfig(layout="3x4", rhythm=("II",)), seed=1)
    digitized = digitize(result.image, record.fs)
    assert digitized.geometry.layout == "3x4" and digitized.geometry.calibrated
    assert len(digitized.geometry.panels) == 13
    assert _snr(record, result, digitized).median_snr_db >= 15.0


def test_rotated_scan_page_still_finds_all_12_leads(record):
    result = render(record, RenderConfig(layout="3x4", rhythm=("II",), preset="scan", severity=1.0), seed=1)
    angle = next(a["params"]["angle_deg"] for a in result.meta["artifacts"] if a["name"] == "skew")
    assert abs(angle) > 1.0
    digitized = digitize(result.image, record.fs)
    assert abs(abs(digitized.grid.angles_deg[0]) - abs(angle)) < 0.1
    assert {p.lead for p in digitized.geometry.panels} == set(STANDARD_LEADS)
    assert np.isfinite(digitized.signal).any(axis=0).all()
    assert _snr(record, result, digitized).median_snr_db >= 8.0


def test_a_page_photographed_on_a_dark_table_is_read_inside_the_sheet(record):
    """Next to the sheet a dark surround looks like ink against the paper; it must not hide the rows (ecgprint's
    photo preset puts pages on such a table)."""
    result = render(record, RenderConfig(layout="3x4", rhythm=("II",), trace_color=(100, 100, 100)), seed=1)
    page = result.image                                        # a grey pen, as a photo's light leaves the ink
    margin = page.shape[0] // 8
    table = np.empty((page.shape[0] + 2 * margin, page.shape[1] + 2 * margin, 3), np.uint8)
    table[:] = (70, 48, 32)                                    # dark wood
    table[margin:-margin, margin:-margin] = page
    digitized = digitize(table, record.fs)
    assert digitized.geometry.layout == "3x4" and len(digitized.geometry.panels) == 13
    assert _snr(record, result, digitized).median_snr_db >= 12.0      # 13.1 dB; without the sheet mask: read as 6x2


def test_oracle_geometry_uses_the_truth_layout_and_warp(record):
    result = render(record, RenderConfig(layout="6x2", preset="scan", severity=0.5), seed=2)
    digitized = digitize(result.image, record.fs, oracle=result.truth_dict())
    assert digitized.geometry.layout == "oracle" and len(digitized.geometry.panels) == 12
    assert _snr(record, result, digitized).median_snr_db >= 12.0


def test_cli_digitizes_a_page_into_a_wfdb_record_that_scores(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["render", "--example", "-o", str(tmp_path)]).exit_code == 0
    page = next(tmp_path.glob("*.png"))
    out = runner.invoke(main, ["digitize", str(page), "-o", str(tmp_path / "dig")])
    assert out.exit_code == 0, out.output
    found = json.loads((tmp_path / "dig" / f"{page.stem}_leads.json").read_text())
    assert found["layout"] == "3x4" and len(found["leads"]) == 13
    write_wfdb([dataclasses.replace(example_record(), record_id="example")], tmp_path / "src")
    score = runner.invoke(main, ["digitize-score", str(tmp_path / "src" / "example.hea"),
                                 str(tmp_path / "dig" / f"{page.stem}.hea"), "--page",
                                 str(page.with_suffix(".json")), "--json"])
    assert score.exit_code == 0, score.output
    assert json.loads(score.output)["mean_snr_db"] > 10


def test_a_page_without_traces_is_refused_naming_the_file(tmp_path):
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((600, 800, 3), 255, np.uint8))
    out = CliRunner().invoke(main, ["digitize", str(blank), "-o", str(tmp_path / "o")])
    assert out.exit_code != 0 and "blank.png" in out.output and "no trace rows" in out.output


def test_a_grid_whose_far_peaks_do_not_repeat_the_near_one_has_no_period():
    """Regression: the grid-point profile of a photo page at severity 1 (study record synth_1700_000003) made the
    period refinement shrink the period while doubling its multiple, until OverflowError; now: no period."""
    profile = np.load(Path(__file__).parent / "data" / "digitize" / "photo_grid_profile.npz")["profile"]
    assert _period_mm(np.repeat(np.arange(profile.size), profile).astype(float)) is None
