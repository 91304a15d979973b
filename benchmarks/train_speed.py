"""Training throughput on the CPU: images/s of the training step (forward, backward, Adam) and of the data loader
alone (Parquet read, image decode + resize, signal fit), in one run; prints one JSON line.

Target: the loader delivers at least 2x the images/s the training step consumes, so a loader running beside the
step never starves it. The loader is measured as `vizecg train` runs it by default: one worker process (torch
uses one thread there). In the main process (--workers 0) with 2 torch threads it measured 2-4x slower on a
2-core machine: torch's OpenMP threads and OpenCV's thread pool compete.

    python benchmarks/train_speed.py --data DATASET [--config small] [--workers 1] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from vizecg.data import ShardDataset, make_loader
from vizecg.models import VIZECGNET_CONFIGS, VizECGNet
from vizecg.preprocess import InputSpec
from vizecg.training.trainer import TrainConfig, train_step


def loader_images_per_s(dataset: ShardDataset, batch_size: int, batches: int, workers: int) -> float:
    """Images/s over `batches` batches after the first (worker start-up excluded, row-group reads included)."""
    iterator = iter(make_loader(dataset, batch_size, shuffle=True, workers=workers))
    next(iterator)
    start = time.perf_counter()
    images = sum(len(next(iterator)["labels"]) for _ in range(batches))
    return images / (time.perf_counter() - start)


def train_images_per_s(model: VizECGNet, batch: dict, config: TrainConfig, steps: int) -> float:
    """Images/s of `steps` training steps on one batch, after two warm-up steps."""
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    model.train()
    for _ in range(2):
        train_step(model, batch, torch.device("cpu"), config.loss_config(), optimizer)
    start = time.perf_counter()
    for _ in range(steps):
        train_step(model, batch, torch.device("cpu"), config.loss_config(), optimizer)
    return steps * len(batch["labels"]) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="built dataset folder (its train split is used)")
    parser.add_argument("--config", choices=sorted(VIZECGNET_CONFIGS), default="small")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--steps", type=int, default=5, help="timed training steps")
    parser.add_argument("--loader-batches", type=int, default=10, help="timed loader batches")
    parser.add_argument("--workers", type=int, default=1, help="loader processes (0 = in the main process)")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(), help="torch CPU threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    config = TrainConfig(data=args.data, config=args.config, batch_size=args.batch_size)
    dataset = ShardDataset(args.data, "train", config.spec)
    loader_rate = loader_images_per_s(dataset, args.batch_size, args.loader_batches, args.workers)
    batch = next(iter(make_loader(dataset, args.batch_size)))
    torch.manual_seed(0)
    train_rate = train_images_per_s(VizECGNet(config.model_config()), batch, config, args.steps)
    spec: InputSpec = config.spec
    print(json.dumps({
        "benchmark": "train_speed", "config": args.config, "batch": args.batch_size, "threads": args.threads,
        "image_hw": [spec.image_height, spec.image_width], "signal": [spec.signal_fs, spec.signal_samples],
        "loader_workers": args.workers, "train_img_s": round(train_rate, 2), "loader_img_s": round(loader_rate, 2),
        "loader_over_train": round(loader_rate / train_rate, 2),
    }))


if __name__ == "__main__":
    main()
