"""Train the trace-presence check on generated examples and choose its threshold on a held-out generated set:

    python -m vizecg.presence_train -o vizecg/weights/presence.pt     # the bundled file, seed 0, one CPU thread
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from vizecg.presence import PresenceConfig, PresenceNet, save_presence
from vizecg.presence_data import PresenceSet, make_set


@dataclass(frozen=True)
class PresenceTrainConfig:
    """Examples per set, optimisation and the weight of the per-cell trace-map loss (0 = image label only)."""

    n_train: int = 2400
    n_heldout: int = 800
    epochs: int = 20
    batch_size: int = 32
    lr: float = 3e-3
    map_weight: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.n_train < 2 or self.n_heldout < 2 or self.epochs < 1 or self.batch_size < 1:
            raise ValueError("n_train, n_heldout (>= 2), epochs and batch_size (>= 1) must be positive")
        if not 0 < self.lr < 1 or self.map_weight < 0:
            raise ValueError(f"lr must be within (0, 1) and map_weight >= 0, got {self.lr}, {self.map_weight}")


def fit(model: PresenceNet, data: PresenceSet, config: PresenceTrainConfig) -> list[float]:
    """Adam with a cosine schedule on random flips of the examples (a flipped trace is still a trace); returns the
    mean loss per epoch. Deterministic for a seed on one thread."""
    generator = torch.Generator().manual_seed(config.seed)
    inputs, targets = torch.from_numpy(data.inputs), torch.from_numpy(data.targets).float()
    labels = torch.from_numpy(data.labels)
    steps = config.epochs * -(-len(labels) // config.batch_size)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, steps)
    losses = []
    model.train()
    for _ in range(config.epochs):
        total = 0.0
        for batch in torch.randperm(len(labels), generator=generator).split(config.batch_size):
            x, t = inputs[batch], targets[batch]
            for dim in (2, 3):
                if torch.rand((), generator=generator) < 0.5:
                    x, t = x.flip(dim), t.flip(dim - 1)
            cells = model(x)
            loss = F.binary_cross_entropy_with_logits(model.image_logit(cells), labels[batch])
            loss = loss + config.map_weight * F.binary_cross_entropy_with_logits(cells, t)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += float(loss.detach()) * len(batch)
        losses.append(total / len(labels))
    model.eval()
    return losses


@torch.no_grad()
def image_scores(model: PresenceNet, inputs: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """Probability of an ECG trace for each prepared input [N, 2, H, W]."""
    model.eval()
    return np.concatenate([torch.sigmoid(model.image_logit(model(torch.from_numpy(inputs[i:i + batch_size]))))
                           .double().numpy() for i in range(0, len(inputs), batch_size)])


def choose_threshold(scores: np.ndarray, labels: np.ndarray) -> float:
    """The cut maximising balanced accuracy (mean of the found rate on pages and the not-found rate on the
    rest), placed halfway in logit between the scores on either side of it; ties go to the lowest cut."""
    order = np.unique(scores)
    cuts = np.concatenate([[order[0]], (order[:-1] + order[1:]) / 2]) if len(order) > 1 else order
    positives, negatives = scores[labels == 1], scores[labels == 0]
    balanced = [(positives >= c).mean() + (negatives < c).mean() for c in cuts]
    best = int(np.argmax(balanced))
    if best == 0:
        return float(cuts[0])
    lo, hi = (np.clip(order[best - 1:best + 1], 1e-12, 1 - 1e-12))
    logit = (np.log(lo / (1 - lo)) + np.log(hi / (1 - hi))) / 2
    return float(1 / (1 + np.exp(-logit)))


def accuracy_by_group(scores: np.ndarray, data: PresenceSet, threshold: float) -> dict[str, dict[str, float]]:
    """Share of correct found/not-found calls per group: pages per preset and per look, negatives per kind."""
    groups = defaultdict(list)
    for score, label, kind in zip(scores, data.labels, data.kinds):
        correct = bool((score >= threshold) == bool(label))
        parts = kind.split(":")
        if parts[0] == "page":
            groups[f"page {parts[1]}"].append(correct)
            groups["page, random style" if len(parts) > 2 else "page, classic style"].append(correct)
            groups["all pages"].append(correct)
        else:
            groups[kind].append(correct)
            groups["all negatives"].append(correct)
    return {name: {"n": len(v), "accuracy": float(np.mean(v))} for name, v in sorted(groups.items())}


def train_presence(config: PresenceTrainConfig, out: str | Path) -> dict[str, Any]:
    """Generate, train, choose the threshold on the held-out set, save to `out`; returns the report."""
    torch.manual_seed(config.seed)
    start = time.perf_counter()
    train_set = make_set(config.n_train, config.seed, stream=0)
    heldout = make_set(config.n_heldout, config.seed, stream=1)
    generated = time.perf_counter()
    model = PresenceNet(PresenceConfig())
    losses = fit(model, train_set, config)
    trained = time.perf_counter()
    scores = image_scores(model, heldout.inputs)
    threshold = choose_threshold(scores, heldout.labels)
    report = {"training": asdict(config), "losses": [round(x, 5) for x in losses],
              "seconds": {"generate": round(generated - start, 1), "train": round(trained - generated, 1)},
              "parameters": sum(p.numel() for p in model.parameters()),
              "heldout": accuracy_by_group(scores, heldout, threshold)}
    save_presence(out, model, threshold, report)
    return {"threshold": threshold, **report}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m vizecg.presence_train", description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", required=True, help="weights file to write (e.g. vizecg/weights/presence.pt)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=PresenceTrainConfig.epochs)
    parser.add_argument("--n-train", type=int, default=PresenceTrainConfig.n_train)
    parser.add_argument("--map-weight", type=float, default=PresenceTrainConfig.map_weight)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    config = PresenceTrainConfig(n_train=args.n_train, epochs=args.epochs, map_weight=args.map_weight, seed=args.seed)
    print(json.dumps(train_presence(config, args.out), indent=1))


if __name__ == "__main__":
    main()
