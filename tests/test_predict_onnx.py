"""Torch-free prediction: the bundled ONNX models are the bundled .pt files (same routes, probabilities, presence
scores and decisions within 1e-4, so a retrain that forgets `vizecg export --bundled` fails here), `vizecg predict
--engine onnx` runs with torch, pyarrow and pandas unimportable and prints the torch engine's output, and the
engine choice."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import vizecg.engines
from cli.vizecg import main
from ecgprint.paper import Paper
from ecgprint.raster import grid_canvas
from ecgprint.render import RenderConfig, encode_image, render
from ecgprint.synth.generate import synth_record
from tests.vizecg_helpers import one_thread, save_untrained_checkpoint, save_untrained_reader  # noqa: F401
from vizecg.engines import choose_engine, open_predictor
from vizecg.onnx_engine import BUNDLED, PRESENCE_BUNDLED, READER_BUNDLED, OnnxPredictor, OnnxReader
from vizecg.predict import Predictor
from vizecg.presence import BUNDLED as PRESENCE_PT

pytest.importorskip("onnxruntime")

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """Pages of labelled synthetic records under four presets, a blank grid (no ECG) and a 40 px image."""
    folder = tmp_path_factory.mktemp("pages")
    images = {f"{preset}.png": render(synth_record(i), RenderConfig(paper=Paper(dpi=100), preset=preset,
                                                                    severity=0.7), seed=i).image
              for i, preset in enumerate(["clean", "scan", "photo", "phone_photo"])}
    images["blank.png"] = grid_canvas(Paper(dpi=100))
    images["small.png"] = np.full((40, 40, 3), 255, np.uint8)
    for name, image in images.items():
        (folder / name).write_bytes(encode_image(image, "png"))
    return [folder / name for name in images]


def assert_same_entries(onnx_entries: list[dict], torch_entries: list[dict]) -> None:
    """Same images, errors, decisions and presence verdicts; probabilities and presence scores within 1e-4."""
    assert len(onnx_entries) == len(torch_entries)
    for o, t in zip(onnx_entries, torch_entries):
        assert set(o) == set(t) and o["image"] == t["image"] and o.get("error") == t.get("error")
        if "error" not in o:
            assert o["decisions"] == t["decisions"] and o["ecg_found"] == t["ecg_found"]
            assert (o["route"], o["read"]) == (t["route"], t["read"])
            assert list(o["probabilities"]) == list(t["probabilities"])
            np.testing.assert_allclose(list(o["probabilities"].values()), list(t["probabilities"].values()),
                                       atol=1e-4, rtol=0)
            assert o["ecg_score"] == pytest.approx(t["ecg_score"], abs=1e-4)


def test_the_bundled_onnx_models_are_the_bundled_checkpoints(pages):
    onnx_predictor, torch_predictor = OnnxPredictor(), Predictor()
    assert onnx_predictor.labels == torch_predictor.labels and onnx_predictor.spec == torch_predictor.spec
    assert onnx_predictor.thresholds.tolist() == torch_predictor.thresholds.tolist()
    assert onnx_predictor.presence.threshold == torch_predictor.presence.threshold
    assert onnx_predictor.presence.config == torch_predictor.presence.config
    onnx_entries, torch_entries = onnx_predictor.predict_files(pages), torch_predictor.predict_files(pages)
    assert [e.ecg_found for e in torch_entries] == [True] * 4 + [False, False]
    assert any(any(e.decisions.values()) for e in torch_entries)   # the decisions compared include positives
    assert {e.route for e in torch_entries} == {"reader", "image"}   # both routes are compared
    assert_same_entries([e.to_dict() for e in onnx_entries], [e.to_dict() for e in torch_entries])


def test_the_bundled_weights_folder_stays_within_25_mb():
    folder = BUNDLED.parent
    assert sum(p.stat().st_size for p in folder.iterdir()) <= 25e6
    assert BUNDLED.stat().st_size < 1e6 and PRESENCE_BUNDLED.stat().st_size < 1e5   # graphs; weights in the .pt
    assert READER_BUNDLED.stat().st_size < 1e5


def test_cli_onnx_engine_imports_no_torch_nor_pyarrow_and_prints_the_torch_engines_output(pages, tmp_path):
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(   # importing them fails as if not installed (not in sys.modules:
        "import sys\n"                          # scipy looks there for torch)
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('torch', 'pyarrow', 'pandas'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}')\n"
        "sys.meta_path.insert(0, Block())\n")
    images = [str(pages[0]), str(tmp_path / "missing.png"), *map(str, pages[1:])]
    run = subprocess.run([sys.executable, "-m", "cli.vizecg", "predict", *images, "--engine", "onnx", "--json"],
                         cwd=REPO, env={**os.environ, "PYTHONPATH": str(shim)}, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 1 and run.stderr == f"error: {images[1]}: file not found\n"
    torch_run = CliRunner().invoke(main, ["predict", *images, "--engine", "torch", "--json", "--device", "cpu"])
    assert torch_run.exit_code == 1
    assert_same_entries(json.loads(run.stdout), json.loads(torch_run.stdout))
    checked = subprocess.run([sys.executable, "-c", "import torch"], env={**os.environ, "PYTHONPATH": str(shim)},
                             capture_output=True, text=True)
    assert checked.returncode == 1 and "ModuleNotFoundError" in checked.stderr   # the shim works


def test_export_bundled_links_the_pt_weights_and_a_changed_pt_is_refused(pages, tmp_path):
    pytest.importorskip("onnxscript")   # torch's ONNX exporter
    from vizecg.export import export_bundled
    save_untrained_checkpoint(tmp_path / "tiny.pt", seed=4)
    save_untrained_reader(tmp_path / "reader.pt", seed=4)
    shutil.copy(PRESENCE_PT, tmp_path / "presence.pt")
    model, presence, reader = export_bundled(tmp_path / "tiny.pt", tmp_path / "presence.pt", tmp_path / "reader.pt")
    assert model.stat().st_size < (tmp_path / "tiny.pt").stat().st_size / 4   # the weights are not copied
    for chosen in ({"reader": None}, {"reader": reader}):
        onnx_entries = OnnxPredictor(model, presence, **chosen).predict_files(pages[:2])
        pt = {"reader": None if chosen["reader"] is None else tmp_path / "reader.pt"}
        torch_entries = Predictor(tmp_path / "tiny.pt", **pt).predict_files(pages[:2])
        assert_same_entries([e.to_dict() for e in onnx_entries], [e.to_dict() for e in torch_entries])
    assert [e.route for e in torch_entries][0] == "reader"   # the clean page is read
    onnx = pytest.importorskip("onnx")
    graph = onnx.load(reader, load_external_data=False)   # a reader graph as an older export wrote it
    for node in graph.graph.node:
        node.output[:] = ["probabilities" if name == "logits" else name for name in node.output]
    graph.graph.output[0].name = "probabilities"
    onnx.save(graph, tmp_path / "old_reader.onnx")
    with pytest.raises(ValueError, match=r"old_reader.onnx: the reader graph must output `logits`"):
        OnnxReader(tmp_path / "old_reader.onnx")
    with open(tmp_path / "tiny.pt", "ab") as f:
        f.write(b"retrained")
    with pytest.raises(ValueError, match=r"tiny.onnx: tiny.pt changed since this model was exported"):
        OnnxPredictor(model, presence)


def test_engine_choice_and_a_missing_runtime(monkeypatch):
    assert choose_engine("auto", None, "auto") == "onnx" == choose_engine("auto", "model.onnx", "cpu")
    assert choose_engine("auto", "model.pt", "auto") == "torch" == choose_engine("auto", None, "cuda")
    assert choose_engine("torch", None, "auto") == "torch"
    with pytest.raises(ValueError, match="the ONNX engine runs on the CPU"):
        open_predictor("onnx", None, "cuda")
    monkeypatch.setattr(vizecg.engines, "BUNDLED", Path("/nonexistent/vizecg.onnx"))
    assert choose_engine("auto", None, "cpu") == "torch"
    monkeypatch.undo()
    monkeypatch.setattr(vizecg.engines.importlib.util, "find_spec", lambda name: None)
    assert choose_engine("auto", None, "auto") == "torch"
    with pytest.raises(ValueError, match="needs onnxruntime"):
        open_predictor("onnx")
    with pytest.raises(ValueError, match="the torch engine needs torch, which is not installed"):
        open_predictor("torch")
