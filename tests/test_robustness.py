"""Robustness study: the CLI on a tiny dataset and model writes one CSV row per (condition, severity, label) and
non-empty plots, the same seed gives identical numbers, severity 0 of every preset and artifact is the clean
cell exactly, and any callable image -> probabilities can be studied."""

import csv
import hashlib
import json

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from cli.vizecg import main
from ecgprint.artifacts import ARTIFACTS, PRESETS
from ecgprint.labels import LABELS
from ecgprint.paper import Paper
from ecgprint.render import RenderConfig
from ecgprint.synth import SynthConfig, iter_synthetic
from tests.study_helpers import trained_tiny
from tests.vizecg_helpers import one_thread  # noqa: F401
from vizecg.robustness.study import conditions, run_study

SEVERITIES = ("0", "1")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return trained_tiny(tmp_path_factory.mktemp("robustness"))


def run_cli(tiny, out, seed="3"):
    data, ckpt = tiny
    args = ["robustness", "--ckpt", str(ckpt), "--data", str(data), "--severities", ",".join(SEVERITIES),
            "--artifacts", "skew,jpeg", "--limit", "4", "--val-limit", "4", "--seed", seed, "--bootstrap", "20",
            "-o", str(out), "--device", "cpu"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def cli_run(tiny, tmp_path_factory):
    out = tmp_path_factory.mktemp("study")
    return out, run_cli(tiny, out)


def test_cli_writes_one_row_per_preset_severity_label_and_plots(cli_run):
    out, result = cli_run
    rows = list(csv.DictReader((out / "cells.csv").open()))
    names = [*PRESETS, "skew", "jpeg"]
    expected = {(name, float(s), label) for name in names for s in SEVERITIES for label in LABELS}
    keys = [(r["condition"], float(r["severity"]), r["label"]) for r in rows]
    assert len(keys) == len(expected) and set(keys) == expected
    assert {r["kind"] for r in rows if r["condition"] == "skew"} == {"artifact"}
    assert all(r["n"] == "4" for r in rows)
    summary = list(csv.DictReader((out / "summary.csv").open()))
    assert len(summary) == len(names) * len(SEVERITIES) and "macro_f1_low" in summary[0]
    for name in ("curves.png", "heatmap.png", "samples.png"):
        image = cv2.imread(str(out / name))
        assert image is not None and image.size > 0 and image.std() > 0, name
    study = json.loads((out / "study.json").read_text())
    assert study["threshold_source"] == "val split (4 records) printed clean" and len(study["record_ids"]) == 4
    markdown = (out / "summary.md").read_text()
    assert "## Per-artifact sensitivity" in markdown and "| skew (scanner) |" in markdown
    assert markdown in result.output


def test_same_seed_gives_identical_numbers(tiny, cli_run, tmp_path):
    out, _ = cli_run
    run_cli(tiny, tmp_path)
    for name in ("cells.csv", "summary.csv", "study.json", "summary.md"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


@pytest.mark.parametrize("option, message", [(["--presets", "clean,scann"], "unknown preset(s) ['scann']"),
                                             (["--severities", "0,1.5"], "severities must be distinct"),
                                             (["--artifacts", "blurr"], "unknown artifact or family 'blurr'")])
def test_cli_refuses_bad_input_with_a_one_line_error(tiny, tmp_path, option, message):
    data, ckpt = tiny
    result = CliRunner().invoke(main, ["robustness", "--ckpt", str(ckpt), "--data", str(data), "-o", str(tmp_path),
                                       *option])
    assert result.exit_code == 1 and message in result.output and not any(tmp_path.iterdir())


@pytest.fixture(scope="module")
def records():
    return list(iter_synthetic(3, SynthConfig(fs=100, duration=10, seed=5)))


def test_severity_zero_of_every_preset_and_artifact_is_the_clean_cell(records):
    """Any callable works; it sees byte-identical pages at severity 0, so every number equals the clean cell's."""
    calls: list[list[str]] = []   # page digests per call: one call per cell (3 records < batch size)

    def ink(images):   # a "model" reading the page: darkness of six horizontal bands
        calls.append([hashlib.sha256(image.tobytes()).hexdigest() for image in images])
        return np.stack([1 - np.array([band.mean() for band in np.array_split(image, 6)]) / 255 for image in images])

    study = run_study(ink, records, [0.1] * 6, severities=(0.0, 0.5), artifacts=["wrinkles"],
                      pages=RenderConfig(paper=Paper(dpi=72)), n_bootstrap=10)
    pages = {(c.condition.name, c.severity): digests for c, digests in zip(study.cells, calls, strict=True)}
    clean = study.cell("clean", 0.0)
    for condition in study.conditions:
        zero = study.cell(condition.name, 0.0)
        assert pages[condition.name, 0.0] == pages["clean", 0.0]
        assert np.array_equal(zero.probabilities, clean.probabilities)
        assert np.array_equal(zero.report.value, clean.report.value, equal_nan=True)
        if condition.name != "clean":
            assert pages[condition.name, 0.5] != pages["clean", 0.0], condition.name


def test_conditions_expand_families_and_name_bad_input():
    scanner = [c.name for c in conditions((), ["scanner"])]
    assert scanner == sorted(n for n, cls in ARTIFACTS.items() if cls.family == "scanner") and len(scanner) > 3
    described = conditions(("clean",), [{"name": "jpeg", "max_drop": 60}])
    assert described[1].name == "jpeg(max_drop=60)" and described[1].family == "photometric"
    with pytest.raises(ValueError, match="unknown preset"):
        conditions(("scann",))
    with pytest.raises(ValueError, match="unknown artifact or family 'blurr'"):
        conditions((), ["blurr"])
    with pytest.raises(ValueError, match="unknown key"):
        conditions((), [{"name": "skew", "max_degs": 2}])
    with pytest.raises(ValueError, match="conditions repeat"):
        conditions((), ["skew", "scanner"])


def test_predict_fn_output_shape_is_checked(records):
    with pytest.raises(ValueError, match=r"need \[2, 6\]"):
        run_study(lambda images: np.zeros((len(images), 5)), records[:2], [0.5] * 6, presets=("clean",),
                  severities=(0.0,), pages=RenderConfig(paper=Paper(dpi=72)))
