"""Engine-independent image prediction: files -> RGB pages -> batched probabilities -> decisions gated by the
trace-presence check. Two routes: the reader (the page digitized, then classified as a signal) for every page the
digitizer reads, the image stream for the rest (or for all pages without a reader). Torch-free, so the ONNX
Runtime engine (vizecg.onnx_engine) runs without torch installed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ecgprint.image_decode import MAX_IMAGE_BYTES, decode_image
from ecgprint.regular_file import read_capped
from vizecg.page_signal import PageSignal, page_signal
from vizecg.preprocess import InputSpec, image_array
from vizecg.presence_input import PresenceScorer
from vizecg.stacker import Stacker, sigmoid, stack_path

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
    """One image's per-label probabilities and decisions (probability >= the route's threshold for the label, and
    only when the trace-presence check found an ECG: `ecg_found`, from its score `ecg_score`). `route` is `reader`
    (the digitized page classified as a signal; `read` names the layout read) or `image` (the image stream; `read`
    says why the reader did not decide, or is None when no reader was used)."""

    image: str
    probabilities: dict[str, float]
    decisions: dict[str, bool]
    ecg_found: bool
    ecg_score: float
    route: str = "image"
    read: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"image": self.image, "ecg_found": self.ecg_found, "ecg_score": self.ecg_score, "route": self.route,
                "read": self.read, "probabilities": self.probabilities, "decisions": self.decisions}


@dataclass(frozen=True)
class FileError:
    """A file that could not be predicted (not an exception): `error` is the one-line reason, naming the file."""

    image: str
    error: str

    def to_dict(self) -> dict[str, Any]:
        return {"image": self.image, "error": self.error}


def reader_path(reader: str | Path | None, ckpt: str | Path | None, bundled: Path) -> Path | None:
    """Which reader a predictor uses: `auto` is the bundled one with the bundled classifier and none with a
    --ckpt of your own (its image path alone); None is none; anything else is a path."""
    if reader == "auto":
        return bundled if ckpt is None else None
    return None if reader is None else Path(reader)


class SignalReader:
    """What every engine's reader shares: the page read into the model's signal input (vizecg.page_signal), then
    `run` (float32 [B, 12, samples] -> logits [B, labels]) and per-label `thresholds` chosen on out-of-fold
    real pages (benchmarks/digitize_then_classify.py), refined by the reader's stacker when it has one."""

    labels: tuple[str, ...]
    thresholds: np.ndarray
    spec: InputSpec
    stack: Stacker | None = None

    def run(self, batch: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def read(self, image: np.ndarray) -> PageSignal:
        return page_signal(image, self.spec)

    def find_stack(self, reader: str | Path) -> None:
        """Use the stacker beside the reader file (vizecg.stacker.stack_path) if there is one; ValueError naming it
        when its labels differ from the reader's."""
        path = stack_path(reader)
        if path.is_file():
            self.stack = Stacker.load(path)
            if self.stack.labels != tuple(self.labels):
                raise ValueError(f"{path}: labels {list(self.stack.labels)} differ from the reader's "
                                 f"{list(self.labels)}")

    def classify(self, batch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities [B, labels], thresholds [labels]) of page signals: the reader's, or with a stacker its
        combination of them with the pages' rhythm measurements, at the stacker's thresholds."""
        probabilities = sigmoid(self.run(batch).astype(np.float64))
        if self.stack is None:
            return probabilities, self.thresholds
        return self.stack.classify(batch, probabilities, self.spec.signal_fs), self.stack.thresholds


class ImagePredictor:
    """What every engine shares: routing, batching, decisions and file handling. An engine sets `labels`,
    `thresholds`, `spec`, `presence`, `batch_size` and `reader` (a SignalReader, or None for the image stream
    alone), and implements `run` (normalised images -> probabilities)."""

    labels: tuple[str, ...]
    thresholds: np.ndarray
    spec: InputSpec
    presence: PresenceScorer
    batch_size: int
    reader: SignalReader | None = None

    def run(self, batch: np.ndarray) -> np.ndarray:
        """float32 [B, 3, H, W] (vizecg.preprocess.image_array) -> probabilities [B, labels]."""
        raise NotImplementedError

    def check_reader(self, source: object) -> None:
        """ValueError naming `source` unless the reader predicts the classifier's labels in the same order."""
        if self.reader is not None and tuple(self.reader.labels) != tuple(self.labels):
            raise ValueError(f"{source}: reader labels {list(self.reader.labels)} differ from the classifier's "
                             f"{list(self.labels)}")

    def probabilities(self, images: Iterable[np.ndarray]) -> np.ndarray:
        """[N, labels] float64 image-stream probabilities for RGB uint8 images of any size (resized to the
        model's input)."""
        out, batch = [], []
        for image in images:
            batch.append(image_array(checked(image), self.spec))
            if len(batch) == self.batch_size:
                out.append(self.run(np.stack(batch)))
                batch = []
        if batch:
            out.append(self.run(np.stack(batch)))
        if not out:
            return np.zeros((0, len(self.labels)))
        return np.concatenate(out).astype(np.float64)

    def predict(self, named: Iterable[tuple[str, np.ndarray] | FileError]) -> list[Prediction | FileError]:
        """One entry per item in input order: a Prediction for each (name, RGB uint8 image), FileErrors passed
        through. Each image is scored by the trace-presence check; one where an ECG is found goes to the reader if
        there is one and the digitizer reads it, else to the image stream. Each route runs in batches of
        batch_size as its inputs arrive, so memory holds one batch per route, not all pages."""
        entries: list[Prediction | FileError | None] = []
        pending: dict[str, list[tuple[int, np.ndarray, tuple]]] = {"reader": [], "image": []}

        def flush(route: str) -> None:
            items, pending[route] = pending[route], []
            if not items:
                return
            batch = np.stack([x for _, x, _ in items])
            if route == "reader":
                probabilities, thresholds = self.reader.classify(batch)   # type: ignore[union-attr]
            else:
                probabilities, thresholds = self.run(batch).astype(np.float64), self.thresholds
            for (slot, _, (name, score, ok, read)), row in zip(items, probabilities):
                entries[slot] = self.prediction(name, row, thresholds, score, ok, route, read)

        for item in named:
            entries.append(item if isinstance(item, FileError) else None)
            if isinstance(item, FileError):
                continue
            name, image = item
            score = float(self.presence.scores([checked(image)])[0])
            ok = bool(self.presence.found(np.array([score]))[0])
            route, read, x = "image", None, None
            if self.reader is not None and ok:
                page = self.reader.read(image)
                read, x = page.status, page.signal
                route = "reader" if x is not None else "image"
            pending[route].append((len(entries) - 1, x if x is not None else image_array(image, self.spec),
                                   (name, score, ok, read)))
            if len(pending[route]) == self.batch_size:
                flush(route)
        flush("reader")
        flush("image")
        return entries   # type: ignore[return-value]   # every slot is filled by now

    def prediction(self, name: str, row: np.ndarray, thresholds: np.ndarray, score: float, ok: bool, route: str,
                   read: str | None) -> Prediction:
        """Label-keyed probabilities and decisions; no decision is positive when no ECG was found (`ok` false)."""
        return Prediction(name, {k: float(p) for k, p in zip(self.labels, row)},
                          {k: bool(ok and p >= t) for k, p, t in zip(self.labels, row, thresholds)},
                          ok, score, route, read)

    def predict_files(self, paths: Sequence[str | Path]) -> list[Prediction | FileError]:
        """`predict` of image files read one at a time; a file that cannot be read becomes a FileError (its
        one-line reason) in its place and the others are still predicted."""
        def named() -> Iterator[tuple[str, np.ndarray] | FileError]:
            for path in paths:
                try:
                    yield str(path), read_image(path)
                except ValueError as exc:
                    yield FileError(str(path), str(exc))

        return self.predict(named())


def checked(image: np.ndarray) -> np.ndarray:
    """`image` if it is RGB uint8 [H, W, 3], else ValueError."""
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"need RGB uint8 images [H, W, 3], got {image.dtype} {list(image.shape)}")
    return image
