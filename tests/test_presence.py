"""The "no ECG found" check: blank grids of every colour, a text page, noise, a constant image and a 1x1 image are
not found and get no positive label through Predictor and `vizecg predict`; printed ECGs (real records, every
artifact preset at severity 1, random styles) are found; the bundled weights load with weights_only=True; scores
and training are deterministic."""

import itertools
import json

import cv2
import numpy as np
import pytest
import torch
from click.testing import CliRunner

from cli.vizecg import main
from ecgprint.artifacts import PRESETS
from ecgprint.labels import LABELS
from ecgprint.paper import GRID_STYLES, Paper
from ecgprint.raster import grid_canvas
from ecgprint.render import RenderConfig, encode_image, render
from ecgprint.sources import open_source
from ecgprint.style import seeded_style
from ecgprint.synth import example_record
from tests.vizecg_helpers import one_thread  # noqa: F401
from vizecg.predict import Predictor
from vizecg.presence import BUNDLED, FORMAT, MIN_SIDE, PresenceCheck, PresenceNet
from vizecg.presence_data import make_set
from vizecg.presence_train import PresenceTrainConfig, fit


@pytest.fixture(scope="module")
def check():
    return PresenceCheck()


def text_page() -> np.ndarray:
    """A letter: lines of text on white paper, 100 dpi."""
    page = np.full((1100, 850, 3), 250, np.uint8)
    for k, y in enumerate(range(120, 1000, 36)):
        cv2.putText(page, f"Dear patient, line {k}: the results of your appointment are enclosed.", (80, y),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.55, (20, 20, 20), 1, cv2.LINE_AA)
    return page


def negatives() -> dict[str, np.ndarray]:
    """Images that show no ECG: a blank grid page of every grid colour, text, noise, constant, 1x1."""
    images = {f"grid_{name}": grid_canvas(Paper(dpi=100, grid=name)) for name in GRID_STYLES}
    images["text"] = text_page()
    images["noise"] = np.random.default_rng(0).integers(0, 256, (600, 800, 3), dtype=np.uint8)
    images["constant"] = np.full((600, 800, 3), 128, np.uint8)
    images["one_pixel"] = np.full((1, 1, 3), 255, np.uint8)
    return images


def example_page(preset: str = "clean", severity: float = 0.0, seed: int = 0, dpi: float = 100) -> np.ndarray:
    return render(example_record(), RenderConfig(paper=Paper(dpi=dpi), preset=preset, severity=severity), seed).image


def test_images_without_an_ecg_are_not_found(check):
    images = negatives()
    scores = check.scores(list(images.values()))
    assert dict(zip(images, check.found(scores).tolist())) == dict.fromkeys(images, False)
    assert scores[-1] == 0.0   # under MIN_SIDE: no model run


def test_predictor_gives_no_positive_label_without_an_ecg_and_keeps_it_with_one(tmp_path):
    images = {**negatives(), "page": example_page()}
    paths = []
    for name, image in images.items():
        paths.append(tmp_path / f"{name}.png")
        paths[-1].write_bytes(encode_image(image, "png"))
    predictor = Predictor()   # the bundled checkpoint: without the check it called a blank grid LBBB at 0.92
    entries = predictor.predict_files(paths)
    assert [e.ecg_found for e in entries] == [False] * (len(images) - 1) + [True]
    for entry in entries[:-1]:
        assert not any(entry.decisions.values()) and list(entry.probabilities) == list(LABELS)
    page = entries[-1]
    assert page.decisions == {k: p >= t for (k, p), t in zip(page.probabilities.items(), predictor.thresholds)}


def test_cli_json_and_table_say_no_ecg_found_for_a_blank_grid_and_a_1x1_image(tmp_path):
    blank, dot = tmp_path / "blank.png", tmp_path / "dot.png"
    blank.write_bytes(encode_image(grid_canvas(Paper(dpi=100)), "png"))
    dot.write_bytes(encode_image(np.zeros((1, 1, 3), np.uint8), "png"))
    result = CliRunner().invoke(main, ["predict", str(blank), str(dot), "--json", "--device", "cpu"])
    assert result.exit_code == 0
    for obj, path in zip(json.loads(result.stdout), (blank, dot)):
        assert {"image", "probabilities", "decisions", "ecg_found", "ecg_score", "route", "read"} == set(obj)
        assert (obj["route"], obj["read"]) == ("image", None)   # nothing to digitize without an ECG
        assert obj["image"] == str(path) and obj["ecg_found"] is False and not any(obj["decisions"].values())
    table = CliRunner().invoke(main, ["predict", str(blank), "--device", "cpu"])
    assert "no ECG found" in table.stdout.splitlines()[1] and "+" not in table.stdout.splitlines()[1]


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_the_example_page_is_found_under_every_preset_at_severity_1(check, preset):
    pages = [example_page(preset, 1.0, seed, dpi) for seed, dpi in ((1, 100), (2, 200))]
    assert check.found(check.scores(pages)).all()


def test_pages_in_random_styles_are_found(check):
    pages = [render(example_record(), seeded_style(seed, RenderConfig(preset=preset, severity=0.5)), seed).image
             for seed, preset in enumerate(["clean", "scan", "phone_photo", "print", "damaged", "photo"])]
    assert check.found(check.scores(pages)).all()


def test_real_records_printed_clean_are_found(check, shared_data):
    records = [r for name in ("ludb", "cpsc2018") for r in itertools.islice(open_source(shared_data / name), 3)]
    pages = [render(record, RenderConfig(paper=Paper(dpi=100)), seed=0).image for record in records]
    assert len(pages) == 6 and check.found(check.scores(pages)).all()


def test_bundled_weights_load_as_plain_data_and_are_small():
    data = torch.load(BUNDLED, weights_only=True)
    meta = json.loads(data["meta"])
    assert data["format"] == FORMAT and 0 < meta["threshold"] < 1
    assert BUNDLED.stat().st_size < 200_000 and meta["heldout"]["all pages"]["accuracy"] >= 0.98


def test_scores_are_deterministic_and_the_size_rule_is_exact(check):
    page = example_page("phone_photo", 0.7, seed=3)
    first = check.scores([page, page])
    assert first[0] == first[1] == PresenceCheck().scores([page])[0]
    edge = np.full((MIN_SIDE, MIN_SIDE - 1, 3), 200, np.uint8)
    assert check.scores([edge])[0] == 0.0 and not check.found(check.scores([edge]))[0]


def test_generation_and_training_are_deterministic():
    sets = [make_set(6, seed=5, stream=0) for _ in range(2)]
    assert np.array_equal(sets[0].inputs, sets[1].inputs) and sets[0].kinds == sets[1].kinds
    config = PresenceTrainConfig(n_train=6, n_heldout=2, epochs=1, batch_size=4, seed=5)
    states = []
    for data in sets:
        torch.manual_seed(5)
        model = PresenceNet()
        fit(model, data, config)
        states.append(model.state_dict())
    assert all(torch.equal(states[0][k], states[1][k]) for k in states[0])
