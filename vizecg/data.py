"""Parquet shards -> tensors: lazy row-group reads (memory-mapped), image decode + resize, signal fit.

vizecg reads only the shards `ecgprint build` writes; nothing is loaded into RAM beyond a few row groups.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from ecgprint.dataset.manifest import Manifest
from ecgprint.dataset.read import stored_signals
from ecgprint.image_decode import decode_image
from vizecg.preprocess import InputSpec, fit_signal, image_tensor


class ShardDataset(Dataset):
    """Rows of one split of a built dataset, followed by the rows of any `extra_parts` ((root, split) pairs, e.g.
    real records beside synthetic ones), in that order. Items: dict(image [3,H,W], signal [12,N], labels [6], index)."""

    COLUMNS = ("id", "image", "signal", "fs", "label_vector")

    def __init__(self, root: str | Path, split: str, spec: InputSpec = InputSpec(),
                 augment: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
                 cache_row_groups: int = 4, extra_parts: Sequence[tuple[str | Path, str]] = ()):
        self.root, self.split, self.spec, self.augment = Path(root), split, spec, augment
        self.files: list[Path] = []
        for part_root, part_split in ((root, split), *extra_parts):
            files = Manifest.read(part_root).files(part_split)
            if not files:
                raise ValueError(f"{part_root}: no rows in split {part_split!r}")
            self.files += files
        self.groups: list[tuple[int, int, int]] = []     # (file, row group, rows)
        for f, path in enumerate(self.files):
            meta = pq.ParquetFile(path).metadata
            self.groups += [(f, g, meta.row_group(g).num_rows) for g in range(meta.num_row_groups)]
        self.starts = np.cumsum([0] + [g[2] for g in self.groups])
        self._cache: OrderedDict[int, dict] = OrderedDict()
        self._cache_size = cache_row_groups
        self._files: dict[int, pq.ParquetFile] = {}

    def __len__(self) -> int:
        return int(self.starts[-1])

    def _group(self, g: int) -> dict:
        if g in self._cache:
            self._cache.move_to_end(g)
            return self._cache[g]
        f, rg, _ = self.groups[g]
        if f not in self._files:
            self._files[f] = pq.ParquetFile(self.files[f], memory_map=True)
        table = self._files[f].read_row_group(rg, columns=list(self.COLUMNS))
        data = {
            "id": table.column("id").to_pylist(),
            "image": table.column("image").combine_chunks().field("bytes"),
            "signal": stored_signals(table),
            "fs": table.column("fs").to_numpy(),
            "labels": np.stack(table.column("label_vector").to_numpy(zero_copy_only=False)).astype(np.float32),
        }
        self._cache[g] = data
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return data

    def locate(self, index: int) -> tuple[int, int]:
        """(row group, offset) of a dataset index."""
        g = int(np.searchsorted(self.starts, index, side="right") - 1)
        return g, index - int(self.starts[g])

    def __getitem__(self, index: int) -> dict:
        if not 0 <= index < len(self):
            raise IndexError(index)
        g, k = self.locate(index)
        data = self._group(g)
        image = decode_image(data["image"][k].as_py(), f"row {index} ({data['id'][k]})")
        if self.augment is not None:
            image = self.augment(image, np.random.default_rng(index))
        return {
            "image": image_tensor(image, self.spec),
            "signal": torch.from_numpy(fit_signal(data["signal"][k], float(data["fs"][k]), self.spec)),
            "labels": torch.from_numpy(data["labels"][k]),
            "index": index,
        }


class RowGroupShuffle(Sampler[int]):
    """Shuffle row groups, then rows within each: random enough for SGD, and each row group is read once
    per epoch instead of once per row (Parquet decodes whole row groups).

    For DDP, every rank draws the same order and takes its own contiguous slice (so its row groups stay whole),
    padded by wrapping around so that all ranks get the same number of rows, as DistributedSampler does.
    """

    def __init__(self, dataset: ShardDataset, seed: int = 0, replicas: int = 1, rank: int = 0):
        if not 0 <= rank < replicas:
            raise ValueError(f"need 0 <= rank < replicas, got rank {rank} of {replicas}")
        self.dataset, self.seed, self.epoch = dataset, seed, 0
        self.replicas, self.rank = replicas, rank
        self.per_rank = -(-len(dataset) // replicas)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return self.per_rank

    def __iter__(self) -> Iterator[int]:
        rng = np.random.default_rng([self.seed, self.epoch])
        order = []
        for g in rng.permutation(len(self.dataset.groups)):
            start, rows = int(self.dataset.starts[g]), self.dataset.groups[g][2]
            order.append(start + rng.permutation(rows))
        padded = np.resize(np.concatenate(order), self.per_rank * self.replicas)   # wraps around
        yield from padded[self.rank * self.per_rank:(self.rank + 1) * self.per_rank].tolist()


def make_loader(dataset: ShardDataset, batch_size: int = 16, shuffle: bool = False, seed: int = 0,
                workers: int = 0, replicas: int = 1, rank: int = 0) -> DataLoader:
    """A DataLoader over a ShardDataset; shuffling is row-group aware and, with replicas > 1, sharded by rank
    (see RowGroupShuffle)."""
    if replicas > 1 and not shuffle:
        raise ValueError("sharding by rank (replicas > 1) needs shuffle=True")
    sampler = RowGroupShuffle(dataset, seed, replicas, rank) if shuffle else None
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler, num_workers=workers,
                      persistent_workers=workers > 0, drop_last=False)
