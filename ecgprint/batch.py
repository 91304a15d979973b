"""Render many records to files, in this process or on local worker processes, with the same bytes either way.

`ecgprint render --workers N` runs here: this process reads and checks the records (cheap) and renders, encodes
and writes pages beside N - 1 worker processes, forked from it (ecgprint.dataset.pool.forked_context) so that they
start with the render stack already imported.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2

from .heap import keep_page_buffers
from .record import Record
from .render import RenderConfig, render


@dataclass(frozen=True)
class PageJob:
    """One page to write: `record` rendered with `config` and `seed`, saved as `folder/name.*`."""

    record: Record
    config: RenderConfig
    seed: int
    folder: Path
    name: str
    save_options: dict[str, Any] = field(default_factory=dict)   # RenderResult.save's keyword arguments


def write_page(job: PageJob) -> list[Path] | ValueError:
    """Render and save one page; the paths written, or the ValueError that refused the record (returned, not
    raised, so that a worker reports it like any result)."""
    try:
        return render(job.record, job.config, job.seed).save(job.folder, job.name, **job.save_options)
    except ValueError as exc:
        return exc


def write_pages(jobs: Iterable[PageJob], workers: int = 1) -> Iterator[list[Path] | ValueError]:
    """write_page for each job, in order, on `workers` processes (see ordered_map). OpenCV runs one thread per
    process, as in a dataset build: the parallelism comes from the workers, so N workers use N cores. Freed page
    buffers stay in each process's heap for the next page (ecgprint.heap)."""
    keep_page_buffers()
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        yield from ordered_map(write_page, jobs, workers, initializer=_page_worker)
    finally:
        cv2.setNumThreads(threads)


def _page_worker() -> None:
    """Pool process set-up for write_pages: one OpenCV thread, page buffers kept."""
    cv2.setNumThreads(1)
    keep_page_buffers()


def ordered_map(fn: Callable, items: Iterable, workers: int = 1, initializer: Callable | None = None,
                initargs: tuple = ()) -> Iterator:
    """fn(item) for each item, in order. With N > 1 workers, this process is one of them beside N - 1 pool
    processes forked from it (as in `ecgprint build`): it keeps 2 items per pool process in flight and computes the
    next item itself while they are all busy. `initializer(*initargs)` runs in each pool process first."""
    if workers <= 1:
        yield from map(fn, items)
        return
    from concurrent.futures import Future, ProcessPoolExecutor  # ~20 ms of imports a single worker skips

    from .dataset.pool import forked_context
    helpers = workers - 1
    with ProcessPoolExecutor(helpers, mp_context=forked_context(), initializer=initializer,
                             initargs=initargs) as pool:
        pending: deque[Future] = deque()   # pool futures and results computed here, in item order
        for item in items:
            if sum(not f.done() for f in pending) < 2 * helpers:
                pending.append(pool.submit(fn, item))
            else:
                pending.append(Future())
                pending[-1].set_result(fn(item))
            while pending and pending[0].done():
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
