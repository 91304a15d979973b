"""A page image read back into the model's signal input by ecgprint's digitizer: the input of the reader route of
`vizecg predict` (digitize, then classify) and of benchmarks/digitize_then_classify.py. Torch-free."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from vizecg.preprocess import InputSpec

PAGE_S = 10.0   # a printed page shows 10 s; the stored signal centres it in spec.signal_samples (fit_length)


@dataclass(frozen=True)
class PageSignal:
    """float32 [12, samples] mV as the reader consumes it (0 where no lead was printed), or None when the digitizer
    refused the page; `status` is the layout read (e.g. `3x4+II`) or `refused: <reason>`."""

    signal: np.ndarray | None
    status: str


def page_offset(spec: InputSpec) -> int:
    """The sample at which a stored signal puts the page's t = 0 (the 10-s page centred, as fit_length pads it)."""
    return (spec.signal_samples - int(round(PAGE_S * spec.signal_fs))) // 2


def page_signal(image: np.ndarray, spec: InputSpec = InputSpec()) -> PageSignal:
    """Digitize an RGB uint8 page blind at spec.signal_fs and place it where the stored signal of a printed 10-s
    page sits; a page whose grid, rows or layout cannot be read (ecgprint raises ValueError; OpenCV or the linear
    algebra may fail on degenerate images) is refused, not guessed."""
    from ecgprint.digitize.digitizer import digitize  # imported on first use: keeps predict's start-up short

    try:
        found = digitize(image, fs=spec.signal_fs)
    except (ValueError, cv2.error, np.linalg.LinAlgError) as exc:
        return PageSignal(None, f"refused: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
    offset = page_offset(spec)
    values = np.nan_to_num(found.signal[:spec.signal_samples - offset], nan=0.0)
    signal = np.zeros((12, spec.signal_samples), np.float32)
    signal[:, offset:offset + len(values)] = values.T
    return PageSignal(signal, found.geometry.layout)
