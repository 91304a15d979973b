"""The reader: a signal-only VizECGNet that classifies what the digitizer reads off a page (vizecg.page_signal),
trained on stored signals cut to what a printed layout shows and jittered by the digitizer's kinds of error.
It is the first route of `vizecg predict`; benchmarks/digitize_then_classify.py measures it out of fold."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from vizecg.evaluation.scoring import model_streams
from vizecg.models import VizECGNet, VizECGNetConfig
from vizecg.models.config import SignalEncoderConfig
from vizecg.page_signal import PAGE_S, page_offset
from vizecg.preprocess import InputSpec
from vizecg.training.checkpoint import CheckpointMeta, load_model

COLUMNS_3X4 = [(0, 1, 2), (3, 4, 5), (6, 7, 8), (9, 10, 11)]   # I II III | aVR aVL aVF | V1 V2 V3 | V4 V5 V6
RHYTHM = {"3x4": [], "3x4+II": [1], "3x4+II,V1,V5": [1, 6, 10]}
PRINTED = {"3x4+II": 0.45, "3x4": 0.15, "3x4+II,V1,V5": 0.15, "6x2": 0.15, "12x1": 0.10}   # layout draw odds
BATCH, LEARNING_RATE = 32, 1e-3
# Twice `tiny`'s widths: on folds 0-1 of the real-record benchmark (stored signals, out of fold) macro F1 0.693 vs
# 0.575 for `tiny`, AUROC 0.948 vs 0.944 (docs/model.md, "The reader"); 250k parameters, 1 MB in fp32.
READER_ENCODER = SignalEncoderConfig(stem_width=16, widths=(32, 32, 48, 64))


def reader_config() -> VizECGNetConfig:
    """The reader: `tiny`'s head with READER_ENCODER, signal stream alone (no image stream, no CMAM)."""
    return VizECGNetConfig.named("tiny", streams="signal", cmam=False, signal=READER_ENCODER)


def printed_mask(rng: np.random.Generator, n: int, spec: InputSpec = InputSpec()) -> np.ndarray:
    """float32 [n, samples, 12] 0/1: the samples of a 10-s page that a layout drawn from PRINTED shows per lead
    (3x4: 2.5 s of each lead in its column, plus 10-s rhythm strips; 6x2: 5 s; 12x1: all 10 s)."""
    mask = np.zeros((n, spec.signal_samples, 12), np.float32)
    start, page = page_offset(spec), int(round(PAGE_S * spec.signal_fs))
    for i, kind in enumerate(rng.choice(list(PRINTED), n, p=list(PRINTED.values()))):
        if kind == "12x1":
            mask[i, start:start + page] = 1
        elif kind == "6x2":
            mask[i, start:start + page // 2, :6] = 1
            mask[i, start + page // 2:start + page, 6:] = 1
        else:
            for c, leads in enumerate(COLUMNS_3X4):
                mask[i, start + c * page // 4:start + (c + 1) * page // 4, list(leads)] = 1
            mask[i, start:start + page, RHYTHM[kind]] = 1
    return mask


def jitter(rng: np.random.Generator, x: np.ndarray) -> np.ndarray:
    """Amplitude x0.8-1.2 per signal, a 0.03 mV offset per lead, 0.02 mV white noise: the digitizer's errors."""
    x = x * rng.uniform(0.8, 1.2, (len(x), 1, 1)).astype(np.float32)
    return x + rng.normal(0, 0.03, (len(x), 1, 12)).astype(np.float32) + rng.normal(0, 0.02, x.shape).astype(np.float32)


def train_reader(x: np.ndarray, y: np.ndarray, epochs: int, seed: int, config: VizECGNetConfig | None = None,
                 spec: InputSpec = InputSpec(), read: np.ndarray | None = None) -> VizECGNet:
    """Train on signals x [n, samples, 12] with labels y [n, labels] (NaN: not assessed, no loss): Adam 1e-3
    cosine-annealed, batch 32, BCE; each batch jittered afresh and, except rows `read` [n] bool (signals already read
    off pages by the digitizer), printed-masked. Deterministic for a seed on one thread."""
    if x.ndim != 3 or x.shape[1:] != (spec.signal_samples, 12) or len(y) != len(x):
        raise ValueError(f"need signals [n, {spec.signal_samples}, 12] and labels [n, k], got {x.shape}, {y.shape}")
    read = np.zeros(len(x), bool) if read is None else np.asarray(read, bool)
    assessed = (~np.isnan(y)).astype(np.float32)
    y = np.nan_to_num(y).astype(np.float32)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = VizECGNet(config or reader_config())
    optimiser = torch.optim.Adam(model.parameters(), LEARNING_RATE)
    steps = len(x) // BATCH
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, max(1, epochs * steps))
    model.train()
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for b in range(steps):
            idx = order[b * BATCH:(b + 1) * BATCH]
            mask = np.where(read[idx, None, None], np.float32(1), printed_mask(rng, len(idx), spec))
            batch = jitter(rng, x[idx] * mask)
            logits = model(torch.from_numpy(batch.transpose(0, 2, 1).copy()), None).signal
            weight = torch.from_numpy(assessed[idx])
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logits, torch.from_numpy(y[idx]), weight, reduction="sum") / weight.sum().clamp(min=1.0)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
    return model.eval()


@torch.no_grad()
def reader_probabilities(model: VizECGNet, x: np.ndarray, batch: int = 64) -> np.ndarray:
    """[n, labels] float64 probabilities of signals x [n, 12, samples] (the layout page_signal returns)."""
    out = [torch.sigmoid(model(torch.from_numpy(np.ascontiguousarray(x[b:b + batch], np.float32)), None).signal)
           for b in range(0, len(x), batch)]
    return torch.cat(out).numpy().astype(np.float64) if out else np.zeros((0, model.config.num_labels))


def load_reader(path: str | Path, device: torch.device | str = "cpu") -> tuple[VizECGNet, CheckpointMeta]:
    """A reader checkpoint's model (eval mode) and metadata; ValueError naming the file for any other checkpoint."""
    model, meta = load_model(path, device)
    if model_streams(model.config) != ("signal",) or "signal" not in meta.thresholds:
        raise ValueError(f"{path}: not a reader (a signal-only checkpoint with signal thresholds)")
    return model, meta
