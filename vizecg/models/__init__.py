"""VizECGNet and its parts: signal and image encoders, CMAM/SMAM attention, named configurations (create_model).

The names are imported on first use (see ecgprint.lazy_exports), so `import vizecg.models.config` does not load
torch.
"""

from ecgprint.lazy_exports import lazy_exports

_EXPORTS = {   # public name -> the module defining it
    "CrossModalAttention": "vizecg.models.attention",
    "SelfModalAttention": "vizecg.models.attention",
    "IMAGE_ENCODERS": "vizecg.models.config",
    "ImageEncoderConfig": "vizecg.models.config",
    "SIGNAL_ENCODERS": "vizecg.models.config",
    "SignalEncoderConfig": "vizecg.models.config",
    "VIZECGNET_CONFIGS": "vizecg.models.config",
    "VizECGNetConfig": "vizecg.models.config",
    "ImageEncoder": "vizecg.models.image_encoder",
    "create_model": "vizecg.models.registry",
    "list_models": "vizecg.models.registry",
    "SignalEncoder": "vizecg.models.signal_encoder",
    "Features": "vizecg.models.tokens",
    "sincos_positions": "vizecg.models.tokens",
    "StreamLogits": "vizecg.models.vizecgnet",
    "VizECGNet": "vizecg.models.vizecgnet",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
