"""Image stream feature extractor: a ResNet-2D (He et al. 2016, basic blocks) whose last feature map becomes tokens."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import torch
from torch import nn

from vizecg.models.tokens import Features


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


class BasicBlock(nn.Module):
    """Two 3x3 conv-BN layers with an identity (or strided 1x1 conv-BN) shortcut, ReLU after the sum."""

    def __init__(self, c_in: int, c_out: int, stride: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(),
            nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out),
        )
        self.shortcut = (nn.Identity() if stride == 1 and c_in == c_out else
                         nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.body(x) + self.shortcut(x))


class ImageEncoder(nn.Module):
    """[B, channels, H, W] image of any size -> Features on a ceil(H/stride) x ceil(W/stride) grid of out_dim tokens."""

    def __init__(self, config: ImageEncoderConfig):
        super().__init__()
        self.config = config
        self.unshuffle = nn.PixelUnshuffle(config.patch)   # parameter-free: no state-dict keys
        self.stem = nn.Sequential(
            nn.Conv2d(config.channels * config.patch ** 2, config.stem_width, 7, stride=2, padding=3, bias=False),
            nn.BatchNorm2d(config.stem_width), nn.ReLU(), nn.MaxPool2d(3, stride=2, padding=1),
        )
        blocks, c_in = [], config.stem_width
        for stage, (width, depth) in enumerate(zip(config.widths, config.depths)):
            for i in range(depth):
                blocks.append(BasicBlock(c_in, width, stride=2 if stage > 0 and i == 0 else 1))
                c_in = width
        self.blocks = nn.Sequential(*blocks)

    def forward(self, image: torch.Tensor) -> Features:
        if image.ndim != 4 or image.shape[1] != self.config.channels:
            raise ValueError(f"image must be [B, {self.config.channels}, H, W], got {list(image.shape)}")
        fmap = self.blocks(self.stem(self.unshuffle(image)))
        tokens = fmap.flatten(2).transpose(1, 2)
        return Features(tokens, tokens.mean(dim=1), tuple(fmap.shape[2:]))
