"""Training: Adam with per-step cosine annealing, a checkpoint every epoch, best-on-validation, exact resume, DDP.

A run folder holds run.json (the TrainConfig), metrics.jsonl/csv, checkpoints/epoch_NNNN.pt (full training
state, the last `keep_checkpoints` kept) and best.pt (model + validation thresholds, for evaluate and predict).
"""

from __future__ import annotations

import json
import logging
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel
from tqdm import tqdm

from ecgprint.atomic import write_atomic
from ecgprint.dataset.manifest import Manifest
from ecgprint.labels import LABELS
from vizecg.data import ShardDataset, make_loader
from vizecg.evaluation.metrics import metrics_report, select_thresholds
from vizecg.evaluation.scoring import Scores, model_streams, score
from vizecg.models import VizECGNet
from vizecg.training.checkpoint import CheckpointMeta, read_checkpoint, save_checkpoint
from vizecg.training.config import RunError, TrainConfig
from vizecg.training.losses import LossConfig, LossTerms, vizecg_loss
from vizecg.training.runlog import RunLog
from vizecg.training.runtime import Runtime, using_runtime

RUN_FILE, CHECKPOINTS, BEST = "run.json", "checkpoints", "best.pt"
log = logging.getLogger(__name__)


def train_step(model: torch.nn.Module, batch: dict, device: torch.device, loss_config: LossConfig,
               optimizer: torch.optim.Optimizer) -> LossTerms:
    """One optimisation step on one batch (model in train mode); the inputs of absent streams are not moved."""
    streams = model_streams(getattr(model, "module", model).config)
    signal = batch["signal"].to(device) if "signal" in streams else None
    image = batch["image"].to(device) if "image" in streams else None
    terms = vizecg_loss(model(signal, image), batch["labels"].to(device), loss_config)
    if not torch.isfinite(terms.total):
        raise FloatingPointError(f"non-finite training loss {terms.as_floats()}")
    optimizer.zero_grad(set_to_none=True)
    terms.total.backward()
    optimizer.step()
    return terms


def validation_summary(scores: Scores) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Per-stream F1-maximising thresholds on the validation rows, and the row to log (loss, macro F1/AUROC)."""
    thresholds, row = {}, {f"val_{k}": v for k, v in scores.loss.items()}
    for stream, probs in scores.probabilities.items():
        thresholds[stream] = select_thresholds(scores.labels, probs).tolist()
        report = metrics_report(scores.labels, probs, thresholds[stream], n_bootstrap=1)   # point estimates only
        for metric in ("f1", "auroc"):
            row[f"val_{stream}_macro_{metric}"] = report.get(metric, "macro")[0]
    return thresholds, row


def selection_key(row: dict[str, float], streams: tuple[str, ...]) -> tuple[float, float]:
    """Best-on-val order: macro F1 of the deployed stream (image if present), ties to the lower validation loss."""
    f1 = row[f"val_{'image' if 'image' in streams else 'signal'}_macro_f1"]
    return (-math.inf if math.isnan(f1) else f1, -row["val_total"])


def epoch_seed(seed: int, epoch: int, rank: int) -> int:
    """Torch RNG seed for one epoch on one rank: dropout and modality dropout replay exactly after a resume."""
    return int(np.random.SeedSequence([seed, epoch, rank]).generate_state(1)[0])


def check_labels(data: Path) -> None:
    label_order = Manifest.read(data).label_order
    if label_order != LABELS:
        raise RunError(f"{data}: dataset label order {label_order} differs from the model's {LABELS}")


class Trainer:
    """One run in one process (one rank under torchrun): builds data, model and optimiser, runs the epochs."""

    def __init__(self, config: TrainConfig, out: Path, runtime: Runtime, workers: int, progress: bool | None):
        self.config, self.out, self.runtime, self.progress = config, out, runtime, progress
        data = Path(config.data)
        for root in {data, *(Path(root) for root, _ in config.parts("train") + config.parts("val"))}:
            check_labels(root)
        train_set = ShardDataset(data, "train", config.spec, extra_parts=config.parts("train"))
        self.train_loader = make_loader(train_set, config.batch_size, shuffle=True, seed=config.seed,
                                        workers=workers, replicas=runtime.world, rank=runtime.rank)
        self.val_loader = (make_loader(ShardDataset(data, "val", config.spec, extra_parts=config.parts("val")),
                                       config.batch_size, workers=workers) if runtime.is_main else None)
        torch.manual_seed(config.seed)
        self.model = VizECGNet(config.model_config()).to(runtime.device)
        self.streams = model_streams(self.model.config)
        self.net = (DistributedDataParallel(self.model, device_ids=[runtime.device.index]
                                            if runtime.device.type == "cuda" else None)
                    if runtime.distributed else self.model)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        self.scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
            self.optimizer, T_max=config.epochs * len(self.train_loader))
        self.epoch, self.step, self.best = 0, 0, (-math.inf, -math.inf)

    def load(self, path: Path) -> None:
        """Continue from a training checkpoint: weights, optimiser, schedule, step and best-so-far."""
        payload = read_checkpoint(path)
        meta = CheckpointMeta.from_json(payload["meta"])
        self.model.load_state_dict(payload["model"])
        self.optimizer.load_state_dict(payload["optimizer"])
        self.scheduler.load_state_dict(payload["scheduler"])
        self.epoch, self.step, self.best = meta.epoch, meta.step, tuple(payload["best"])

    def fit(self) -> list[dict[str, Any]]:
        runlog = RunLog(self.out, through_epoch=self.epoch) if self.runtime.is_main else None
        while self.epoch < self.config.epochs:
            start = time.perf_counter()
            row = {"epoch": self.epoch + 1, **self._train_epoch()}
            self.epoch += 1
            if self.runtime.is_main:
                row |= self._validate_and_save()
                row["seconds"] = round(time.perf_counter() - start, 3)
                runlog.append(row)
                log.info("epoch %d/%d %s", self.epoch, self.config.epochs,
                         " ".join(f"{k}={v:.4g}" for k, v in row.items() if isinstance(v, float)))
            self.runtime.barrier()
        return runlog.rows if runlog is not None else []

    def _train_epoch(self) -> dict[str, float]:
        self.train_loader.sampler.set_epoch(self.epoch)
        torch.manual_seed(epoch_seed(self.config.seed, self.epoch, self.runtime.rank))
        self.net.train()
        lr = self.scheduler.get_last_lr()[0]
        sums: dict[str, float] = {}
        rows = 0
        # tqdm's disable=None switches the bar off when stderr is not a terminal; only rank 0 shows one.
        disable = True if not self.runtime.is_main else None if self.progress is None else not self.progress
        bar = tqdm(self.train_loader, desc=f"epoch {self.epoch + 1}/{self.config.epochs}", unit="batch",
                   leave=False, file=sys.stderr, disable=disable)
        for batch in bar:
            terms = train_step(self.net, batch, self.runtime.device, self.config.loss_config(), self.optimizer)
            self.scheduler.step()
            self.step += 1
            n = len(batch["labels"])
            for name, value in terms.as_floats().items():
                sums[name] = sums.get(name, 0.0) + value * n
            rows += n
            bar.set_postfix(loss=f"{float(terms.total.detach()):.4f}")
        names = sorted(sums)
        totals = self.runtime.all_sum([sums[k] for k in names] + [rows])
        return {"step": self.step, "lr": lr, **{f"train_{k}": v / totals[-1] for k, v in zip(names, totals)}}

    def _validate_and_save(self) -> dict[str, Any]:
        thresholds, row = validation_summary(score(self.model, self.val_loader, self.runtime.device,
                                                   self.config.loss_config()))
        key = selection_key(row, self.streams)
        row["best"] = key > self.best
        self.best = max(self.best, key)
        meta = CheckpointMeta(self.model.config, self.config.spec, LABELS, thresholds, self.epoch, self.step,
                              {"train": self.config.to_dict(), "val": row})
        folder = self.out / CHECKPOINTS
        folder.mkdir(exist_ok=True)
        save_checkpoint(folder / f"epoch_{self.epoch:04d}.pt", self.model, meta,
                        {"optimizer": self.optimizer.state_dict(), "scheduler": self.scheduler.state_dict(),
                         "best": list(self.best)})
        for old in sorted(folder.glob("epoch_*.pt"))[:-self.config.keep_checkpoints]:
            old.unlink()
        if row["best"]:
            save_checkpoint(self.out / BEST, self.model, meta)
        return row


def latest_checkpoint(out: Path) -> Path | None:
    found = sorted((out / CHECKPOINTS).glob("epoch_*.pt"))
    return found[-1] if found else None


def _fit(config: TrainConfig, out: Path, resume_from: Path | None, runtime: Runtime, workers: int,
         progress: bool | None) -> list[dict[str, Any]]:
    trainer = Trainer(config, out, runtime, workers, progress)
    if resume_from is not None:
        trainer.load(resume_from)
    return trainer.fit()


def train(config: TrainConfig, out: str | Path, runtime: Runtime | None = None, workers: int = 1,
          progress: bool | None = None) -> list[dict[str, Any]]:
    """Start a new run in `out` (absent or empty) and return its per-epoch metrics rows (main process; other
    ranks get []). Without a runtime, one is started from the environment (torchrun or a single process)."""
    out = Path(out)
    config = config.resolved()
    with using_runtime(runtime) as runtime:
        if out.exists() and any(out.iterdir()):
            hint = "; continue it with --resume" if (out / RUN_FILE).exists() else ""
            raise RunError(f"{out} is not empty{hint}")
        runtime.barrier()   # every rank has checked `out` before the main rank writes into it
        if runtime.is_main:
            out.mkdir(parents=True, exist_ok=True)
            write_atomic(out / RUN_FILE, json.dumps({"train": config.to_dict()}, indent=1))
        runtime.barrier()
        return _fit(config, out, None, runtime, workers, progress)


def resume(out: str | Path, runtime: Runtime | None = None, workers: int = 1,
           progress: bool | None = None) -> list[dict[str, Any]]:
    """Continue the run in `out` from its latest epoch checkpoint with its stored settings (a finished run
    returns at once); steps, losses and weights match an uninterrupted run."""
    out = Path(out)
    if not (out / RUN_FILE).is_file():
        raise RunError(f"{out}: no {RUN_FILE}, nothing to resume")
    config = TrainConfig.from_dict(json.loads((out / RUN_FILE).read_text())["train"])
    with using_runtime(runtime) as runtime:
        return _fit(config, out, latest_checkpoint(out), runtime, workers, progress)
