"""Plausibility checks: real and synthetic records pass the defaults; flat, ±800 mV, gapped and 1 Hz records are
refused by `ecgprint render` and quarantined by a build, each with a one-line reason."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import wfdb
from click.testing import CliRunner

from cli.ecgprint import main
from ecgprint.dataset.build import build
from ecgprint.dataset.recipe import parse_recipe
from ecgprint.errors import RecordError
from ecgprint.plausibility import Plausibility, check_record
from ecgprint.record import Record
from ecgprint.sources import open_source
from ecgprint.synth import example_record
from tests.conftest import spike_record

LIMB_AND_CHEST = ("I", "II", "V1", "V2", "V3", "V4", "V5", "V6")


def record_from(signal: np.ndarray, fs: float = 500.0, **kwargs) -> Record:
    return Record(signal, fs, leads=LIMB_AND_CHEST, record_id="r", **kwargs)


def test_real_records_pass_the_defaults(shared_data):
    records = list(open_source(shared_data))
    assert len(records) == 368
    for record in records:
        check_record(record)


def test_synthetic_and_spike_records_pass():
    check_record(example_record())
    check_record(spike_record(fs=100.0))


def test_each_check_refuses_with_a_one_line_reason():
    good = spike_record().signal[:, [0, 1, 6, 7, 8, 9, 10, 11]].astype(np.float64)
    flat = good.copy()
    flat[:, [0, 1, 2]] = 0.3            # I and II flat make all six limb leads flat, plus V1: 7 of 12
    check_record(record_from(flat))
    flat[:, [3, 4]] = 0.0               # 9 of 12
    with pytest.raises(RecordError, match=r"^r: 9 of 12 leads are flat \(peak to peak < 0.01 mV: I, II, III, "
                                          r"aVR, aVL, aVF, V1, V2, V3; limit 8\)$"):
        check_record(record_from(flat))
    with pytest.raises(RecordError, match=r"^r: 64.8% of samples are beyond ±20 mV \(limit 1.0%\): not a plausible ECG in mV$"):
        check_record(record_from(good * 800))
    gap = good.copy()
    gap[1000:1600, 4] = np.nan          # 1.2 s at 500 Hz
    with pytest.raises(RecordError, match=r"^r: 1.20 s of consecutive missing samples \(limit 1 s\)$"):
        check_record(record_from(gap, allow_nan=True))
    gap[1000:1400, 4] = 0.1             # the gap left is 0.4 s
    check_record(record_from(gap, allow_nan=True))
    with pytest.raises(RecordError, match=r"^r: sampling frequency 60 Hz is below the 100 Hz a 12-lead print needs$"):
        check_record(record_from(good[::5], fs=60.0))
    check_record(record_from(flat), Plausibility(max_flat_leads=9))


@pytest.mark.parametrize("limits", [{"min_fs": 0}, {"max_flat_leads": 13}, {"max_beyond_fraction": 1.0},
                                    {"flat_mv": -1}])
def test_limits_are_validated(limits):
    with pytest.raises(ValueError, match=f"Plausibility.{next(iter(limits))} must be"):
        Plausibility(**limits)


def write_record(folder: Path, name: str, signal_mv: np.ndarray, fs: int, gain: float = 1000.0) -> None:
    """A 12-lead format-16 WFDB record of `signal_mv` (8 measured leads + the derived limb leads)."""
    record = record_from(signal_mv, fs)
    wfdb.wrsamp(name, fs=fs, units=["mV"] * 12, sig_name=list(record.leads),
                p_signal=record.signal.astype(np.float64), fmt=["16"] * 12, adc_gain=[gain] * 12,
                baseline=[0] * 12, write_dir=str(folder))


@pytest.fixture
def mixed_folder(tmp_path) -> Path:
    """One good record, one of ±800 mV and one sampled at 1 Hz."""
    folder = tmp_path / "records"
    folder.mkdir()
    good = spike_record().signal[:, [0, 1, 6, 7, 8, 9, 10, 11]].astype(np.float64)
    write_record(folder, "good", good, 500)
    write_record(folder, "huge", np.sign(good - good.mean(0)) * 800, 500, gain=10.0)
    (folder / "slow.hea").write_text("slow 12 1 10\n" + "".join(
        f"slow.dat 16 1000/mV 16 0 0 0 0 {lead}\n" for lead in ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2",
                                                               "V3", "V4", "V5", "V6")))
    (folder / "slow.dat").write_bytes(bytes(10 * 24))
    return folder


REASONS = {"huge": "91.7% of samples are beyond ±20 mV (limit 1.0%): not a plausible ECG in mV",
           "slow": "sampling frequency 1 Hz is outside 50-20000 Hz"}


def test_render_refuses_implausible_records(mixed_folder, tmp_path):
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["render", str(mixed_folder), "-o", str(out), "--dpi", "72", "--no-truth"])
    assert res.exit_code == 1
    errors = sorted(line for line in res.stderr.splitlines() if line.startswith("error:"))
    assert errors == [f"error: {mixed_folder / name}.hea: {reason}" for name, reason in sorted(REASONS.items())]
    assert sorted(p.name for p in out.iterdir()) == ["good.png"]


def test_build_quarantines_implausible_records(mixed_folder, tmp_path):
    recipe = parse_recipe({"dataset": {"name": "mixed"},
                           "sources": [{"type": "wfdb", "name": "files", "path": str(mixed_folder)}],
                           "split": {"ratios": {"test": 1.0}},
                           "variants": [{"layout": "3x4", "paper": {"dpi": 72}}]})
    out = tmp_path / "out"
    summary = build(recipe, out, progress=False)
    entries = [json.loads(line) for line in (out / "quarantine.jsonl").read_text().splitlines()]
    assert {Path(e["record"]).stem: e["reason"] for e in entries} == REASONS and summary.quarantined == 2
    rows = pd.concat(pd.read_parquet(p, columns=["record_id"]) for p in (out / "data").glob("*.parquet"))
    assert list(rows.record_id) == ["good"]
