"""Cardiac-dipole model of labelled 12-lead ECGs; `generate` drives it, `ecgprint.sources.synthetic` lists its
records as a dataset source."""

from .config import NuisanceConfig, SynthConfig
from .example import example_record
from .generate import iter_synthetic, record_ids, synth_record

__all__ = ["NuisanceConfig", "SynthConfig", "example_record", "iter_synthetic", "record_ids", "synth_record"]
