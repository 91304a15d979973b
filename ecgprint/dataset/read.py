"""Reading what `ecgprint build` wrote: encoded images (with the pixel cap) and stored signals of shard rows."""

from __future__ import annotations

import struct

import cv2
import numpy as np
import pyarrow as pa

MAX_IMAGE_PIXELS = 8000 * 8000          # decompression-bomb cap for decoded images


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR chunk, without decoding; None for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    return None


def decode_image(data: bytes, where: str = "image") -> np.ndarray:
    """Encoded PNG/JPEG bytes -> RGB uint8; ValueError (one line) for non-images and oversized images.

    The pixel cap is checked before the full decode: from the PNG header, else from a 1/8-scale decode (cheap
    for JPEG, whose DCT scales; for PNG it would cost a full inflate, hence the header).
    """
    buf = np.frombuffer(data, np.uint8)
    size = png_size(data)
    if size is None:
        probe = cv2.imdecode(buf, cv2.IMREAD_REDUCED_GRAYSCALE_8)
        if probe is None:
            raise ValueError(f"{where}: not a decodable PNG/JPEG image")
        size = (probe.shape[1] * 8, probe.shape[0] * 8)
    if size[0] * size[1] > MAX_IMAGE_PIXELS:
        raise ValueError(f"{where}: image larger than the {MAX_IMAGE_PIXELS} pixel cap")
    image = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"{where}: not a decodable PNG/JPEG image")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def stored_signals(table: pa.Table) -> np.ndarray:
    """The `signal` column of shard rows as float32 [rows, samples, 12] (mV, standard lead order)."""
    signal = table.column("signal").combine_chunks()
    if isinstance(signal, pa.ExtensionArray):   # registered when Hugging Face `datasets` is imported
        signal = signal.storage
    return signal.flatten().flatten().to_numpy(zero_copy_only=False).reshape(table.num_rows, -1, 12)
