"""Token containers and the parameter-free positional encodings shared by the signal and image streams."""

from __future__ import annotations

import math
from typing import NamedTuple

import torch


class Features(NamedTuple):
    """Encoder output: tokens [B, L, D], their mean [B, D], and the token grid shape ((L,) or (h, w), h*w = L)."""

    tokens: torch.Tensor
    pooled: torch.Tensor
    grid: tuple[int, ...]


def sincos_positions(grid: tuple[int, ...], dim: int) -> torch.Tensor:
    """[prod(grid), dim] sine/cosine encoding, dim split evenly over the grid axes (row-major like flatten).

    Parameter-free, so one model accepts any signal length and any image size.
    """
    per_axis = dim // len(grid)
    if per_axis % 2 or per_axis * len(grid) != dim:
        raise ValueError(f"dim {dim} must be divisible by 2 * {len(grid)} for a {len(grid)}-D grid")
    freqs = torch.exp(torch.arange(0, per_axis, 2) * (-math.log(10000.0) / per_axis))
    axes = []
    for size in grid:
        angles = torch.arange(size, dtype=torch.float32)[:, None] * freqs[None, :]
        axes.append(torch.cat([angles.sin(), angles.cos()], dim=1))
    mesh = torch.meshgrid(*(torch.arange(size) for size in grid), indexing="ij")
    return torch.cat([enc[index.reshape(-1)] for enc, index in zip(axes, mesh)], dim=1)
