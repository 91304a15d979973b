"""vizecg's Grad-CAM against an independent reference built the way pytorch-grad-cam builds it (a forward hook
keeps the layer's activations, a tensor hook its gradient from `backward()` of the class logit; weights = spatial
mean of the gradients; map = ReLU of the weighted channel sum), on a rendered page, in float64, for every label.

pytorch-grad-cam itself is not a test dependency: it imports torchvision, and PyPI's torchvision wheels are
CUDA builds that fail to import next to the CPU torch wheel this project installs."""

import numpy as np
import pytest
import torch

from ecgprint.paper import Paper
from ecgprint.render import RenderConfig, render
from ecgprint.synth import example_record
from tests.vizecg_helpers import one_thread  # noqa: F401
from vizecg.explain.gradcam import grad_cam
from vizecg.models import VizECGNet
from vizecg.preprocess import InputSpec, image_tensor


def reference_grad_cam(model: VizECGNet, image: torch.Tensor, label: int) -> np.ndarray:
    """Grad-CAM map [h, w] of one label's logit on the image encoder's last block, computed independently."""
    saved = {}

    def keep(module, inputs, output):
        saved["activations"] = output.detach()
        output.register_hook(lambda grad: saved.update(gradients=grad.detach()))

    hook = model.image_encoder.blocks[-1].register_forward_hook(keep)
    try:
        model.zero_grad()
        logit = torch.logit(model.predict_image(image))[0, label]   # the image stream's logit, as a user would get it
        logit.backward()
    finally:
        hook.remove()
    activations, gradients = saved["activations"].numpy()[0], saved["gradients"].numpy()[0]
    weights = gradients.mean(axis=(1, 2))
    return np.maximum((weights[:, None, None] * activations).sum(axis=0), 0)


@pytest.fixture(scope="module")
def page() -> torch.Tensor:
    result = render(example_record(), RenderConfig(paper=Paper(dpi=72)), seed=0)
    return image_tensor(result.image, InputSpec())[None].double()   # a 9 x 11 feature grid


@pytest.mark.parametrize("seed", [0, 1])
def test_grad_cam_equals_the_reference_for_every_label(page, seed):
    torch.manual_seed(seed)
    model = VizECGNet.named("tiny").double().eval()
    labels = list(range(model.config.num_labels))
    probabilities, maps = grad_cam(model, page, labels)
    with torch.no_grad():
        np.testing.assert_allclose(probabilities, model.predict_image(page)[0].numpy(), rtol=1e-12)
    reference = np.stack([reference_grad_cam(model, page, k) for k in labels])
    assert maps.shape == reference.shape == (len(labels), 9, 11)
    assert (reference > 0).sum(axis=(1, 2)).max() > 10            # non-trivial maps, not all ReLU-zero
    np.testing.assert_allclose(maps, reference, rtol=1e-9, atol=1e-12 * np.abs(reference).max())
    assert not model.image_encoder.blocks[-1]._forward_hooks and not model.image_head._forward_hooks
