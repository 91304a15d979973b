"""Reading what ecgprint wrote: encoded images (with the byte and pixel caps); shard rows' signals, records, render
configs and truth; `ecgprint render`'s truth JSON files. Manifests are read by manifest.py."""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
import pyarrow as pa

from ..record import Record
from ..truth import Truth
from ..truth_encoding import read_npz

if TYPE_CHECKING:
    from ..render import RenderConfig

MAX_IMAGE_PIXELS = 8000 * 8000          # decompression-bomb cap for decoded images
MAX_IMAGE_BYTES = 100 * 2 ** 20         # cap on encoded images, and on image files before they are read


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR chunk, without decoding; None for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    return None


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a JPEG's first start-of-frame marker (the one decoders use), found by walking the
    marker segments before the scan data; None for anything else."""
    if data[:3] != b"\xff\xd8\xff":
        return None
    at = 2
    while at + 4 <= len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        if marker == 0xFF:                      # fill byte
            at += 1
        elif 0xD0 <= marker <= 0xD8 or marker == 0x01:   # markers without a length
            at += 2
        elif marker == 0xDA:                    # start of scan: no frame header came first
            return None
        elif 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if at + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            return width, height
        else:
            at += 2 + struct.unpack(">H", data[at + 2:at + 4])[0]
    return None


def decode_image(data: bytes, where: str = "image") -> np.ndarray:
    """Encoded PNG/JPEG bytes -> RGB uint8; ValueError (one line) for empty, oversized or non-PNG/JPEG data.

    The caps are checked before any decoding: bytes first, then pixels from the PNG or JPEG header (a reduced
    decode would not do: a progressive JPEG's decoder holds the full image's coefficients at any scale). Other
    formats never reach OpenCV, whose decoders would allocate before a cap could be checked.
    """
    if not data:
        raise ValueError(f"{where}: empty image (0 bytes)")
    if len(data) > MAX_IMAGE_BYTES:
        raise ValueError(f"{where}: {len(data)} bytes exceed the {MAX_IMAGE_BYTES} byte cap for an encoded image")
    size = png_size(data) or jpeg_size(data)
    if size is None:
        raise ValueError(f"{where}: not a decodable PNG/JPEG image")
    if size[0] * size[1] > MAX_IMAGE_PIXELS:
        raise ValueError(f"{where}: image larger than the {MAX_IMAGE_PIXELS} pixel cap")
    try:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    except cv2.error:
        image = None
    if image is None:
        raise ValueError(f"{where}: not a decodable PNG/JPEG image")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


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
