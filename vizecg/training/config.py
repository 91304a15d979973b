"""The run configuration: everything that decides a training run's result, validated at construction, and the
named ablations of it; torch-free, so that the commands' options can name them without importing torch."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

from vizecg.models.config import VIZECGNET_CONFIGS, VizECGNetConfig
from vizecg.preprocess import InputSpec


@dataclass(frozen=True)
class LossConfig:
    """kd_weight λ (0 = the no-KD ablation), temperature T, and whether the teacher is detached from KD."""

    kd_weight: float = 1.0
    temperature: float = 1.0
    detach_teacher: bool = True

    def __post_init__(self) -> None:
        if not self.kd_weight >= 0.0:
            raise ValueError(f"kd_weight must be >= 0, got {self.kd_weight}")
        if not self.temperature > 0.0:
            raise ValueError(f"temperature must be > 0, got {self.temperature}")


class RunError(RuntimeError):
    """The run cannot start or continue (occupied output folder, nothing to resume, wrong dataset)."""


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a run's result; runtime choices (device, loader workers, threads) are not here.

    A single-stream run (streams "signal" or "image") has no CMAM, whatever `cmam` says. `train_parts` and
    `val_parts` ("PATH:SPLIT") add rows of other datasets after `data`'s train and val splits.
    """

    data: str
    config: str = "small"
    epochs: int = 10
    batch_size: int = 16
    lr: float = 1e-3
    weight_decay: float = 0.0
    seed: int = 0
    streams: str = "both"
    cmam: bool = True
    smam: bool = True
    kd_weight: float = 1.0
    kd_temperature: float = 1.0
    modality_dropout: float = 0.5
    detach_signal_context: bool = False
    spec: InputSpec = field(default_factory=InputSpec)
    image_patch: int = 1
    keep_checkpoints: int = 3
    train_parts: tuple[str, ...] = ()
    val_parts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for part in (*self.train_parts, *self.val_parts):
            path, _, split = part.rpartition(":") if isinstance(part, str) else ("", "", "")
            if not (path and split):
                raise ValueError(f"a data part must be 'PATH:SPLIT', got {part!r}")
        if self.config not in VIZECGNET_CONFIGS:
            raise ValueError(f"unknown config {self.config!r}; choose from {sorted(VIZECGNET_CONFIGS)}")
        if self.epochs < 1 or self.batch_size < 1 or self.keep_checkpoints < 1:
            raise ValueError(f"epochs, batch_size and keep_checkpoints must be >= 1, got {self.epochs}, "
                             f"{self.batch_size}, {self.keep_checkpoints}")
        if not (self.lr > 0 and self.weight_decay >= 0):
            raise ValueError(f"need lr > 0 and weight_decay >= 0, got {self.lr}, {self.weight_decay}")
        model = self.model_config()
        self.loss_config()
        if self.spec.image_height % self.image_patch or self.spec.image_width % self.image_patch:
            raise ValueError(f"image size {self.spec.image_height}x{self.spec.image_width} must be a multiple of "
                             f"image_patch ({self.image_patch})")
        if model.streams != "image" and self.spec.signal_samples % model.signal.stride:
            raise ValueError(f"signal_samples ({self.spec.signal_samples}) must be a multiple of "
                             f"{model.signal.stride} for the {self.config!r} signal encoder")

    def model_config(self) -> VizECGNetConfig:
        image = replace(VIZECGNET_CONFIGS[self.config].image, patch=self.image_patch)
        return VizECGNetConfig.named(self.config, streams=self.streams, cmam=self.cmam and self.streams == "both",
                                     smam=self.smam, modality_dropout=self.modality_dropout,
                                     detach_signal_context=self.detach_signal_context, image=image)

    def parts(self, split: str) -> tuple[tuple[str, str], ...]:
        """The (dataset, split) pairs whose rows follow `data`'s `split` ("train" or "val")."""
        return tuple(tuple(part.rsplit(":", 1)) for part in {"train": self.train_parts, "val": self.val_parts}[split])

    def resolved(self) -> TrainConfig:
        """This config with absolute dataset paths, as a run stores it."""
        def absolute(part: str) -> str:
            path, split = part.rsplit(":", 1)
            return f"{Path(path).resolve()}:{split}"

        return replace(self, data=str(Path(self.data).resolve()), train_parts=tuple(map(absolute, self.train_parts)),
                       val_parts=tuple(map(absolute, self.val_parts)))

    def loss_config(self) -> LossConfig:
        return LossConfig(kd_weight=self.kd_weight, temperature=self.kd_temperature)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        parts = {key: tuple(data.get(key, ())) for key in ("train_parts", "val_parts")}   # JSON lists; old runs: none
        return cls(**{**data, **parts, "spec": InputSpec(**data["spec"])})


class Ablation(NamedTuple):
    """Table label and TrainConfig overrides of one run."""

    label: str
    overrides: dict[str, Any]


# Run name (also its folder) -> ablation. Single-stream baselines have no CMAM and no KD by construction.
ABLATIONS: dict[str, Ablation] = {
    "signal-only": Ablation("signal-only baseline", {"streams": "signal"}),
    "image-only": Ablation("image-only baseline", {"streams": "image"}),
    "no-kd": Ablation("VizECGNet without KD", {"kd_weight": 0.0}),
    "no-cmam": Ablation("VizECGNet without CMAM", {"cmam": False}),
    "no-smam": Ablation("VizECGNet without SMAM", {"smam": False}),
    "full": Ablation("VizECGNet", {}),
    "detached": Ablation("VizECGNet, teacher detached", {"detach_signal_context": True}),
}
