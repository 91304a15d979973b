"""Synthetic records as a dataset source: the generator of `ecgprint.synth` listed like any other source."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from ..synth.config import SynthConfig
from ..synth.generate import record_ids, synth_record
from .item import SourceItem


def list_synthetic(n: int, config: SynthConfig = SynthConfig()) -> Iterator[SourceItem]:
    """Records 0..n-1 as source items (ids and patients at listing time, signals generated on load())."""
    for index in range(n):
        record_id, patient_id = record_ids(index, config)
        yield SourceItem(record_id, "", partial(synth_record, index, config), patient_id=patient_id)
