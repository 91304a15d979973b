"""Prediction from ECG page images (PNG/JPEG scans, photos, renders) in PyTorch: the bundled reader on every page
the digitizer reads, a checkpoint's image path on the rest, gated by the trace-presence check (an image without
an ECG trace gets no positive label)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from vizecg.evaluation.scoring import model_streams
from vizecg.prediction import FileError, ImagePredictor, Prediction, SignalReader, read_image, reader_path
from vizecg.presence import PresenceCheck
from vizecg.training.checkpoint import READER_BUNDLED, load_model, resolve_checkpoint
from vizecg.training.reader import load_reader

__all__ = ["FileError", "Prediction", "Predictor", "predict_images", "read_image"]


class Reader(SignalReader):
    """A reader checkpoint (signal-only VizECGNet with `signal` thresholds; vizecg.training.reader) in PyTorch."""

    def __init__(self, path: str | Path, device: torch.device | str = "cpu"):
        self.model, meta = load_reader(path, device)
        self.device, self.labels, self.spec = device, meta.labels, meta.spec
        self.thresholds = np.asarray(meta.thresholds["signal"])
        self.find_stack(path)

    @torch.no_grad()
    def run(self, batch: np.ndarray) -> np.ndarray:
        return self.model(torch.from_numpy(batch).to(self.device), None).signal.cpu().numpy()


class Predictor(ImagePredictor):
    """A checkpoint loaded once for image prediction (the bundled one by default), the reader for pages the
    digitizer reads (`reader_path`), and the bundled trace-presence check deciding whether an image shows an ECG."""

    def __init__(self, ckpt: str | Path | None = None, device: torch.device | str = "cpu", batch_size: int = 8,
                 reader: str | Path | None = "auto"):
        path = resolve_checkpoint(ckpt)
        self.model, self.meta = load_model(path, device)
        if "image" not in model_streams(self.model.config):
            raise ValueError(f"{path}: a signal-only model cannot predict from images")
        if "image" not in self.meta.thresholds:
            raise ValueError(f"{path}: the checkpoint stores no image-stream decision thresholds")
        self.device, self.batch_size = device, batch_size
        self.labels, self.spec = self.meta.labels, self.meta.spec
        self.thresholds = np.asarray(self.meta.thresholds["image"])
        self.presence = PresenceCheck(device=device)
        found = reader_path(reader, ckpt, READER_BUNDLED)
        self.reader = Reader(found, device) if found is not None else None
        self.check_reader(found)

    @torch.no_grad()
    def run(self, batch: np.ndarray) -> np.ndarray:
        return self.model.predict_image(torch.from_numpy(batch).to(self.device)).cpu().numpy()


def predict_images(images: Sequence[np.ndarray | str | Path], ckpt: str | Path | None = None,
                   device: torch.device | str = "cpu", reader: str | Path | None = "auto") -> np.ndarray:
    """[N, 6] label probabilities (columns in ecgprint.labels.LABELS order) for RGB uint8 arrays or image
    files, by the route `vizecg predict` takes for each; a bad file raises ValueError naming it."""
    predictor = Predictor(ckpt, device, reader=reader)
    named = ((f"image {i}", image) if isinstance(image, np.ndarray) else (str(image), read_image(image))
             for i, image in enumerate(images))
    rows = [list(p.probabilities.values()) for p in predictor.predict(named)]
    return np.array(rows, np.float64).reshape(-1, len(predictor.labels))
