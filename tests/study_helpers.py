"""A tiny dataset and a tiny VizECGNet trained on it for a few seconds, for the robustness and explain tests."""

from __future__ import annotations

from pathlib import Path

import torch

from tests.vizecg_helpers import build_tiny_dataset, tiny_config
from vizecg.training.runtime import Runtime
from vizecg.training.trainer import BEST, train


def trained_tiny(folder: Path) -> tuple[Path, Path]:
    """(dataset folder, checkpoint): the 64-row tiny dataset and the tiny model after 3 epochs (one thread)."""
    data = build_tiny_dataset(folder)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        train(tiny_config(data, epochs=3, lr=3e-3), folder / "run", Runtime(torch.device("cpu")), workers=0,
              progress=False)
    finally:
        torch.set_num_threads(threads)
    return data, folder / "run" / BEST
