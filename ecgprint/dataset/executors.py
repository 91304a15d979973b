"""Where shard builds run: in this process, a local process pool, or a Dask distributed cluster.

Every executor yields ShardReports as shards finish; the output files do not depend on which one ran.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed

from .plan import ShardSpec
from .recipe import Recipe
from .worker import ShardReport, build_shard

EXECUTORS = ("local", "dask")


def run_local(recipe: Recipe, shards: list[ShardSpec], out: str, workers: int) -> Iterator[ShardReport]:
    if workers <= 1:
        for shard in shards:
            yield build_shard(recipe, shard, out)
        return
    # forkserver, not fork: a forked child can inherit a held lock from OpenCV's or BLAS's threads; the
    # server is forked once from a clean process, so workers start faster than with spawn.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
        futures = [pool.submit(build_shard, recipe, shard, out) for shard in shards]
        for future in as_completed(futures):
            yield future.result()


def run_dask(recipe: Recipe, shards: list[ShardSpec], out: str, workers: int,
             scheduler: str | None) -> Iterator[ShardReport]:
    """On the cluster at `scheduler` (tcp://host:port), or a local cluster of `workers` processes. Workers
    must see `out` at the same path (a shared filesystem on a real cluster)."""
    try:
        from dask.distributed import Client, LocalCluster, as_completed as dask_completed
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
