"""Image stream feature extractor: a ResNet-2D (He et al. 2016, basic blocks) whose last feature map becomes tokens."""

from __future__ import annotations

import torch
from torch import nn

from vizecg.models.config import ImageEncoderConfig
from vizecg.models.tokens import Features


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
