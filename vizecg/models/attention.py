"""CMAM and SMAM of VizECGNet: multi-head attention with a residual connection and LayerNorm (post-norm)."""

from __future__ import annotations

import torch
from torch import nn


class CrossModalAttention(nn.Module):
    """CMAM, one direction: tokens of one modality [B, Lq, D] query the other modality's tokens [B, Lk, D].

    VizECGNet uses two: the pooled signal token attends to the image tokens, the image tokens attend to the
    pooled signal token; output = LayerNorm(queries + Dropout(MHA(queries, context, context))).
    """

    def __init__(self, dim: int, heads: int, dropout: float):
        super().__init__()
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.norm = nn.LayerNorm(dim)

    def forward(self, queries: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        mixed, _ = self.attn(queries, context, context, need_weights=False)
        return self.norm(queries + self.dropout(mixed))


class SelfModalAttention(CrossModalAttention):
    """SMAM: the same residual attention block with queries, keys and values all from one stream's tokens."""

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return super().forward(tokens, tokens)
