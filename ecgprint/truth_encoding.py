"""Truth files of `ecgprint render`: JSON at a fixed precision, written fast, or a compact `.npz`.

JSON (`<name>.json`, the schema of Truth.to_dict plus the config, seed and artifacts that re-make the image):
coordinates are rounded to JSON_DECIMALS (1/100 px, within 0.005 px of the exact value, as np.round rounds).
json.dumps of nested lists costs ~30 ms for a page's 20k points; formatting them as fixed-point text with numpy
takes ~2 ms and reads back to the same numbers.

NPZ (`<name>.npz`, numpy's zip of arrays, deflate level 1): `points` float32 (N, 2) px of every lead in order
(NaN where not finite; float32 is within 0.0005 px for images up to 8192 px), `visible` bool (N,), `lead_start`
int64 (leads + 1,) offsets of each lead's points, and `truth`, the JSON of everything else. ~100 kB per page
against ~377 kB of JSON; read it back with `read_npz`, which gives the dict `json.load` gives for the JSON.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .truth import JSON_DECIMALS, Truth

TRUTH_FORMATS = ("json", "npz")
_COMPACT = (",", ":")


def fixed_json(values: np.ndarray, decimals: int = JSON_DECIMALS) -> str:
    """A float array (N, K) as JSON text `[[v, ...], ...]`: `decimals` fixed decimals rounded as np.round does,
    null where not finite. Numbers are built digit by digit in a byte matrix, with no Python loop per value."""
    values = np.asarray(values, np.float64)
    if values.ndim != 2 or decimals < 1:
        raise ValueError(f"fixed_json takes a 2-D array and decimals >= 1, got shape {values.shape}, {decimals}")
    n, k = values.shape
    if n == 0:
        return "[]"
    finite = np.isfinite(values).ravel()
    scaled = np.rint(np.where(finite, values.ravel(), 0.0) * 10.0 ** decimals)
    magnitude = np.abs(scaled)
    # int32 division is ~7x faster than int64; larger magnitudes (beyond 21 million px) keep int64
    magnitude = magnitude.astype(np.int32 if magnitude.max() < 2 ** 31 else np.int64)
    digits = max(len(str(int(magnitude.max()))), decimals + 1)
    # One row of bytes per character position (sign, digits with the decimal point, separator) and one column
    # per number, so that each step writes a contiguous row; 0 = no character.
    chars = np.zeros((digits + 3, n * k), np.uint8)
    chars[0] = np.where(scaled < 0, ord("-"), 0)
    rest = magnitude
    row = digits + 1
    for place in range(digits):                           # least significant digit first
        if place == decimals:
            chars[row] = ord(".")
            row -= 1
        rest, digit = np.divmod(rest, 10)
        digit = digit.astype(np.uint8) + ord("0")
        chars[row] = digit if place <= decimals else np.where(magnitude >= 10 ** place, digit, 0)
        row -= 1
    chars[:, ~finite] = 0
    chars[:4, ~finite] = np.frombuffer(b"null", np.uint8)[:, None]
    chars[-1] = ord(",")
    chars[-1, k - 1::k] = ord("]")
    rows = np.concatenate([np.full((n, 1), ord("["), np.uint8), chars.T.reshape(n, -1),
                           np.full((n, 1), ord(","), np.uint8)], axis=1).ravel()
    return "[" + rows[rows != 0][:-1].tobytes().decode("ascii") + "]"


def flags_json(flags: np.ndarray) -> str:
    """A bool array as JSON text `[1,0,...]`."""
    text = np.full(max(2 * len(flags) - 1, 0), ord(","), np.uint8)
    text[::2] = np.asarray(flags, bool).astype(np.uint8) + ord("0")
    return "[" + text.tobytes().decode("ascii") + "]"


def encode_json(meta: dict[str, Any], truth: Truth) -> str:
    """The truth JSON: `meta` (record id, seed, config, artifacts) and Truth.to_dict's keys."""
    leads = []
    for lead in truth.leads:
        head = json.dumps(lead.to_dict(arrays=False), separators=_COMPACT)
        leads.append(f'{head[:-1]},"points":{fixed_json(lead.points.reshape(-1, 2))},'
                     f'"visible":{flags_json(lead.visible)}}}')
    head = json.dumps({**meta, **truth.to_dict(leads=False)}, separators=_COMPACT)
    return f'{head[:-1]},"leads":[{",".join(leads)}]}}'


def encode_npz(meta: dict[str, Any], truth: Truth) -> bytes:
    """The truth as an `.npz` (see the module docstring)."""
    leads = [lead.to_dict(arrays=False) for lead in truth.leads]
    arrays = {
        "points": np.concatenate([lead.points.reshape(-1, 2) for lead in truth.leads]
                                 or [np.zeros((0, 2))]).astype(np.float32),
        "visible": np.concatenate([lead.visible for lead in truth.leads] or [np.zeros(0, bool)]).astype(bool),
        "lead_start": np.cumsum([0, *(len(lead.points) for lead in truth.leads)]).astype(np.int64),
        "truth": np.array(json.dumps({**meta, **truth.to_dict(leads=False), "leads": leads}, separators=_COMPACT)),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, array in arrays.items():
            with archive.open(f"{name}.npy", "w") as member:
                np.lib.format.write_array(member, array, allow_pickle=False)
    return buffer.getvalue()


def read_npz(path: str | Path) -> dict[str, Any]:
    """A truth `.npz` as the dict its JSON would give (points and visible as arrays), for Truth.from_dict;
    ValueError naming the file if it is not one."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            data = json.loads(str(npz["truth"]))
            points, visible, start = npz["points"].astype(np.float64), npz["visible"], npz["lead_start"]
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ValueError(f"{path}: not an ecgprint truth npz ({exc})") from None
    if len(start) != len(data.get("leads", [])) + 1:
        raise ValueError(f"{path}: not an ecgprint truth npz (lead_start does not match the leads)")
    for lead, a, b in zip(data["leads"], start[:-1], start[1:]):
        lead["points"], lead["visible"] = points[a:b], visible[a:b]
    return data
