"""Small fixtures for the vizecg training/prediction tests: a 64-row dataset (32 train rows), tiny input sizes,
an in-memory dataset for runs over many epochs, and an untrained checkpoint."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
import torch

from ecgprint.dataset.build import build
from ecgprint.dataset.recipe import load_recipe
from ecgprint.labels import LABELS
from vizecg.data import ShardDataset
from vizecg.models import VizECGNet
from vizecg.preprocess import InputSpec
from vizecg.training.checkpoint import CheckpointMeta, save_checkpoint
from vizecg.training.trainer import TrainConfig

# 64 synthetic records, one per patient; seed 1 splits them 32 / 16 / 16 (train / val / test).
RECIPE = """
[dataset]
name = "vizecg-tiny"
seed = 1
license = "CC0-1.0"

[[sources]]
type = "synthetic"
name = "synth"
options = { n = 64, prevalence = "balanced", records_per_patient = 1, fs = 100, duration = 10 }
license = "CC0-1.0"

[split]
ratios = { train = 0.5, val = 0.25, test = 0.25 }

[signal]
fs = 100
samples = 1000

[[variants]]
name = "page"
layout = "3x4"
paper = { dpi = 72, grid = "red" }

[shards]
rows = 64
row_group = 32
"""
SPEC = InputSpec(image_height=64, image_width=96, signal_fs=50, signal_samples=512)


def build_tiny_dataset(folder: Path) -> Path:
    """Build the 64-row dataset into folder/data (about 2 s) and return that path."""
    recipe = folder / "tiny.toml"
    recipe.write_text(RECIPE)
    build(load_recipe(recipe), folder / "data", workers=1, progress=False)
    return folder / "data"


@pytest.fixture(autouse=True)
def one_thread():
    """Import into a test module: its tests run on one CPU thread (the machine is shared), restored after."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def tiny_config(data: Path, **overrides) -> TrainConfig:
    return TrainConfig(**{"data": str(data), "config": "tiny", "epochs": 2, "spec": SPEC, **overrides})


class InMemoryShardDataset(ShardDataset):
    """ShardDataset that decodes each row once: without augmentation items are deterministic, and re-decoding the
    same pages every epoch would dominate a many-epoch test run."""

    @functools.cache
    def __getitem__(self, index: int) -> dict:
        return super().__getitem__(index)


def save_untrained_checkpoint(path: Path, seed: int = 0) -> VizECGNet:
    """A tiny VizECGNet with its initial weights and 0.5 thresholds, saved as a vizecg checkpoint."""
    torch.manual_seed(seed)
    model = VizECGNet.named("tiny").eval()
    meta = CheckpointMeta(model.config, SPEC, LABELS, {"image": [0.5] * 6, "signal": [0.5] * 6})
    save_checkpoint(path, model, meta)
    return model


def save_untrained_reader(path: Path, seed: int = 0) -> VizECGNet:
    """An untrained tiny reader (signal-only, the default 400 Hz x 4096 input) with 0.5 signal thresholds."""
    from vizecg.training.reader import reader_config
    torch.manual_seed(seed)
    model = VizECGNet(reader_config()).eval()
    save_checkpoint(path, model, CheckpointMeta(model.config, InputSpec(), LABELS, {"signal": [0.5] * 6}))
    return model
