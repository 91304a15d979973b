"""Shared test fixtures: small deterministic records with known waveforms, and the ../shared data folder."""

from pathlib import Path

import numpy as np
import pytest

from ecgprint.record import Record

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def spike_record(duration: float = 10.0, fs: float = 500.0, period: float = 1.0, amp: float = 1.0,
                 record_id: str = "spikes") -> Record:
    """Narrow 1 mV Gaussian spikes every `period` s in every lead I..V6 (limb leads derived)."""
    t = np.arange(int(duration * fs)) / fs
    beats = np.arange(0.5, duration, period)
    spikes = amp * np.exp(-0.5 * ((t[:, None] - beats[None, :]) / 0.008) ** 2).sum(axis=1)
    waves = 0.2 * np.sin(2 * np.pi * 0.7 * t)
    lead_i, lead_ii = spikes + waves, 0.8 * spikes - waves
    precordial = [spikes * (0.4 + 0.2 * k) - 0.1 * k * waves for k in range(6)]
    signal = np.stack([lead_i, lead_ii, *precordial], axis=1)
    return Record(signal, fs, leads=("I", "II", "V1", "V2", "V3", "V4", "V5", "V6"), record_id=record_id)


@pytest.fixture
def spikes() -> Record:
    return spike_record()


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real-record tests need ../shared/data next to the repo ({SHARED_DATA} not found)")
    return SHARED_DATA
