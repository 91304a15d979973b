"""Which engine runs `vizecg predict`: ONNX Runtime (no torch import, fast start) or PyTorch."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from vizecg.onnx_engine import BUNDLED, PRESENCE_BUNDLED, READER_BUNDLED, OnnxPredictor
from vizecg.prediction import ImagePredictor

ENGINES = ("auto", "torch", "onnx")


def choose_engine(engine: str = "auto", ckpt: str | Path | None = None, device: str = "auto") -> str:
    """`torch` or `onnx`. auto: an `.onnx` --ckpt needs ONNX Runtime and any other --ckpt torch; the bundled models
    run on ONNX Runtime when it is installed, the bundled ONNX files exist and no GPU device was asked for."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    if engine != "auto":
        return engine
    if ckpt is not None:
        return "onnx" if Path(ckpt).suffix == ".onnx" else "torch"
    usable = (device in ("auto", "cpu") and importlib.util.find_spec("onnxruntime") is not None
              and BUNDLED.is_file() and PRESENCE_BUNDLED.is_file() and READER_BUNDLED.is_file())
    return "onnx" if usable else "torch"


def open_predictor(engine: str = "auto", ckpt: str | Path | None = None, device: str = "auto",
                   batch_size: int = 8, reader: str | Path | None = "auto") -> ImagePredictor:
    """The predictor of `choose_engine` with `reader` (vizecg.prediction.reader_path); torch is imported only for
    the torch engine. ValueError for a device the ONNX engine (CPU only) cannot use, or for the chosen engine's
    runtime missing."""
    if choose_engine(engine, ckpt, device) == "torch":
        if importlib.util.find_spec("torch") is None:
            raise ValueError("the torch engine needs torch, which is not installed; --engine onnx runs without it")
        from vizecg.predict import Predictor
        from vizecg.training.runtime import select_device
        return Predictor(ckpt, select_device(device), batch_size, reader)
    if device not in ("auto", "cpu"):
        raise ValueError(f"the ONNX engine runs on the CPU; use --engine torch for device {device}")
    if importlib.util.find_spec("onnxruntime") is None:
        raise ValueError("the ONNX engine needs onnxruntime: pip install onnxruntime (the `predict` extra)")
    return OnnxPredictor(ckpt, batch_size=batch_size, reader=reader)
