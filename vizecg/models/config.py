"""Model configurations (encoders, VizECGNet, the named ones), torch-free so that a command's options can
name them without importing torch."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from types import MappingProxyType
from typing import Any

from ecgprint.labels import LABELS


@dataclass(frozen=True)
class SignalEncoderConfig:
    """Widths of the stem conv and of each residual block, per-block downsampling, kernel size, dropout."""

    leads: int = 12
    stem_width: int = 64
    widths: tuple[int, ...] = (128, 196, 256, 320)
    downsample: tuple[int, ...] = (4, 4, 4, 4)
    kernel_size: int = 16
    dropout: float = 0.2

    def __post_init__(self) -> None:
        if self.leads < 1 or self.stem_width < 1 or any(w < 1 for w in self.widths):
            raise ValueError(f"leads and widths must be positive, got {self}")
        if len(self.widths) != len(self.downsample) or not self.widths:
            raise ValueError(f"need one downsample factor per block, got widths {self.widths} "
                             f"and downsample {self.downsample}")
        if any(d < 1 for d in self.downsample):
            raise ValueError(f"downsample factors must be >= 1, got {self.downsample}")
        if self.kernel_size < max(self.downsample):
            raise ValueError(f"kernel_size {self.kernel_size} must be >= every downsample factor")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be within [0, 1), got {self.dropout}")

    @property
    def out_dim(self) -> int:
        return self.widths[-1]

    @property
    def stride(self) -> int:
        """Input samples per output token; the input length must be a multiple of it."""
        return math.prod(self.downsample)


# Ribeiro et al. use 64 -> 128, 196, 256, 320 filters on 4096 samples -> 1024, 256, 64, 16.
SIGNAL_ENCODERS: MappingProxyType[str, SignalEncoderConfig] = MappingProxyType({
    "tiny": SignalEncoderConfig(stem_width=8, widths=(16, 16, 24, 32)),
    "small": SignalEncoderConfig(stem_width=32, widths=(64, 96, 128, 160)),
    "paper": SignalEncoderConfig(),
})


@dataclass(frozen=True)
class ImageEncoderConfig:
    """Stem width, per-stage widths and block counts; stages after the first halve the resolution.

    patch: the stem first folds each patch x patch block of pixels into channels (pixel unshuffle), so a larger
    input keeps its fine detail (thin traces, P waves) for the cost of a wider first convolution only.
    """

    channels: int = 3
    patch: int = 1
    stem_width: int = 64
    widths: tuple[int, ...] = (64, 128, 256, 512)
    depths: tuple[int, ...] = (2, 2, 2, 2)

    def __post_init__(self) -> None:
        if not self.widths or len(self.widths) != len(self.depths):
            raise ValueError(f"need one depth per stage, got widths {self.widths} and depths {self.depths}")
        if min(self.channels, self.patch, self.stem_width, *self.widths, *self.depths) < 1:
            raise ValueError(f"channels, widths and depths must be positive, got {self}")

    @property
    def out_dim(self) -> int:
        return self.widths[-1]

    @property
    def stride(self) -> int:
        """Input pixels per output token along each axis (patch, stem /4, then /2 per later stage)."""
        return self.patch * 4 * 2 ** (len(self.widths) - 1)


# `paper` is ResNet-18; the paper names only "2D CNN", see docs/model.md.
IMAGE_ENCODERS: MappingProxyType[str, ImageEncoderConfig] = MappingProxyType({
    "tiny": ImageEncoderConfig(stem_width=8, widths=(8, 16, 24, 32), depths=(1, 1, 1, 1)),
    "small": ImageEncoderConfig(stem_width=32, widths=(32, 64, 128, 256)),
    "paper": ImageEncoderConfig(),
})


STREAMS = ("both", "signal", "image")


@dataclass(frozen=True)
class VizECGNetConfig:
    """Encoders, shared token width, attention and head sizes, and the ablation switches.

    streams: "both" (VizECGNet), "signal" or "image" (single-modality baselines).
    cmam / smam: ablation switches. modality_dropout: probability that, in training, a sample's image stream sees
    the learned substitute instead of its pooled signal token (always the substitute outside training).
    detach_signal_context: the image stream's CMAM reads the pooled signal token without gradient, so the image
    stream's losses (its BCE and the KD term) do not train the signal encoder, the KD teacher.
    """

    signal: SignalEncoderConfig = field(default_factory=SignalEncoderConfig)
    image: ImageEncoderConfig = field(default_factory=ImageEncoderConfig)
    dim: int = 256
    heads: int = 8
    attention_dropout: float = 0.1
    head_hidden: int = 256
    head_dropout: float = 0.2
    num_labels: int = len(LABELS)
    streams: str = "both"
    cmam: bool = True
    smam: bool = True
    modality_dropout: float = 0.5
    detach_signal_context: bool = False
    positional_encoding: bool = True

    def __post_init__(self) -> None:
        if self.streams not in STREAMS:
            raise ValueError(f"streams must be one of {STREAMS}, got {self.streams!r}")
        if self.cmam and self.streams != "both":
            raise ValueError(f"CMAM needs both streams; set cmam=False for streams={self.streams!r}")
        if self.dim < 1 or self.heads < 1 or self.dim % self.heads:
            raise ValueError(f"dim ({self.dim}) must be a positive multiple of heads ({self.heads})")
        if self.positional_encoding and self.dim % 4:
            raise ValueError(f"positional encoding needs dim divisible by 4, got {self.dim}")
        if self.head_hidden < 1 or self.num_labels < 1:
            raise ValueError(f"head_hidden and num_labels must be positive, got {self.head_hidden}, {self.num_labels}")
        for name in ("attention_dropout", "head_dropout"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"{name} must be within [0, 1), got {getattr(self, name)}")
        if not 0.0 < self.modality_dropout <= 1.0:
            raise ValueError("modality_dropout must be within (0, 1]: the substitute used at inference must be "
                             f"trained, got {self.modality_dropout}")

    @classmethod
    def named(cls, name: str, **overrides: Any) -> VizECGNetConfig:
        """A registered configuration (`tiny`, `small`, `paper`), with field overrides (validated)."""
        if name not in VIZECGNET_CONFIGS:
            raise ValueError(f"unknown config {name!r}; choose from {sorted(VIZECGNET_CONFIGS)}")
        return replace(VIZECGNET_CONFIGS[name], **overrides)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (for checkpoints and run logs)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VizECGNetConfig:
        """Inverse of to_dict."""
        def tuples(d: dict[str, Any]) -> dict[str, Any]:  # JSON turns tuples into lists
            return {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}

        return cls(**{**data, "signal": SignalEncoderConfig(**tuples(data["signal"])),
                      "image": ImageEncoderConfig(**tuples(data["image"]))})


VIZECGNET_CONFIGS: MappingProxyType[str, VizECGNetConfig] = MappingProxyType({
    "tiny": VizECGNetConfig(signal=SIGNAL_ENCODERS["tiny"], image=IMAGE_ENCODERS["tiny"], dim=32, heads=2,
                            head_hidden=32),
    "small": VizECGNetConfig(signal=SIGNAL_ENCODERS["small"], image=IMAGE_ENCODERS["small"], dim=128, heads=4,
                             head_hidden=128),
    "paper": VizECGNetConfig(signal=SIGNAL_ENCODERS["paper"], image=IMAGE_ENCODERS["paper"]),
})
