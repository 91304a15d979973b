"""Grad-CAM (Selvaraju et al., ICCV 2017) on VizECGNet's image stream: where on the page a label's decision
comes from, and, when the page's ground truth is known, how that attribution splits over the printed leads.

Layer: the output of the image encoder's last residual block, the last convolutional feature map (stride 32)
before the token projection, CMAM/SMAM and the head. The gradient of the label's logit (not its probability:
a confident sigmoid has vanishing gradients) flows back through the attention layers to that map; channel
weights are the spatially averaged gradients and the map is ReLU(sum of weighted channels).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch

from ecgprint.leads import STANDARD_LEADS
from ecgprint.truth import Truth
from vizecg.evaluation.scoring import model_streams
from vizecg.models import VizECGNet
from vizecg.predict import Predictor
from vizecg.preprocess import image_tensor

LAYER = "image_encoder.blocks[-1]"   # documented in docs/explain.md
LeadBox = tuple[str, Sequence[float]]  # (standard lead name, [x0, y0, x1, y1] in image px)


@dataclass(frozen=True)
class Explanation:
    """One label's Grad-CAM on one page. `heatmap` float32 [H, W] has the input's size, scaled to max 1 (all
    zero when nothing supports the label). With truth: per-lead share of the attribution on the lead boxes, each
    lead's share of the box area (what a uniform map would give), and the share of all attribution on boxes."""

    label: str
    probability: float
    threshold: float
    heatmap: np.ndarray
    lead_shares: dict[str, float] | None = None
    area_shares: dict[str, float] | None = None
    on_leads: float | None = None

    @property
    def predicted(self) -> bool:
        return self.probability >= self.threshold

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "probability": self.probability, "threshold": self.threshold,
                "predicted": self.predicted, "lead_shares": self.lead_shares, "area_shares": self.area_shares,
                "on_leads": self.on_leads}


def grad_cam(model: VizECGNet, image: torch.Tensor, labels: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities [K], maps [len(labels), h, w] on the feature grid) for one image tensor [1, 3, H, W]."""
    if "image" not in model_streams(model.config):
        raise ValueError("a signal-only model has no image stream to explain")
    captured: dict[str, torch.Tensor] = {}
    hooks = [model.image_encoder.blocks[-1].register_forward_hook(lambda m, i, out: captured.update(fmap=out)),
             model.image_head.register_forward_hook(lambda m, i, out: captured.update(logits=out))]
    try:
        with torch.enable_grad():   # predict_image leaves grad mode to the caller
            probabilities = model.predict_image(image.detach().requires_grad_(True))
            fmap, logits = captured["fmap"], captured["logits"]
            maps = []
            for k in labels:
                (grad,) = torch.autograd.grad(logits[0, k], fmap, retain_graph=True)
                weights = grad.mean(dim=(2, 3), keepdim=True)
                maps.append(torch.relu((weights * fmap).sum(dim=1))[0])
    finally:
        for hook in hooks:
            hook.remove()
    return probabilities[0].detach().double().cpu().numpy(), torch.stack(maps).detach().cpu().numpy()


def to_image(cam: np.ndarray, input_size: tuple[int, int], stride: int, size: tuple[int, int]) -> np.ndarray:
    """A feature-grid map [h, w] -> float32 [H, W] of the original image, bilinear. Feature cell (i, j) is centred
    on model-input pixel (stride*i, stride*j) (every strided layer keeps output 0 on input 0), and the model
    input is the whole image area-resized to input_size (H_in, W_in)."""
    (h_in, w_in), (height, width) = input_size, size
    x = ((np.arange(width, dtype=np.float32) + 0.5) * w_in / width - 0.5) / stride
    y = ((np.arange(height, dtype=np.float32) + 0.5) * h_in / height - 0.5) / stride
    map_x, map_y = np.meshgrid(x, y)
    return cv2.remap(cam.astype(np.float32), map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def lead_boxes(truth: Truth, size: tuple[int, int]) -> list[LeadBox]:
    """(lead, box) of every printed trace, checked against the image size (H, W); a lead printed twice (rhythm
    strip) has two boxes."""
    if (truth.height, truth.width) != tuple(size):
        raise ValueError(f"truth is for a {truth.width}x{truth.height} image, the image is {size[1]}x{size[0]}")
    return [(lt.lead, lt.box) for lt in truth.leads]


def box_sums(attribution: np.ndarray, boxes: Sequence[LeadBox]) -> dict[str, float]:
    """Attribution inside each lead's boxes (pixel centres inside a box; a pixel in k overlapping boxes counts
    1/k to each, so the sums add up to the attribution on the union of the boxes)."""
    height, width = attribution.shape
    cover = np.zeros((height, width), np.float64)
    slices = []
    for _, (x0, y0, x1, y1) in boxes:
        rows = slice(max(0, int(np.ceil(y0))), min(height, int(np.floor(y1)) + 1))
        cols = slice(max(0, int(np.ceil(x0))), min(width, int(np.floor(x1)) + 1))
        cover[rows, cols] += 1
        slices.append((rows, cols))
    weighted = np.divide(attribution, cover, out=np.zeros_like(cover), where=cover > 0)
    sums: dict[str, float] = {}
    for (lead, _), (rows, cols) in zip(boxes, slices):
        sums[lead] = sums.get(lead, 0.0) + float(weighted[rows, cols].sum())
    return sums


def shares(sums: dict[str, float]) -> dict[str, float] | None:
    """Per-lead sums as shares adding up to 1, in standard lead order; None when all are zero."""
    total = sum(sums.values())
    if total <= 0:
        return None
    return {lead: sums[lead] / total for lead in STANDARD_LEADS if lead in sums}


class Explainer:
    """A checkpoint loaded once for Grad-CAM explanations (the bundled one by default), with the validation
    thresholds it stores deciding which labels are predicted."""

    def __init__(self, ckpt: str | Path | None = None, device: torch.device | str = "cpu"):
        predictor = Predictor(ckpt, device, reader=None)   # Grad-CAM explains the image stream
        self.model, self.meta, self.thresholds, self.device = (predictor.model, predictor.meta,
                                                               predictor.thresholds, device)

    def choose(self, probabilities: np.ndarray, labels: Sequence[str] | None) -> list[int]:
        """Indices of `labels`, or else of every predicted label, most probable first, or else of the top one."""
        if labels:
            unknown = sorted(set(labels) - set(self.meta.labels))
            if unknown:
                raise ValueError(f"unknown label(s) {unknown}; known: {list(self.meta.labels)}")
            return [self.meta.labels.index(label) for label in labels]
        order = np.argsort(-probabilities, kind="stable")
        return [int(k) for k in order if probabilities[k] >= self.thresholds[k]] or [int(order[0])]

    def explain(self, image: np.ndarray, truth: Truth | None = None,
                labels: Sequence[str] | None = None) -> list[Explanation]:
        """Explanations of an RGB uint8 page (for `labels`, or the predicted ones: see `choose`); with the page's
        truth, per-lead attribution shares."""
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"need an RGB uint8 image [H, W, 3], got {image.dtype} {list(image.shape)}")
        size = image.shape[:2]
        boxes = lead_boxes(truth, size) if truth is not None else None
        tensor = image_tensor(image, self.meta.spec)[None].to(self.device)
        with torch.no_grad():
            probabilities = self.model.predict_image(tensor)[0].double().cpu().numpy()
        chosen = self.choose(probabilities, labels)
        _, maps = grad_cam(self.model, tensor, chosen)
        input_size = (self.meta.spec.image_height, self.meta.spec.image_width)
        out = []
        for k, cam in zip(chosen, maps):
            attribution = to_image(cam, input_size, self.model.config.image.stride, size)
            peak = float(attribution.max())
            explanation = Explanation(self.meta.labels[k], float(probabilities[k]), float(self.thresholds[k]),
                                      attribution / peak if peak > 0 else attribution)
            if boxes is not None:
                sums = box_sums(attribution, boxes)
                explanation = dataclasses.replace(
                    explanation, lead_shares=shares(sums), area_shares=shares(box_sums(np.ones(size), boxes)),
                    on_leads=sum(sums.values()) / float(attribution.sum()) if peak > 0 else None)
            out.append(explanation)
        return out
