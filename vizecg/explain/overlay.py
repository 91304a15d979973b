"""An explanation drawn over its page, at the page's size: the Grad-CAM heatmap blended in (strong where the
attribution is high, the page untouched where it is zero), the lead boxes with each lead's share, and a title."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import matplotlib
import numpy as np

from vizecg.explain.gradcam import Explanation, LeadBox

COLORMAP = "turbo"
BOX_RGB = (20, 20, 160)


def put_label(image: np.ndarray, text: str, x: int, y: int, scale: float, above: bool = False) -> None:
    """Black text on a white box with its top-left corner at (x, y), or its bottom-left with `above`; kept
    inside the image."""
    thickness = max(1, round(scale * 1.5))
    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    y = y - (h + base + 4) if above else y
    x = int(min(max(0, x), max(0, image.shape[1] - w - 4)))
    y = int(min(max(0, y), max(0, image.shape[0] - h - base - 4)))
    cv2.rectangle(image, (x, y), (x + w + 4, y + h + base + 4), (255, 255, 255), -1)
    cv2.putText(image, text, (x + 2, y + h + 2), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), thickness, cv2.LINE_AA)


def overlay(image: np.ndarray, explanation: Explanation, boxes: Sequence[LeadBox] | None = None,
            alpha: float = 0.6) -> np.ndarray:
    """RGB uint8 of the image's size: page blended with the colour-mapped heatmap (weight alpha x heatmap)."""
    heat = explanation.heatmap
    colours = matplotlib.colormaps[COLORMAP](heat)[..., :3] * 255.0
    weight = alpha * heat[..., None]
    out = np.clip(image * (1.0 - weight) + colours * weight + 0.5, 0, 255).astype(np.uint8)
    scale = max(0.4, image.shape[1] / 2200)
    line = max(1, round(image.shape[1] / 800))
    for lead, (x0, y0, x1, y1) in boxes or ():
        cv2.rectangle(out, (round(x0), round(y0)), (round(x1), round(y1)), BOX_RGB, line)
        share = (explanation.lead_shares or {}).get(lead)
        put_label(out, lead if share is None else f"{lead} {share:.0%}", round(x0), round(y0), scale, above=True)
    verdict = "predicted" if explanation.predicted else "not predicted"
    put_label(out, f"Grad-CAM {explanation.label}: p = {explanation.probability:.2f} ({verdict})", 4, 4,
              scale * 1.3)
    return out
