"""vizecg: VizECGNet, which learns from ECG signal and image together and classifies an ECG from its image alone.

The public API is imported on first use (see ecgprint.lazy_exports), so `import vizecg` does not load torch.
"""

from ecgprint.lazy_exports import lazy_exports

_EXPORTS = {   # public name -> the module defining it
    "VizECGNet": "vizecg.models",
    "create_model": "vizecg.models",
    "Predictor": "vizecg.predict",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
