"""VizECGNet (arXiv 2408.02888): signal and image streams joined by CMAM, refined by SMAM, one MLP head each.

The image stream never reads the real signal outside training, so `predict_image` (no signal) is exactly the
image head of `forward` in eval mode; see docs/model.md.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import torch
from torch import nn

from vizecg.models.attention import CrossModalAttention, SelfModalAttention
from vizecg.models.config import VizECGNetConfig
from vizecg.models.image_encoder import ImageEncoder
from vizecg.models.signal_encoder import SignalEncoder
from vizecg.models.tokens import Features, sincos_positions


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
