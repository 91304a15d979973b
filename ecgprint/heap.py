"""Keep page-sized buffers in the process heap while many pages are rendered (glibc's malloc only).

A page at 200 dpi is an ~11 MB array, and rendering one makes several. glibc serves such blocks with a fresh
mmap and gives them back to the kernel when freed, so a fresh process (the `ecgprint render` CLI, a build
worker) faults every page's memory in anew: ~1,800 page faults and ~4 ms of system time per CPSC page, 7 % of
the page (docs/performance.md). Fixing the mmap threshold at its maximum and raising the trim threshold keeps
freed blocks for the next page instead; memory held stays bounded by the trim threshold.
"""

from __future__ import annotations

import ctypes
import functools

M_TRIM_THRESHOLD = -1                      # mallopt parameters, glibc <malloc.h>
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024          # glibc's maximum on 64-bit: blocks up to 32 MB come from the heap
TRIM_THRESHOLD = 128 * 1024 * 1024         # free heap kept for reuse before it is returned to the kernel


@functools.cache
def keep_page_buffers() -> bool:
    """Set the two thresholds once per process; False where malloc is not glibc's (nothing changes there)."""
    try:
        mallopt = ctypes.CDLL(None).mallopt   # the symbols already loaded, libc's among them
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
