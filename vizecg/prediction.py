"""Engine-independent image prediction: files -> RGB pages -> batched probabilities -> decisions gated by the
trace-presence check. Torch-free, so the ONNX Runtime engine (vizecg.onnx_engine) runs without torch installed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ecgprint.image_decode import MAX_IMAGE_BYTES, decode_image
from ecgprint.regular_file import read_capped
from vizecg.preprocess import InputSpec, image_array
from vizecg.presence_input import PresenceScorer

MAX_FILE_BYTES = MAX_IMAGE_BYTES   # refuse larger files before reading them (the pixel cap applies after)


def read_image(path: str | Path) -> np.ndarray:
    """RGB uint8 image from a PNG/JPEG file; ValueError `<path>: <reason>` (one line) for anything else. Only
    regular files are opened (a FIFO would hang, a link to /dev/zero never end), up to MAX_FILE_BYTES."""
    data = read_capped(path, MAX_FILE_BYTES)
    if not data:   # checked here: OpenCV raises its own assertion error on an empty buffer
        raise ValueError(f"{path}: empty file")
    return decode_image(data, str(path))


@dataclass(frozen=True)
class Prediction:
    """One image's per-label probabilities and decisions (probability >= the label's validation threshold, and
    only when the trace-presence check found an ECG: `ecg_found`, from its score `ecg_score`)."""

    image: str
    probabilities: dict[str, float]
    decisions: dict[str, bool]
    ecg_found: bool
    ecg_score: float

    def to_dict(self) -> dict[str, Any]:
        return {"image": self.image, "ecg_found": self.ecg_found, "ecg_score": self.ecg_score,
                "probabilities": self.probabilities, "decisions": self.decisions}


@dataclass(frozen=True)
class FileError:
    """A file that could not be predicted (not an exception): `error` is the one-line reason, naming the file."""

    image: str
    error: str

    def to_dict(self) -> dict[str, Any]:
        return {"image": self.image, "error": self.error}


class ImagePredictor:
    """What every engine shares: batching, decisions and file handling. An engine sets `labels`, `thresholds`,
    `spec`, `presence` and `batch_size`, and implements `run` (normalised images -> probabilities)."""

    labels: tuple[str, ...]
    thresholds: np.ndarray
    spec: InputSpec
    presence: PresenceScorer
    batch_size: int

    def run(self, batch: np.ndarray) -> np.ndarray:
        """float32 [B, 3, H, W] (vizecg.preprocess.image_array) -> probabilities [B, labels]."""
        raise NotImplementedError

    def probabilities(self, images: Iterable[np.ndarray]) -> np.ndarray:
        """[N, labels] float64 probabilities for RGB uint8 images of any size (resized to the model's input)."""
        out, batch = [], []
        for image in images:
            if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
                raise ValueError(f"need RGB uint8 images [H, W, 3], got {image.dtype} {list(image.shape)}")
            batch.append(image_array(image, self.spec))
            if len(batch) == self.batch_size:
                out.append(self.run(np.stack(batch)))
                batch = []
        if batch:
            out.append(self.run(np.stack(batch)))
        if not out:
            return np.zeros((0, len(self.labels)))
        return np.concatenate(out).astype(np.float64)

    def predictions(self, sources: Sequence[str], probabilities: np.ndarray,
                    ecg_scores: Sequence[float]) -> list[Prediction]:
        """Label-keyed probabilities and decisions, one Prediction per source name; no decision is positive for
        an image whose trace-presence score (`presence.scores`) finds no ECG."""
        labels, found = self.labels, self.presence.found(np.asarray(ecg_scores))
        return [Prediction(source, {k: float(p) for k, p in zip(labels, row)},
                           {k: bool(ok and p >= t) for k, p, t in zip(labels, row, self.thresholds)},
                           bool(ok), float(score))
                for source, row, ok, score in zip(sources, probabilities, found, ecg_scores)]

    def predict_files(self, paths: Sequence[str | Path]) -> list[Prediction | FileError]:
        """One entry per image file, in input order: its Prediction, or a FileError if it could not be read.
        Files are read one at a time as `probabilities` batches them, so memory holds one batch, not all pages;
        each image's trace-presence score is taken as it is read."""
        errors: dict[int, FileError] = {}
        ecg_scores: list[float] = []

        def readable() -> Iterator[np.ndarray]:
            for i, path in enumerate(paths):
                try:
                    image = read_image(path)
                except ValueError as exc:
                    errors[i] = FileError(str(path), str(exc))
                    continue
                ecg_scores.append(float(self.presence.scores([image])[0]))
                yield image

        probabilities = self.probabilities(readable())
        names = [str(p) for i, p in enumerate(paths) if i not in errors]
        good = iter(self.predictions(names, probabilities, ecg_scores))
        return [errors[i] if i in errors else next(good) for i in range(len(paths))]
