"""Signal stream feature extractor: the ResNet-1D of Ribeiro et al. 2020 (Nat Commun 11:1760) without its classifier."""

from __future__ import annotations

import torch
from torch import nn

from vizecg.models.config import SignalEncoderConfig
from vizecg.models.tokens import Features


def same_conv1d(c_in: int, c_out: int, kernel_size: int, stride: int = 1) -> nn.Sequential:
    """Conv1d whose output length is exactly input/stride, also for even kernels (Keras 'same' padding)."""
    total = kernel_size - stride
    return nn.Sequential(nn.ConstantPad1d((total // 2, total - total // 2), 0.0),
                         nn.Conv1d(c_in, c_out, kernel_size, stride=stride, bias=False))


class ResBlock1d(nn.Module):
    """Ribeiro's residual unit: conv-BN-ReLU-dropout-strided conv, skip = max-pool + 1x1 conv, BN-ReLU after the sum.

    It carries two streams: x (activated, into the next conv) and y (the pre-activation sum, into the next skip).
    """

    def __init__(self, c_in: int, c_out: int, downsample: int, kernel_size: int, dropout: float):
        super().__init__()
        self.conv1 = same_conv1d(c_in, c_out, kernel_size)
        self.bn1 = nn.BatchNorm1d(c_out)
        self.conv2 = same_conv1d(c_out, c_out, kernel_size, stride=downsample)
        self.bn2 = nn.BatchNorm1d(c_out)
        self.dropout = nn.Dropout(dropout)
        skip = [nn.MaxPool1d(downsample, stride=downsample)] if downsample > 1 else []
        skip += [nn.Conv1d(c_in, c_out, 1, bias=False)] if c_in != c_out else []
        self.skip = nn.Sequential(*skip)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.dropout(torch.relu(self.bn1(self.conv1(x))))
        y = self.conv2(x) + self.skip(y)
        return self.dropout(torch.relu(self.bn2(y))), y


class SignalEncoder(nn.Module):
    """[B, leads, n] ECG (n a multiple of config.stride) -> Features with n / stride tokens of width out_dim."""

    def __init__(self, config: SignalEncoderConfig):
        super().__init__()
        self.config = config
        self.stem = nn.Sequential(same_conv1d(config.leads, config.stem_width, config.kernel_size),
                                  nn.BatchNorm1d(config.stem_width), nn.ReLU())
        widths = (config.stem_width, *config.widths)
        self.blocks = nn.ModuleList(
            ResBlock1d(c_in, c_out, down, config.kernel_size, config.dropout)
            for c_in, c_out, down in zip(widths[:-1], widths[1:], config.downsample)
        )

    def forward(self, signal: torch.Tensor) -> Features:
        if signal.ndim != 3 or signal.shape[1] != self.config.leads or signal.shape[2] % self.config.stride:
            raise ValueError(f"signal must be [B, {self.config.leads}, n] with n a multiple of "
                             f"{self.config.stride}, got {list(signal.shape)}")
        x = y = self.stem(signal)
        for block in self.blocks:
            x, y = block(x, y)
        tokens = x.transpose(1, 2)
        return Features(tokens, tokens.mean(dim=1), (tokens.shape[1],))
