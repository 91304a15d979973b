"""timm-style entry point: `create_model(name, **overrides)` builds a model from a registered configuration."""

from __future__ import annotations

from typing import Any

from vizecg.models.config import VIZECGNET_CONFIGS
from vizecg.models.vizecgnet import VizECGNet


def list_models() -> list[str]:
    """The names create_model accepts (VizECGNet's registered configurations)."""
    return sorted(VIZECGNET_CONFIGS)


def create_model(name: str, **overrides: Any) -> VizECGNet:
    """A freshly initialised VizECGNet of configuration `name` with validated field overrides (e.g. streams="image");
    ValueError naming the known configurations for an unknown name."""
    return VizECGNet.named(name, **overrides)
