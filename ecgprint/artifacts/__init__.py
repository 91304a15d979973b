"""Print, scan, fax, photo and paper-damage artifacts with a severity knob and exact ground truth.

    from ecgprint.artifacts import build_pipeline
    image, truth, mask, records = build_pipeline("scan").run(image, truth, mask, rng, severity=0.6)
"""

from .base import ARTIFACTS, Artifact, Pipeline, parse_description, pipeline_from_description, replay
from .presets import PRESETS, build_pipeline, preset

__all__ = ["ARTIFACTS", "Artifact", "PRESETS", "Pipeline", "build_pipeline", "parse_description",
           "pipeline_from_description", "preset", "replay"]
