"""Decoding PNG/JPEG bytes with byte and pixel caps checked from the header before any decoding: the one image
decoder of ecgprint and vizecg (shard rows, `vizecg predict` inputs, exports). numpy and OpenCV only, so a
predict-only install pays no dataset imports."""

from __future__ import annotations

import struct

import cv2
import numpy as np

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
