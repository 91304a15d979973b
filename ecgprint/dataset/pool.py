"""The process contexts of local workers: a forkserver that imports the build's worker code once, and plain fork
for page renders.

Importing the render stack (OpenCV, the artifact modules) takes 0.3–1.3 s (docs/performance.md). Without a
preload every pool process pays it again; with one, pool processes fork from a server that already holds those
modules and start in ~20 ms. This module imports nothing heavy, so a caller can start the server before its own
imports.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing import forkserver
from multiprocessing.context import BaseContext

PRELOAD = ["ecgprint.dataset.worker"]


def worker_context(preload: list[str] = PRELOAD) -> BaseContext:
    """The forkserver context, its server started (once per process) with the worker code (`preload`, the
    modules a job needs; default: the dataset worker) imported.

    forkserver, not fork: a forked child can inherit a lock held by one of OpenCV's or BLAS's threads; the
    server is a clean process. `ensure_running` returns at once and the server imports in the background."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(preload)   # no effect if this process's server is already running
    forkserver.ensure_running()
    return context


def forked_context() -> BaseContext:
    """The fork context, for `ecgprint render --workers N`: the caller has already imported the whole render stack,
    so a forked child renders at once, where a forkserver would first spend ~0.6 s importing it again (a third of
    a 100-page run's gain on two cores, docs/performance.md). Safe here because the caller sets OpenCV to one thread
    before forking (no OpenCV worker thread exists) and OpenBLAS re-creates its threads in the child."""
    return multiprocessing.get_context("fork")
