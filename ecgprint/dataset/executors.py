"""Where shard builds run: in this process, a local process pool, or a Dask distributed cluster.

Every executor yields ShardReports as shards finish; the output files do not depend on which one ran.
The worker code is imported when a build runs, so the CLI can read EXECUTORS and start the worker server first.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from queue import SimpleQueue
from threading import Thread
from typing import TYPE_CHECKING

from .pool import worker_context

if TYPE_CHECKING:
    from .plan import ShardSpec
    from .recipe import Recipe
    from .worker import ShardReport

EXECUTORS = ("local", "dask")


def run_local(recipe: Recipe, shards: list[ShardSpec], out: str, workers: int) -> Iterator[ShardReport]:
    """Largest shards first, each taken from one shared queue by whichever worker is free, so the tail is at
    most one small shard. With N > 1 workers this process is one of them beside N - 1 pool processes, so
    work starts before the pool has finished importing."""
    from .worker import build_shard
    queue = deque(sorted(shards, key=lambda s: -len(s.rows)))
    if workers <= 1 or len(queue) <= 1:
        while queue:
            yield build_shard(recipe, queue.popleft(), out)
        return
    finished: SimpleQueue = SimpleQueue()   # reports (or the error) of shards built by pool processes

    def feed(pool: ProcessPoolExecutor) -> None:
        """Keep one pool process busy: take the next shard, wait for it, hand its report over."""
        while True:
            try:
                shard = queue.popleft()
            except IndexError:
                return
            try:
                finished.put(pool.submit(build_shard, recipe, shard, out).result())
            except BaseException as exc:
                finished.put(exc)
                return

    remaining = len(queue)
    helpers = min(workers - 1, remaining - 1)
    with ProcessPoolExecutor(helpers, mp_context=worker_context()) as pool:
        feeders = [Thread(target=feed, args=(pool,), daemon=True) for _ in range(helpers)]
        for feeder in feeders:
            feeder.start()
        try:
            while remaining:
                try:
                    shard = queue.popleft()
                except IndexError:
                    shard = None
                if shard is not None:
                    remaining -= 1
                    yield build_shard(recipe, shard, out)
                while remaining and (shard is None or not finished.empty()):
                    remaining -= 1
                    item = finished.get()
                    if isinstance(item, BaseException):
                        raise item
                    yield item
        finally:
            queue.clear()   # on an error, feeders finish their current shard and stop
            for feeder in feeders:
                feeder.join()


def run_dask(recipe: Recipe, shards: list[ShardSpec], out: str, workers: int,
             scheduler: str | None) -> Iterator[ShardReport]:
    """On the cluster at `scheduler` (tcp://host:port), or a local cluster of `workers` processes. Workers
    must see `out` at the same path (a shared filesystem on a real cluster)."""
    from .worker import build_shard
    try:
        from dask.distributed import Client, LocalCluster
        from dask.distributed import as_completed as dask_completed
    except ImportError:
        raise RuntimeError("the dask executor needs the optional extra: pip install 'ecgprint[dask]'") from None
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                               dashboard_address=None)
    client = Client(cluster if cluster is not None else scheduler)
    try:
        futures = client.map(build_shard, [recipe] * len(shards), shards, [out] * len(shards), pure=False)
        for future in dask_completed(futures):
            yield future.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
