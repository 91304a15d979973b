"""The ONNX Runtime engine of `vizecg predict`: the classifier's image path, the reader and the trace-presence
check as ONNX models (by default the bundled ones in vizecg/weights/, written by `vizecg export --bundled`).
Labels, thresholds and input sizes come from the models' metadata, so neither torch nor the .pt files' pickles
are ever loaded."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from vizecg.prediction import ImagePredictor, SignalReader, reader_path
from vizecg.preprocess import IMAGE_MEAN, IMAGE_STD, InputSpec
from vizecg.presence_input import PresenceConfig, PresenceScorer

if TYPE_CHECKING:
    from onnxruntime import InferenceSession

WEIGHTS = Path(__file__).resolve().parent / "weights"
BUNDLED = WEIGHTS / "vizecg.onnx"
PRESENCE_BUNDLED = WEIGHTS / "presence.onnx"
READER_BUNDLED = WEIGHTS / "reader.onnx"


def open_session(path: str | Path) -> tuple[InferenceSession, dict[str, str]]:
    """An ONNX Runtime CPU session of the model file `path` and its metadata_props. A model whose weights live in a
    linked file (`weights_file`, see vizecg.export.link_weights) is refused unless that file still has the
    sha256 it had at export, so a retrained .pt never runs through a stale graph."""
    import onnxruntime as ort  # imported here so that choosing an engine does not load it

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no ONNX model at {path}")
    options = ort.SessionOptions()
    options.log_severity_level = 3   # errors only: graph-optimisation notes would clutter predict's stderr
    try:
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:   # ORT raises its own exception types for unparsable or inconsistent models
        raise ValueError(f"{path}: not a loadable ONNX model ({str(exc).splitlines()[0]})") from None
    meta = dict(session.get_modelmeta().custom_metadata_map)
    if "weights_file" in meta:
        linked = path.parent / meta["weights_file"]
        with open(linked, "rb") as f:
            if hashlib.file_digest(f, "sha256").hexdigest() != meta.get("weights_sha256"):
                raise ValueError(f"{path}: {linked.name} changed since this model was exported; "
                                 "re-run `vizecg export --bundled`")
    return session, meta


def metadata(path: Path, meta: dict[str, str], key: str) -> Any:
    """The JSON value stored under `key` in a model's metadata_props; ValueError naming the file if absent."""
    if key not in meta:
        raise ValueError(f"{path}: no `{key}` in the ONNX metadata (not written by `vizecg export`)")
    return json.loads(meta[key])


class OnnxPresence(PresenceScorer):
    """The trace-presence check on ONNX Runtime: uint8 presence input [B, 2, h, w] -> probabilities [B]."""

    def __init__(self, path: str | Path | None = None):
        path = Path(path) if path is not None else PRESENCE_BUNDLED
        self.session, meta = open_session(path)
        info = metadata(path, meta, "presence")
        self.config, self.threshold = PresenceConfig(**info["config"]), float(info["threshold"])

    def run(self, x: np.ndarray) -> np.ndarray:
        return self.session.run(None, {"input": x})[0]


class OnnxReader(SignalReader):
    """The reader (`vizecg export --bundled` writes reader.onnx) on ONNX Runtime."""

    def __init__(self, path: str | Path):
        path = Path(path)
        self.session, meta = open_session(path)
        if [o.name for o in self.session.get_outputs()] != ["logits"]:
            raise ValueError(f"{path}: the reader graph must output `logits` (an older `vizecg export` wrote "
                             f"probabilities); export it again")
        self.labels = tuple(metadata(path, meta, "labels"))
        self.thresholds = np.asarray(metadata(path, meta, "thresholds"))
        spec = metadata(path, meta, "input")
        self.spec = InputSpec(signal_fs=spec["signal_fs"], signal_samples=spec["signal_samples"])
        self.find_stack(path)

    def run(self, batch: np.ndarray) -> np.ndarray:
        return self.session.run(None, {"signal": batch})[0]


class OnnxPredictor(ImagePredictor):
    """An ONNX model of a checkpoint's image path (`vizecg export`; the bundled one by default) loaded once, the
    ONNX reader (`reader` as reader_path chooses it) and the ONNX trace-presence check;
    Predictor's outputs without torch."""

    def __init__(self, path: str | Path | None = None, presence: str | Path | None = None, batch_size: int = 8,
                 reader: str | Path | None = "auto"):
        found = reader_path(reader, path, READER_BUNDLED)
        path = Path(path) if path is not None else BUNDLED
        self.session, meta = open_session(path)
        self.labels = tuple(metadata(path, meta, "labels"))
        thresholds, spec = metadata(path, meta, "thresholds"), metadata(path, meta, "input")
        if thresholds is None:
            raise ValueError(f"{path}: the model stores no image-stream decision thresholds")
        if (spec["mean"], spec["std"]) != (IMAGE_MEAN, IMAGE_STD):
            raise ValueError(f"{path}: input normalised with mean {spec['mean']}, std {spec['std']}; this version "
                             f"of vizecg uses {IMAGE_MEAN}, {IMAGE_STD}")
        self.thresholds = np.asarray(thresholds)
        self.spec = InputSpec(image_height=spec["height"], image_width=spec["width"])
        self.presence, self.batch_size = OnnxPresence(presence), batch_size
        self.reader = OnnxReader(found) if found is not None else None
        self.check_reader(found)

    def run(self, batch: np.ndarray) -> np.ndarray:
        return self.session.run(None, {"image": batch})[0]

