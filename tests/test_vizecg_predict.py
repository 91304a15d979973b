"""vizecg predict: rendered clean and photo-preset pages give six probabilities, JSON in input order, bad files
get a one-line error while the others are still predicted (Predictor.predict_files), and the bundled-checkpoint
default."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

import ecgprint.image_decode
import vizecg.predict
import vizecg.training.checkpoint
from cli.vizecg import main
from ecgprint.labels import LABELS
from ecgprint.paper import Paper
from ecgprint.render import RenderConfig, encode_image, render
from ecgprint.synth import example_record
from tests.vizecg_helpers import SPEC, one_thread, save_untrained_checkpoint, save_untrained_reader  # noqa: F401
from vizecg.predict import FileError, Prediction, Predictor, predict_images, read_image
from vizecg.preprocess import image_tensor


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """A clean PNG page and a phone-photo JPEG of the example record, and a file that is not an image."""
    folder = tmp_path_factory.mktemp("pages")
    record = example_record()
    clean = render(record, RenderConfig(paper=Paper(dpi=100)), seed=1).image
    photo = render(record, RenderConfig(paper=Paper(dpi=100), preset="phone_photo", severity=1.0), seed=2).image
    (folder / "clean.png").write_bytes(encode_image(clean, "png"))
    (folder / "photo.jpg").write_bytes(encode_image(photo, "jpg", quality=80))
    (folder / "notes.png").write_text("this is not an image")
    return folder


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory):
    path = tmp_path_factory.mktemp("ckpt") / "tiny.pt"
    save_untrained_checkpoint(path)
    return path


def test_predict_images_gives_six_probabilities_of_the_image_path(pages, ckpt):
    photo = read_image(pages / "photo.jpg")
    probs = predict_images([pages / "clean.png", photo], ckpt)
    assert probs.shape == (2, 6) and ((probs > 0) & (probs < 1)).all()
    model, _ = vizecg.training.checkpoint.load_model(ckpt)
    with torch.no_grad():
        expected = model.predict_image(image_tensor(photo, SPEC)[None]).double().numpy()
    np.testing.assert_allclose(probs[1], expected[0], rtol=1e-6)
    with pytest.raises(ValueError, match="notes.png: not a decodable PNG/JPEG image"):
        predict_images([pages / "notes.png"], ckpt)
    with pytest.raises(ValueError, match="RGB uint8"):
        Predictor(ckpt).probabilities([photo[..., 0]])


def test_cli_json_in_input_order_with_a_one_line_error_for_a_non_image(pages, ckpt):
    images = [str(pages / "photo.jpg"), str(pages / "notes.png"), str(pages / "clean.png")]
    result = CliRunner().invoke(main, ["predict", *images, "--ckpt", str(ckpt), "--json", "--device", "cpu"])
    assert result.exit_code == 1
    assert result.stderr == f"error: {images[1]}: not a decodable PNG/JPEG image\n"
    out = json.loads(result.stdout)
    assert [o["image"] for o in out] == images
    assert out[1] == {"image": images[1], "error": f"{images[1]}: not a decodable PNG/JPEG image"}
    expected = predict_images([images[0], images[2]], ckpt)
    for obj, row in zip([out[0], out[2]], expected):
        assert list(obj["probabilities"]) == list(LABELS) == list(obj["decisions"])
        np.testing.assert_allclose(list(obj["probabilities"].values()), row, rtol=1e-6)
        assert obj["decisions"] == {k: p >= 0.5 for k, p in zip(LABELS, row)}


def test_cli_table_and_the_pixel_cap(pages, ckpt, monkeypatch):
    result = CliRunner().invoke(main, ["predict", str(pages / "clean.png"), "--ckpt", str(ckpt)])
    assert result.exit_code == 0
    header, row = result.stdout.splitlines()[:2]
    assert header.split()[1:] == ["route", *LABELS] and row.split()[:2] == [str(pages / "clean.png"), "image"]
    monkeypatch.setattr(ecgprint.image_decode, "MAX_IMAGE_PIXELS", 1000)
    capped = CliRunner().invoke(main, ["predict", str(pages / "clean.png"), "--ckpt", str(ckpt)])
    assert capped.exit_code == 1 and capped.stderr == (f"error: {pages / 'clean.png'}: image larger than the 1000 "
                                                       "pixel cap\n")


def test_default_checkpoint_and_reader_are_the_bundled_ones(pages, ckpt, monkeypatch, tmp_path):
    monkeypatch.setattr(vizecg.training.checkpoint, "BUNDLED", tmp_path / "weights" / "vizecg.pt")
    monkeypatch.setattr(vizecg.predict, "READER_BUNDLED", tmp_path / "weights" / "reader.pt")
    missing = CliRunner().invoke(main, ["predict", str(pages / "clean.png"), "--engine", "torch"])
    assert missing.exit_code == 2 and missing.stderr.startswith("error: no bundled checkpoint at ")
    (tmp_path / "weights").mkdir()
    Path(tmp_path / "weights" / "vizecg.pt").write_bytes(ckpt.read_bytes())
    no_reader = CliRunner().invoke(main, ["predict", str(pages / "clean.png"), "--engine", "torch"])
    assert no_reader.exit_code == 2 and no_reader.stderr.startswith("error: ") and "reader.pt" in no_reader.stderr
    save_untrained_reader(tmp_path / "weights" / "reader.pt")
    bundled = CliRunner().invoke(main, ["predict", str(pages / "clean.png"), "--json", "--engine", "torch"])
    assert bundled.exit_code == 0 and [o["route"] for o in json.loads(bundled.stdout)] == ["reader"]
    alone = CliRunner().invoke(main, ["predict", str(pages / "clean.png"), "--json", "--engine", "torch",
                                      "--reader", "none"])
    assert alone.exit_code == 0 and [o["route"] for o in json.loads(alone.stdout)] == ["image"]


def test_predict_files_keeps_input_order_with_an_error_entry_between_good_files(pages, ckpt, tmp_path):
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    paths = [pages / "clean.png", empty, pages / "notes.png", pages / "photo.jpg", pages / "clean.png"]
    entries = Predictor(ckpt, batch_size=2).predict_files(paths)
    assert [type(e) for e in entries] == [Prediction, FileError, FileError, Prediction, Prediction]
    assert [e.image for e in entries] == [str(p) for p in paths]
    assert entries[1].to_dict() == {"image": str(empty), "error": f"{empty}: empty file"}
    assert entries[2].error == f"{pages / 'notes.png'}: not a decodable PNG/JPEG image"
    expected = predict_images([paths[0], paths[3], paths[4]], ckpt)
    for entry, row in zip([entries[0], entries[3], entries[4]], expected):
        np.testing.assert_allclose(list(entry.probabilities.values()), row, rtol=1e-6)


def test_cli_batch_with_empty_fifo_and_dev_zero_link_predicts_the_rest(pages, ckpt, tmp_path):
    """Run as a subprocess with a timeout: a FIFO must be refused before it is opened, not hang the command."""
    empty, fifo, zero = tmp_path / "empty.png", tmp_path / "pipe.png", tmp_path / "zero.png"
    empty.write_bytes(b"")
    os.mkfifo(fifo)
    zero.symlink_to("/dev/zero")
    images = [str(pages / "clean.png"), str(empty), str(fifo), str(zero), str(pages / "photo.jpg")]
    repo = Path(__file__).resolve().parents[1]
    command = [sys.executable, "-m", "cli.vizecg", "predict", *images, "--ckpt", str(ckpt), "--device", "cpu"]
    as_json = subprocess.run([*command, "--json"], cwd=repo, capture_output=True, text=True, timeout=120)
    assert as_json.returncode == 1 and "Traceback" not in as_json.stderr
    out = json.loads(as_json.stdout)
    assert [o["image"] for o in out] == images
    assert [o.get("error") for o in out] == [None, f"{empty}: empty file",
                                             f"{fifo}: file is not a regular file (a FIFO)",
                                             f"{zero}: file is not a regular file (a character device)", None]
    expected = predict_images([images[0], images[4]], ckpt)
    for obj, row in zip([out[0], out[4]], expected):
        np.testing.assert_allclose(list(obj["probabilities"].values()), row, rtol=1e-6)
    assert as_json.stderr.splitlines() == [f"error: {o['error']}" for o in out if "error" in o]
    as_table = subprocess.run(command, cwd=repo, capture_output=True, text=True, timeout=120)
    assert as_table.returncode == 1 and "Traceback" not in as_table.stderr
    rows = as_table.stdout.splitlines()[1:6]
    assert [row.split()[0] for row in rows] == images
    assert rows[2].split()[1:] == ["error:", "file", "is", "not", "a", "regular", "file", "(a", "FIFO)"]
    assert len(rows[0].split()) == 8 and len(rows[4].split()) == 8
