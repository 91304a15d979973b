"""Image-only prediction from ECG page images (PNG/JPEG scans, photos, renders) with a checkpoint's image path."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ecgprint.dataset.read import decode_image
from vizecg.evaluation.scoring import model_streams
from vizecg.preprocess import image_tensor
from vizecg.training.checkpoint import load_model, resolve_checkpoint

MAX_FILE_BYTES = 100 * 2 ** 20   # refuse larger files before reading them (the pixel cap applies after)


def read_image(path: str | Path) -> np.ndarray:
    """RGB uint8 image from a PNG/JPEG file; ValueError `<path>: <reason>` (one line) for anything else."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ValueError(f"{path}: file larger than {MAX_FILE_BYTES // 2 ** 20} MB")
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"{path}: {exc.strerror or exc}") from None
    return decode_image(data, str(path))


@dataclass(frozen=True)
class Prediction:
    """One image's per-label probabilities and decisions (probability >= the label's validation threshold)."""

    image: str
    probabilities: dict[str, float]
    decisions: dict[str, bool]

    def to_dict(self) -> dict[str, Any]:
        return {"image": self.image, "probabilities": self.probabilities, "decisions": self.decisions}


class Predictor:
    """A checkpoint loaded once for image-only prediction (the bundled one by default)."""

    def __init__(self, ckpt: str | Path | None = None, device: torch.device | str = "cpu", batch_size: int = 8):
        path = resolve_checkpoint(ckpt)
        self.model, self.meta = load_model(path, device)
        if "image" not in model_streams(self.model.config):
            raise ValueError(f"{path}: a signal-only model cannot predict from images")
        if "image" not in self.meta.thresholds:
            raise ValueError(f"{path}: the checkpoint stores no image-stream decision thresholds")
        self.device, self.batch_size = device, batch_size
        self.thresholds = np.asarray(self.meta.thresholds["image"])

    @torch.no_grad()
    def probabilities(self, images: Iterable[np.ndarray]) -> np.ndarray:
        """[N, labels] probabilities for RGB uint8 images of any size (resized to the checkpoint's input)."""
        out, batch = [], []
        for image in images:
            if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
                raise ValueError(f"need RGB uint8 images [H, W, 3], got {image.dtype} {list(image.shape)}")
            batch.append(image_tensor(image, self.meta.spec))
            if len(batch) == self.batch_size:
                out.append(self.model.predict_image(torch.stack(batch).to(self.device)).cpu())
                batch = []
        if batch:
            out.append(self.model.predict_image(torch.stack(batch).to(self.device)).cpu())
        if not out:
            return np.zeros((0, len(self.meta.labels)))
        return torch.cat(out).double().numpy()

    def predictions(self, sources: Sequence[str], probabilities: np.ndarray) -> list[Prediction]:
        """Label-keyed probabilities and decisions, one Prediction per source name."""
        labels = self.meta.labels
        return [Prediction(source, {k: float(p) for k, p in zip(labels, row)},
                           {k: bool(p >= t) for k, p, t in zip(labels, row, self.thresholds)})
                for source, row in zip(sources, probabilities)]


def predict_images(images: Sequence[np.ndarray | str | Path], ckpt: str | Path | None = None,
                   device: torch.device | str = "cpu") -> np.ndarray:
    """[N, 6] label probabilities (columns in ecgprint.labels.LABELS order) for RGB uint8 arrays or image
    files, with a checkpoint's image-only path; a bad file raises ValueError naming it."""
    predictor = Predictor(ckpt, device)
    return predictor.probabilities(image if isinstance(image, np.ndarray) else read_image(image)
                                   for image in images)
