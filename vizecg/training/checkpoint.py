"""Checkpoints as plain data: a dict of tensors plus one JSON string, so `torch.load(weights_only=True)` reads them.

Layout: {"format": FORMAT, "meta": JSON of CheckpointMeta, "model": state dict} and, in training checkpoints,
"optimizer" and "scheduler" state dicts (tensors, numbers and lists only).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from ecgprint.atomic import atomic_path
from ecgprint.labels import LABELS
from vizecg.models import VizECGNet, VizECGNetConfig
from vizecg.preprocess import InputSpec

FORMAT = "vizecg-checkpoint/1"
BUNDLED = Path(__file__).resolve().parent.parent / "weights" / "vizecg.pt"
READER_BUNDLED = BUNDLED.with_name("reader.pt")   # the signal-only reader of predict's first route


@dataclass(frozen=True)
class CheckpointMeta:
    """What a checkpoint's weights mean: model config, input spec, label order, per-stream decision thresholds
    (chosen on the validation split), the epoch/step it was taken at, and free-form JSON-ready run info."""

    model: VizECGNetConfig
    spec: InputSpec
    labels: tuple[str, ...] = LABELS
    thresholds: dict[str, list[float]] = field(default_factory=dict)
    epoch: int = 0
    step: int = 0
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.labels) != self.model.num_labels:
            raise ValueError(f"{len(self.labels)} labels for a model with {self.model.num_labels} outputs")
        for stream, values in self.thresholds.items():
            if len(values) != len(self.labels):
                raise ValueError(f"{stream} thresholds: need {len(self.labels)} values, got {len(values)}")

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> CheckpointMeta:
        data = json.loads(text)
        return cls(**{**data, "model": VizECGNetConfig.from_dict(data["model"]), "spec": InputSpec(**data["spec"]),
                      "labels": tuple(data["labels"])})


def save_checkpoint(path: str | Path, model: torch.nn.Module, meta: CheckpointMeta,
                    training_state: dict[str, Any] | None = None) -> None:
    """Write atomically (temp file + rename), so a crash never leaves a truncated checkpoint."""
    save_checkpoint_payload(path, {"format": FORMAT, "meta": meta.to_json(),
                                   "model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
                                   **(training_state or {})})


def save_checkpoint_payload(path: str | Path, payload: dict[str, Any]) -> None:
    """Write a checkpoint dict (as read_checkpoint returns it) atomically."""
    with atomic_path(Path(path)) as tmp:
        torch.save(payload, tmp)


def read_checkpoint(path: str | Path) -> dict[str, Any]:
    """The raw checkpoint dict, loaded with weights_only=True (no pickled code runs) onto the CPU."""
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such checkpoint") from None
    except Exception as exc:   # torch raises UnpicklingError, RuntimeError, EOFError... for non-checkpoints
        raise ValueError(f"{path}: not a readable checkpoint ({type(exc).__name__})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path}: not a {FORMAT} file")
    return payload


def load_model(path: str | Path, device: torch.device | str = "cpu") -> tuple[VizECGNet, CheckpointMeta]:
    """The model of a checkpoint in eval mode on `device`, and its metadata."""
    payload = read_checkpoint(path)
    meta = CheckpointMeta.from_json(payload["meta"])
    model = VizECGNet(meta.model)
    model.load_state_dict(payload["model"])
    return model.to(device).eval(), meta


def resolve_checkpoint(path: str | Path | None) -> Path:
    """The given checkpoint, or the bundled one; a clear error when the bundled one is not installed."""
    if path is not None:
        return Path(path)
    if not BUNDLED.is_file():
        raise FileNotFoundError(f"no bundled checkpoint at {BUNDLED}; train one with `vizecg train` and pass "
                                "--ckpt RUN/best.pt")
    return BUNDLED
