"""ONNX export of the deployed image-only path: normalised image [B, 3, H, W] -> label probabilities [B, 6].

Input preprocessing (as vizecg.data.image_tensor): RGB, INTER_AREA resize to the checkpoint's W x H,
x / 255, then (x - 0.5) / 0.25. Labels, thresholds and input size are stored in the model's metadata_props.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn

from vizecg.evaluation.scoring import model_streams
from vizecg.models import VizECGNet
from vizecg.preprocess import IMAGE_MEAN, IMAGE_STD
from vizecg.training.checkpoint import load_model, resolve_checkpoint


class ImagePath(nn.Module):
    """`predict_image` as a module's forward, the graph ONNX export traces."""

    def __init__(self, model: VizECGNet):
        super().__init__()
        self.model = model

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.model.predict_image(image)


def export_onnx(out: str | Path, ckpt: str | Path | None = None) -> Path:
    """Write the image path of a checkpoint (default: the bundled one) to the single file `out`.

    The batch dimension is dynamic; the image size is the checkpoint's input size.
    """
    path = resolve_checkpoint(ckpt)
    model, meta = load_model(path)
    if "image" not in model_streams(model.config):
        raise ValueError(f"{path}: a signal-only model has no image path to export")
    example = torch.zeros(2, 3, meta.spec.image_height, meta.spec.image_width)
    with torch.no_grad():
        program = torch.onnx.export(ImagePath(model).eval(), (example,), input_names=["image"],
                                    output_names=["probabilities"],
                                    dynamic_shapes=({0: torch.export.Dim("batch")},), dynamo=True, verbose=False)
    program.model.metadata_props.update({
        "labels": json.dumps(list(meta.labels)),
        "thresholds": json.dumps(meta.thresholds.get("image")),
        "input": json.dumps({"height": meta.spec.image_height, "width": meta.spec.image_width, "mean": IMAGE_MEAN,
                             "std": IMAGE_STD, "scale": 1 / 255, "resize": "cv2.INTER_AREA", "channels": "RGB"}),
    })
    out = Path(out)
    program.save(out, external_data=False)
    return out
