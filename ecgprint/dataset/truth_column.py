"""Ground truth as an Arrow struct column: trace coordinates stay float32 arrays (not JSON text), so a
shard row's truth costs ~1 ms to store instead of ~25 ms of float formatting, and reads back as arrays
(ecgprint.dataset.read.row_truth)."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from ..truth import Truth

F32_LIST = pa.list_(pa.float32())
TEXT_TYPE = pa.struct([("text", pa.string()), ("box", F32_LIST)])
LEAD_TYPE = pa.struct([
    ("lead", pa.string()), ("label", pa.string()), ("sign", pa.float32()), ("row", pa.int32()),
    ("t_start", pa.float64()), ("t_end", pa.float64()), ("sample_start", pa.int32()), ("sample_end", pa.int32()),
    ("box", F32_LIST), ("cell", F32_LIST), ("x", F32_LIST), ("y", F32_LIST), ("visible", pa.list_(pa.bool_())),
])
TRUTH_TYPE = pa.struct([
    ("image_size", pa.list_(pa.int32())), ("px_per_mm", pa.float64()), ("line_px", pa.float64()),
    ("page_to_image", pa.list_(pa.float64())),      # 3x3 row-major; null once a non-projective warp applied
    ("warps", pa.string()),                          # JSON list of the geometric steps after printing
    ("leads", pa.list_(LEAD_TYPE)),
    ("calibration", pa.list_(F32_LIST)),             # per row: x0, y0, x1, y1, ... px
    ("text", pa.list_(TEXT_TYPE)),
])


def _offsets(lengths) -> pa.Array:
    return pa.array(np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]).astype(np.int32), pa.int32())


def _f32_lists(arrays: list[np.ndarray]) -> pa.ListArray:
    flat = np.concatenate([np.asarray(a, np.float32).ravel() for a in arrays]) if arrays else np.zeros(0, np.float32)
    return pa.ListArray.from_arrays(_offsets([np.asarray(a).size for a in arrays]), pa.array(flat, pa.float32()))


def truth_array(truths: list[Truth]) -> pa.StructArray:
    """One struct per Truth, built from flat numpy buffers (no per-point Python objects)."""
    leads = [lt for t in truths for lt in t.leads]
    lead_struct = pa.StructArray.from_arrays([
        pa.array([lt.lead for lt in leads], pa.string()), pa.array([lt.label for lt in leads], pa.string()),
        pa.array([lt.sign for lt in leads], pa.float32()), pa.array([lt.row for lt in leads], pa.int32()),
        pa.array([lt.t_start for lt in leads], pa.float64()), pa.array([lt.t_end for lt in leads], pa.float64()),
        pa.array([lt.sample_start for lt in leads], pa.int32()), pa.array([lt.sample_end for lt in leads], pa.int32()),
        _f32_lists([lt.box for lt in leads]), _f32_lists([lt.cell for lt in leads]),
        _f32_lists([lt.points[:, 0] for lt in leads]), _f32_lists([lt.points[:, 1] for lt in leads]),
        pa.ListArray.from_arrays(_offsets([len(lt.visible) for lt in leads]),
                                 pa.array(np.concatenate([lt.visible for lt in leads]) if leads else [], pa.bool_())),
    ], fields=list(LEAD_TYPE))
    calibration = [c for t in truths for c in t.calibration]
    texts = [x for t in truths for x in t.text]
    text_struct = pa.StructArray.from_arrays([pa.array([x["text"] for x in texts], pa.string()),
                                              _f32_lists([x["box"] for x in texts])], fields=list(TEXT_TYPE))
    return pa.StructArray.from_arrays([
        pa.array([[t.width, t.height] for t in truths], pa.list_(pa.int32())),
        pa.array([t.px_per_mm for t in truths], pa.float64()),
        pa.array([t.line_px for t in truths], pa.float64()),
        pa.array([None if t.page_to_image is None else np.asarray(t.page_to_image, float).ravel().tolist()
                  for t in truths], pa.list_(pa.float64())),
        pa.array([json.dumps(t.warps, sort_keys=True) for t in truths], pa.string()),
        pa.ListArray.from_arrays(_offsets([len(t.leads) for t in truths]), lead_struct),
        pa.ListArray.from_arrays(_offsets([len(t.calibration) for t in truths]), _f32_lists(calibration)),
        pa.ListArray.from_arrays(_offsets([len(t.text) for t in truths]), text_struct),
    ], fields=list(TRUTH_TYPE))

