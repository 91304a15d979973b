"""Where a run executes: device auto-selection, CPU threads, and the torchrun (DDP) process group if there is one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.distributed as dist

from vizecg.devices import DEVICES


@dataclass(frozen=True)
class Runtime:
    """This process's device, its rank and the number of processes (1 without torchrun)."""

    device: torch.device
    rank: int = 0
    world: int = 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world > 1

    def barrier(self) -> None:
        if self.distributed:
            dist.barrier()

    def all_sum(self, values: list[float]) -> list[float]:
        """Element-wise sum over all processes (the values themselves without torchrun)."""
        if not self.distributed:
            return values
        tensor = torch.tensor(values, dtype=torch.float64, device=self.device)
        dist.all_reduce(tensor)
        return tensor.tolist()


def select_device(name: str = "auto", local_rank: int = 0) -> torch.device:
    """`auto` picks CUDA (this process's GPU under torchrun), then Apple MPS, then the CPU."""
    if name not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}, got {name!r}")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
    if name == "cuda":
        if not torch.cuda.is_available():
            raise ValueError("device cuda requested but CUDA is not available")
        return torch.device("cuda", local_rank % torch.cuda.device_count())
    if name == "mps" and not torch.backends.mps.is_available():
        raise ValueError("device mps requested but MPS is not available")
    return torch.device(name)


def start_runtime(device: str = "auto", threads: int | None = None) -> Runtime:
    """Join the torchrun process group when WORLD_SIZE > 1 (gloo on CPU, nccl on CUDA) and set CPU threads.

    threads=None shares the machine's cores evenly among the processes torchrun started on this node.
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank, local_rank = int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0"))
    chosen = select_device(device, local_rank)
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE", str(world)))
    torch.set_num_threads(threads or max(1, (os.cpu_count() or 1) // local_world))
    if world > 1 and not dist.is_initialized():
        if chosen.type == "cuda":
            torch.cuda.set_device(chosen)
        dist.init_process_group("nccl" if chosen.type == "cuda" else "gloo")
    return Runtime(chosen, rank, world)


def stop_runtime(runtime: Runtime) -> None:
    """Leave the process group (if any)."""
    if runtime.distributed and dist.is_initialized():
        dist.destroy_process_group()


@contextmanager
def using_runtime(runtime: Runtime | None, device: str = "auto", threads: int | None = None) -> Iterator[Runtime]:
    """The given runtime, or one started for this block (see start_runtime) and stopped after it."""
    if runtime is not None:
        yield runtime
        return
    runtime = start_runtime(device, threads)
    try:
        yield runtime
    finally:
        stop_runtime(runtime)
