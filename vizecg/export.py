"""ONNX export: a checkpoint's deployed image path (normalised image [B, 3, H, W] -> label probabilities [B, 6]) as
one self-contained file, and the bundled models (classifier, reader and trace-presence check) as ONNX graphs whose
weights stay in the bundled .pt files, for `vizecg predict --engine onnx` (vizecg.onnx_engine).

Input preprocessing (vizecg.preprocess.image_array): RGB, INTER_AREA resize to the checkpoint's W x H,
x / 255, then (x - 0.5) / 0.25. Labels, thresholds and input size are stored in the model's metadata_props.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import asdict
from pathlib import Path

import onnx
import torch
from torch import nn

from ecgprint.atomic import atomic_path
from vizecg.evaluation.scoring import model_streams
from vizecg.models import VizECGNet
from vizecg.preprocess import IMAGE_MEAN, IMAGE_STD
from vizecg.presence import BUNDLED as PRESENCE_BUNDLED
from vizecg.presence import PresenceCheck, PresenceNet
from vizecg.training.checkpoint import BUNDLED, READER_BUNDLED, load_model, resolve_checkpoint
from vizecg.training.reader import load_reader

ZIP_LOCAL_HEADER = 30   # bytes before a zip member's name; its name and extra field follow, then its data


class ImagePath(nn.Module):
    """`predict_image` as a module's forward, the graph ONNX export traces."""

    def __init__(self, model: VizECGNet):
        super().__init__()
        self.model = model

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.model.predict_image(image)


class SignalPath(nn.Module):
    """A signal-only model's logits as a module's forward: signal [B, 12, samples] -> [B, labels] (the engines take
    the sigmoid in float64: ONNX Runtime's is accurate to ~1e-7 absolute, which the stacker's logits would amplify)."""

    def __init__(self, model: VizECGNet):
        super().__init__()
        self.model = model

    def forward(self, signal: torch.Tensor) -> torch.Tensor:
        return self.model(signal, None).signal


class PresenceProbability(nn.Module):
    """The trace-presence score as a module's forward: uint8 input [B, 2, h, w] -> probabilities [B]."""

    def __init__(self, model: PresenceNet):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.model.image_logit(self.model(x)))


def trace(module: nn.Module, example: torch.Tensor, names: tuple[str, str], props: dict[str, str],
          optimize: bool = True) -> onnx.ModelProto:
    """`module` as an ONNX model with a dynamic batch dimension and `props` as metadata_props. optimize=False keeps
    every parameter as the tensor the state dict holds (no batch norm folded into a convolution), which
    link_weights needs; ONNX Runtime does that folding when it loads the model."""
    with torch.no_grad():
        program = torch.onnx.export(module.eval(), (example,), input_names=[names[0]], output_names=[names[1]],
                                    dynamic_shapes=({0: torch.export.Dim("batch")},), dynamo=True, verbose=False,
                                    optimize=optimize)
    model = program.model_proto
    for node in model.graph.node:   # the exporter's per-node stack traces: most of an unoptimised file
        del node.metadata_props[:]
    add_metadata(model, props)
    return model


def add_metadata(model: onnx.ModelProto, props: dict[str, str]) -> None:
    for key, value in props.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value


def classifier_model(ckpt: str | Path | None, optimize: bool = True) -> onnx.ModelProto:
    """The image path of a checkpoint (default: the bundled one) with its labels, thresholds and input spec."""
    path = resolve_checkpoint(ckpt)
    model, meta = load_model(path)
    if "image" not in model_streams(model.config):
        raise ValueError(f"{path}: a signal-only model has no image path to export")
    example = torch.zeros(2, 3, meta.spec.image_height, meta.spec.image_width)
    return trace(ImagePath(model), example, ("image", "probabilities"), {
        "labels": json.dumps(list(meta.labels)),
        "thresholds": json.dumps(meta.thresholds.get("image")),
        "input": json.dumps({"height": meta.spec.image_height, "width": meta.spec.image_width, "mean": IMAGE_MEAN,
                             "std": IMAGE_STD, "scale": 1 / 255, "resize": "cv2.INTER_AREA", "channels": "RGB"}),
    }, optimize)


def reader_model(path: str | Path, optimize: bool = True) -> onnx.ModelProto:
    """The reader of a reader checkpoint (vizecg.training.reader) with its labels, thresholds and signal input."""
    model, meta = load_reader(path)
    example = torch.zeros(2, 12, meta.spec.signal_samples)
    return trace(SignalPath(model), example, ("signal", "logits"), {
        "labels": json.dumps(list(meta.labels)), "thresholds": json.dumps(meta.thresholds["signal"]),
        "input": json.dumps({"signal_fs": meta.spec.signal_fs, "signal_samples": meta.spec.signal_samples})},
        optimize)


def presence_model(path: str | Path, optimize: bool = True) -> onnx.ModelProto:
    """The trace-presence check of a presence.pt file with its input config and threshold."""
    check = PresenceCheck(path)
    config = check.config
    example = torch.zeros(2, 2, config.height, config.width, dtype=torch.uint8)
    props = {"presence": json.dumps({"config": asdict(config), "threshold": check.threshold})}
    return trace(PresenceProbability(check.model), example, ("input", "probability"), props, optimize)


def export_onnx(out: str | Path, ckpt: str | Path | None = None) -> Path:
    """Write the image path of a checkpoint (default: the bundled one) to the single file `out`.

    The batch dimension is dynamic; the image size is the checkpoint's input size.
    """
    model = classifier_model(ckpt)
    out = Path(out)
    onnx.save(model, out)
    return out


def member_offsets(weights: Path) -> dict[bytes, tuple[int, int]]:
    """Bytes -> (offset, length) in the file of each tensor storage of a torch.save zip (stored uncompressed)."""
    found = {}
    with zipfile.ZipFile(weights) as archive, open(weights, "rb") as f:
        for info in archive.infolist():
            if "/data/" not in info.filename or info.compress_type != zipfile.ZIP_STORED:
                continue
            f.seek(info.header_offset)
            header = f.read(ZIP_LOCAL_HEADER)
            start = (info.header_offset + ZIP_LOCAL_HEADER + int.from_bytes(header[26:28], "little")
                     + int.from_bytes(header[28:30], "little"))
            f.seek(start)
            found[f.read(info.file_size)] = (start, info.file_size)
    return found


def link_weights(model: onnx.ModelProto, weights: Path) -> None:
    """Point every initializer whose bytes are a tensor stored in `weights` (a .pt beside the ONNX file) at that
    byte range (ONNX external data), so the weights ship once, in fp32, and ONNX Runtime reads them without torch.
    The .pt's sha256 goes into the metadata (vizecg.onnx_engine refuses a changed file)."""
    offsets = member_offsets(weights)
    for tensor in model.graph.initializer:
        raw = tensor.raw_data   # little-endian bytes, as torch.save writes them on x86 and ARM
        if len(raw) < 64 or raw not in offsets:   # shape constants and the like stay in the graph
            continue
        offset, length = offsets[raw]
        tensor.ClearField("raw_data")
        tensor.data_location = onnx.TensorProto.EXTERNAL
        for key, value in (("location", weights.name), ("offset", str(offset)), ("length", str(length))):
            entry = tensor.external_data.add()
            entry.key, entry.value = key, value
    with open(weights, "rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    add_metadata(model, {"weights_file": weights.name, "weights_sha256": digest})


def export_bundled(ckpt: str | Path = BUNDLED, presence: str | Path = PRESENCE_BUNDLED,
                   reader: str | Path = READER_BUNDLED) -> list[Path]:
    """Write `<ckpt>.onnx`, `<presence>.onnx` and `<reader>.onnx` beside the .pt files (default: the bundled ones
    in vizecg/weights/), their weights linked to the .pt files: the models of `vizecg predict --engine onnx`."""
    written = []
    for model, weights in ((classifier_model(ckpt, optimize=False), Path(ckpt)),
                           (presence_model(presence, optimize=False), Path(presence)),
                           (reader_model(reader, optimize=False), Path(reader))):
        link_weights(model, weights)
        with atomic_path(weights.with_suffix(".onnx")) as tmp:
            onnx.save(model, tmp)
        written.append(weights.with_suffix(".onnx"))
    return written
