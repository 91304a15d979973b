"""vizecg export --onnx: ONNX Runtime gives the image path's PyTorch probabilities within 1e-4, any batch size, and
`vizecg predict --ckpt model.onnx` prints what `--ckpt model.pt` prints."""

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from cli.vizecg import main
from ecgprint.labels import LABELS
from ecgprint.paper import Paper
from ecgprint.render import RenderConfig, encode_image, render
from ecgprint.synth import example_record
from tests.vizecg_helpers import SPEC, one_thread, save_untrained_checkpoint  # noqa: F401
from vizecg.preprocess import image_tensor

ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxscript")   # torch's ONNX exporter


def test_onnx_runtime_matches_pytorch(tmp_path):
    model = save_untrained_checkpoint(tmp_path / "tiny.pt", seed=3)
    out = tmp_path / "tiny.onnx"
    result = CliRunner().invoke(main, ["export", "--onnx", str(out), "--ckpt", str(tmp_path / "tiny.pt")])
    assert result.exit_code == 0, result.output
    page = render(example_record(), RenderConfig(paper=Paper(dpi=72)), seed=0).image
    images = torch.stack([image_tensor(page, SPEC), torch.randn(3, SPEC.image_height, SPEC.image_width)])
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    for batch in (images, images[:1], images.repeat(2, 1, 1, 1)):
        (onnx_probs,) = session.run(None, {"image": batch.numpy()})
        with torch.no_grad():
            torch_probs = model.predict_image(batch).numpy()
        assert onnx_probs.shape == (len(batch), 6)
        np.testing.assert_allclose(onnx_probs, torch_probs, atol=1e-4, rtol=0)
    props = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
    assert json.loads(props["labels"]) == list(LABELS) and json.loads(props["thresholds"]) == [0.5] * 6
    assert json.loads(props["input"])["height"] == SPEC.image_height
    png = tmp_path / "page.png"
    png.write_bytes(encode_image(page, "png"))
    runs = [CliRunner().invoke(main, ["predict", str(png), "--json", "--ckpt", str(model_file)])
            for model_file in (out, tmp_path / "tiny.pt")]
    outputs = [json.loads(run.stdout)[0] for run in runs]
    assert outputs[0]["decisions"] == outputs[1]["decisions"] and outputs[0]["ecg_found"] == outputs[1]["ecg_found"]
    np.testing.assert_allclose(list(outputs[0]["probabilities"].values()),
                               list(outputs[1]["probabilities"].values()), atol=1e-4, rtol=0)


def test_export_needs_either_an_output_file_or_bundled():
    for args in ([], ["--onnx", "x.onnx", "--bundled"]):
        result = CliRunner().invoke(main, ["export", *args])
        assert result.exit_code == 2 and result.stderr == "error: give either --onnx FILE [--ckpt CKPT] or --bundled\n"
