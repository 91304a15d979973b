"""Reading what ecgprint wrote: shard rows' signals, records, render configs and truth; `ecgprint render`'s truth
JSON files. Manifests are read by manifest.py, encoded images by ecgprint.image_decode."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from ..record import Record
from ..truth import Truth
from ..truth_encoding import read_npz

if TYPE_CHECKING:
    from ..render import RenderConfig

def stored_signals(table: pa.Table) -> np.ndarray:
    """The `signal` column of shard rows as float32 [rows, samples, 12] (mV, standard lead order)."""
    signal = table.column("signal").combine_chunks()
    if isinstance(signal, pa.ExtensionArray):   # registered when Hugging Face `datasets` is imported
        signal = signal.storage
    return signal.flatten().flatten().to_numpy(zero_copy_only=False).reshape(table.num_rows, -1, 12)


def row_record(row: dict[str, Any], signal: np.ndarray) -> Record:
    """A shard row (its record_id, labels and fs) with its stored signal as a Record."""
    return Record(signal, float(row["fs"]), record_id=row["record_id"], labels=frozenset(row["labels"]))


def row_config(row: dict[str, Any]) -> RenderConfig:
    """The render config a shard row's page was printed with."""
    # Imported here, not at the top: the renderer's imports (scipy) cost ~0.2 s that image readers need not pay.
    from ..render import RenderConfig
    return RenderConfig.from_dict(json.loads(row["render_config"]))


def lead_points(lead: dict[str, Any]) -> np.ndarray:
    """(N, 2) px coordinates of one lead entry of a truth read back from a shard."""
    return np.stack([np.asarray(lead["x"], np.float64), np.asarray(lead["y"], np.float64)], axis=1)


def row_truth(stored: dict[str, Any]) -> Truth:
    """A shard row's `truth` column value (trace x/y as separate arrays, a flat homography, warps as JSON text)
    as a Truth."""
    leads = [{**lead, "points": lead_points(lead)} for lead in stored["leads"]]
    return Truth.from_dict({**stored, "leads": leads, "warps": json.loads(stored["warps"])})


def read_truth(path: str | Path) -> Truth:
    """The truth `ecgprint render` writes next to a page (`<name>.json`, or `<name>.npz` with --truth npz);
    ValueError `<path>: <reason>` (one line) else."""
    return _truth_and_data(path)[0]


def read_render_truth(path: str | Path) -> Truth:
    """read_truth with `line_px`, which those files lack, set to the trace width the page was drawn with (from the
    render config they carry), so masks can be redrawn from it; ValueError `<path>: <reason>` else."""
    from ..render import RenderConfig, line_thickness_px  # the renderer's imports, only when needed (see row_config)
    truth, data = _truth_and_data(path)
    try:
        truth.line_px = float(line_thickness_px(RenderConfig.from_dict(data["config"])))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path}: no valid render config in the truth file ({exc})") from None
    return truth


def _truth_and_data(path: str | Path) -> tuple[Truth, dict]:
    if Path(path).suffix == ".npz":
        data = read_npz(path)
    else:
        try:
            data = json.loads(Path(path).read_text())
        except OSError as exc:
            raise ValueError(f"{path}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise ValueError(f"{path}: not an ecgprint truth JSON ({exc})") from None
    try:
        return Truth.from_dict(data), data
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
