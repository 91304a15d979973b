"""VizECGNet and its parts: signal and image encoders, CMAM/SMAM attention, named configurations (create_model)."""

from vizecg.models.attention import CrossModalAttention, SelfModalAttention
from vizecg.models.image_encoder import IMAGE_ENCODERS, ImageEncoder, ImageEncoderConfig
from vizecg.models.registry import create_model, list_models
from vizecg.models.signal_encoder import SIGNAL_ENCODERS, SignalEncoder, SignalEncoderConfig
from vizecg.models.tokens import Features, sincos_positions
from vizecg.models.vizecgnet import VIZECGNET_CONFIGS, StreamLogits, VizECGNet, VizECGNetConfig

__all__ = [
    "CrossModalAttention", "Features", "IMAGE_ENCODERS", "ImageEncoder", "ImageEncoderConfig", "SIGNAL_ENCODERS",
    "SelfModalAttention", "SignalEncoder", "SignalEncoderConfig", "StreamLogits", "VIZECGNET_CONFIGS", "VizECGNet",
    "VizECGNetConfig", "create_model", "list_models", "sincos_positions",
]
