"""vizecg export --onnx: ONNX Runtime gives the image path's PyTorch probabilities within 1e-4, any batch size."""

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from cli.vizecg import main
from ecgprint.labels import LABELS
from ecgprint.paper import Paper
from ecgprint.render import RenderConfig, render
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
