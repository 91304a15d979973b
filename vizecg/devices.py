"""The device names the commands accept, torch-free so that parsing a command's options does not import torch."""

DEVICES = ("auto", "cpu", "cuda", "mps")
