"""COCO run-length encoding of binary masks, in pycocotools' compressed string form, written here so exporting
needs no compiled dependency (tests check it against pycocotools byte for byte)."""

from __future__ import annotations

import numpy as np


def run_lengths(mask: np.ndarray) -> list[int]:
    """Alternating 0/1 run lengths of `mask` read column by column (COCO order), starting with a run of zeros."""
    flat = np.asarray(mask, bool).ravel(order="F")
    if flat.size == 0:
        return []
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    counts = np.diff(np.concatenate([[0], change, [flat.size]])).tolist()
    return [0, *counts] if flat[0] else counts


def encode(mask: np.ndarray) -> dict:
    """{"size": [h, w], "counts": str}: the compressed RLE pycocotools.mask.encode gives for `mask`."""
    chars = bytearray()
    counts = run_lengths(mask)
    for i, count in enumerate(counts):
        x = count - counts[i - 2] if i > 2 else count    # runs after the third are stored as differences
        more = True
        while more:   # 5 bits per character, sign-aware continuation, offset into printable ASCII
            c = x & 0x1F
            x >>= 5
            more = x != -1 if c & 0x10 else x != 0
            chars.append((c | 0x20 if more else c) + 48)
    return {"size": [int(mask.shape[0]), int(mask.shape[1])], "counts": chars.decode("ascii")}
