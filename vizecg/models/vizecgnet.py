"""VizECGNet (arXiv 2408.02888): signal and image streams joined by CMAM, refined by SMAM, one MLP head each.

The image stream never reads the real signal outside training, so `predict_image` (no signal) is exactly the
image head of `forward` in eval mode; see docs/model.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from types import MappingProxyType
from typing import Any, NamedTuple

import torch
from torch import nn

from ecgprint.labels import LABELS
from vizecg.models.attention import CrossModalAttention, SelfModalAttention
from vizecg.models.image_encoder import IMAGE_ENCODERS, ImageEncoder, ImageEncoderConfig
from vizecg.models.signal_encoder import SIGNAL_ENCODERS, SignalEncoder, SignalEncoderConfig
from vizecg.models.tokens import Features, sincos_positions

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


class StreamLogits(NamedTuple):
    """Per-stream logits [B, num_labels]; None for a stream the configuration does not have."""

    signal: torch.Tensor | None
    image: torch.Tensor | None


def mlp_head(config: VizECGNetConfig) -> nn.Sequential:
    """Pooled tokens [B, D] -> label logits: Linear-ReLU-Dropout-Linear."""
    return nn.Sequential(nn.Linear(config.dim, config.head_hidden), nn.ReLU(), nn.Dropout(config.head_dropout),
                         nn.Linear(config.head_hidden, config.num_labels))


class VizECGNet(nn.Module):
    """forward(signal [B, 12, n], image [B, 3, H, W]) -> StreamLogits; predict_image(image) -> probabilities."""

    def __init__(self, config: VizECGNetConfig):
        super().__init__()
        self.config = config
        c = config
        if c.streams in ("both", "signal"):
            self.signal_encoder = SignalEncoder(c.signal)
            self.signal_proj = nn.Linear(c.signal.out_dim, c.dim)
            self.smam_signal = SelfModalAttention(c.dim, c.heads, c.attention_dropout) if c.smam else None
            self.signal_head = mlp_head(c)
        if c.streams in ("both", "image"):
            self.image_encoder = ImageEncoder(c.image)
            self.image_proj = nn.Linear(c.image.out_dim, c.dim)
            self.smam_image = SelfModalAttention(c.dim, c.heads, c.attention_dropout) if c.smam else None
            self.image_head = mlp_head(c)
        if c.cmam:
            self.cmam_signal = CrossModalAttention(c.dim, c.heads, c.attention_dropout)
            self.cmam_image = CrossModalAttention(c.dim, c.heads, c.attention_dropout)
            self.signal_substitute = nn.Parameter(torch.randn(1, 1, c.dim) * 0.02)

    @classmethod
    def named(cls, name: str, **overrides: Any) -> VizECGNet:
        """A model from a registered configuration with field overrides (see VizECGNetConfig.named)."""
        return cls(VizECGNetConfig.named(name, **overrides))

    def _tokens(self, features: Features, proj: nn.Linear) -> torch.Tensor:
        """Project encoder tokens to the shared width and add the positional encoding."""
        tokens = proj(features.tokens)
        if self.config.positional_encoding:
            tokens = tokens + sincos_positions(features.grid, self.config.dim).to(tokens)
        return tokens

    def _signal_stream(self, signal: torch.Tensor,
                       image_tokens: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        """(signal logits, pooled signal token [B, 1, D]); with CMAM the pooled token first attends to the image."""
        features = self.signal_encoder(signal)
        pooled = self.signal_proj(features.pooled).unsqueeze(1)
        query = self.cmam_signal(pooled, image_tokens) if self.config.cmam else pooled
        tokens = torch.cat([query, self._tokens(features, self.signal_proj)], dim=1)
        if self.smam_signal is not None:
            tokens = self.smam_signal(tokens)
        return self.signal_head(tokens.mean(dim=1)), pooled

    def _image_stream(self, image_tokens: torch.Tensor, signal_context: torch.Tensor | None) -> torch.Tensor:
        """Image logits; with CMAM the image tokens attend to signal_context [B, 1, D] (real or substitute)."""
        tokens = self.cmam_image(image_tokens, signal_context) if self.config.cmam else image_tokens
        if self.smam_image is not None:
            tokens = self.smam_image(tokens)
        return self.image_head(tokens.mean(dim=1))

    def _substitute(self, batch: int) -> torch.Tensor:
        return self.signal_substitute.expand(batch, 1, -1)

    def _signal_context(self, pooled_signal: torch.Tensor) -> torch.Tensor:
        """What the image stream's CMAM attends to: the pooled signal token for a (1 - modality_dropout) share of
        training samples, otherwise the learned substitute; always the substitute outside training."""
        substitute = self._substitute(pooled_signal.shape[0])
        if not self.training:
            return substitute
        if self.config.detach_signal_context:
            pooled_signal = pooled_signal.detach()
        drop = torch.rand(pooled_signal.shape[0], 1, 1, device=pooled_signal.device) < self.config.modality_dropout
        return torch.where(drop, substitute, pooled_signal)

    def forward(self, signal: torch.Tensor | None, image: torch.Tensor | None) -> StreamLogits:
        """Logits of each stream the configuration has; the input of an absent stream may be None."""
        streams = self.config.streams
        if streams in ("both", "signal") and signal is None:
            raise ValueError(f"streams={streams!r} needs a signal")
        if streams in ("both", "image") and image is None:
            raise ValueError(f"streams={streams!r} needs an image")
        image_tokens = self._tokens(self.image_encoder(image), self.image_proj) if streams != "signal" else None
        if streams == "image":
            return StreamLogits(None, self._image_stream(image_tokens, None))
        signal_logits, pooled = self._signal_stream(signal, image_tokens)
        if streams == "signal":
            return StreamLogits(signal_logits, None)
        context = self._signal_context(pooled) if self.config.cmam else None
        return StreamLogits(signal_logits, self._image_stream(image_tokens, context))

    def predict_image(self, image: torch.Tensor) -> torch.Tensor:
        """Label probabilities [B, num_labels] from images alone: the image stream with the substitute signal token.

        Grad mode is the caller's choice (explanations need gradients); call model.eval() first for inference.
        """
        if self.config.streams == "signal":
            raise ValueError("a signal-only model has no image stream")
        image_tokens = self._tokens(self.image_encoder(image), self.image_proj)
        context = self._substitute(image.shape[0]) if self.config.cmam else None
        return torch.sigmoid(self._image_stream(image_tokens, context))
