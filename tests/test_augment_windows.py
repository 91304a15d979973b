"""Signal augmentation keeps the leads one recording (Einthoven/Goldberger hold, the mean rate is unchanged) and is
seeded; `windows = "all"` prints every whole page-length window of a long record, each row storing the signal it
shows; recipes without the new keys keep their hash."""

import tomllib
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import wfdb

from ecgprint.augment import SignalAugment, augment_signal
from ecgprint.dataset.build import build
from ecgprint.dataset.read import stored_signals
from ecgprint.dataset.recipe import RecipeError, load_recipe, parse_recipe
from ecgprint.dataset.signal import fit_length
from ecgprint.leads import STANDARD_LEADS
from ecgprint.synth import example_record

LEAD = {name: k for k, name in enumerate(STANDARD_LEADS)}
STRONG = SignalAugment(gain=0.3, wander_mv=0.5, noise_mv=0.1, warp=0.05)

RECIPE = """
[dataset]
name = "windows"
seed = 3

[[sources]]
type = "wfdb"
name = "long"
path = "{folder}"

[signal]
fs = 100
samples = 1000

[[variants]]
name = "page"
layout = "3x4"
paper = {{ dpi = 72 }}
windows = "all"
{augment}

[split]
ratios = {{ train = 1.0 }}
"""


def test_augmented_leads_still_obey_einthoven_and_goldberger():
    record = example_record()
    out, drawn = augment_signal(record.signal.astype(np.float64), record.fs, STRONG, np.random.default_rng(4))
    assert drawn["wander_mv"] > 0 and drawn["noise_mv"] > 0 and drawn["warp"] > 0
    s = {name: out[:, k].astype(np.float64) for name, k in LEAD.items()}
    assert np.allclose(s["III"], s["II"] - s["I"], atol=2e-4)
    assert np.allclose(s["aVR"], -(s["I"] + s["II"]) / 2, atol=2e-4)
    assert np.allclose(s["aVL"], s["I"] - s["II"] / 2, atol=2e-4)
    assert np.allclose(s["aVF"], s["II"] - s["I"] / 2, atol=2e-4)
    assert not np.allclose(out, record.signal, atol=0.01)


def test_gain_scales_every_lead_alike_and_warp_keeps_time_monotone_and_the_mean_rate():
    fs, n = 500.0, 5000
    ramp = np.tile(np.arange(n)[:, None] / fs, (1, 12))          # the signal is time itself
    for seed in range(5):
        warped, drawn = augment_signal(ramp, fs, SignalAugment(warp=0.05), np.random.default_rng(seed))
        slope = np.diff(warped[:, 0].astype(np.float64)) * fs
        inner = slope[50:-50]   # the ends are clipped to the record
        assert inner.min() >= 1 - drawn["warp"] - 1e-3 and inner.max() <= 1 + drawn["warp"] + 1e-3
        assert drawn["warp"] > 0.0 and abs(np.median(slope) - 1) < 0.02
        scaled, drawn = augment_signal(ramp, fs, SignalAugment(gain=0.3), np.random.default_rng(seed))
        assert np.allclose(scaled, ramp * (1 + drawn["gain"]), atol=1e-5) and abs(drawn["gain"]) <= 0.3


def test_augmentation_is_seeded_and_off_by_default():
    record = example_record()
    a = STRONG.apply(record, np.random.default_rng(9))
    b = STRONG.apply(record, np.random.default_rng(9))
    assert np.array_equal(a.signal, b.signal) and a.labels == record.labels
    assert not np.array_equal(a.signal, STRONG.apply(record, np.random.default_rng(10)).signal)
    assert not SignalAugment().active


@pytest.mark.parametrize("table, key", [("augment = { gain = 0.9 }", "gain"), ("augment = { jitter = 1 }", "jitter"),
                                        ('windows = "every"', "windows")])
def test_bad_augment_or_windows_names_the_key(tmp_path, table, key):
    with pytest.raises(RecipeError, match=rf"variants\[0\].*{key}"):
        parse_recipe({"dataset": {"name": "x"}, "sources": [{"type": "synthetic", "options": {"n": 2}}],
                      "variants": [tomllib.loads(table)]})


def test_recipes_without_the_new_keys_keep_their_hash():
    recipe = parse_recipe({"dataset": {"name": "x"}, "sources": [{"type": "synthetic", "options": {"n": 2}}],
                           "variants": [{"name": "v"}]})
    assert {"windows", "augment"}.isdisjoint(recipe.raw["variants"][0])


def _long_record(folder: Path, seconds: float) -> np.ndarray:
    fs = 250
    t = np.arange(int(seconds * fs)) / fs
    signal = np.stack([0.4 * np.sin(2 * np.pi * 1.1 * t + k) + 0.02 * t for k in range(12)], axis=1)
    signal[:, LEAD["III"]] = signal[:, LEAD["II"]] - signal[:, LEAD["I"]]
    wfdb.wrsamp("long25", fs=fs, units=["mV"] * 12, sig_name=list(STANDARD_LEADS), p_signal=signal,
                fmt=["16"] * 12, adc_gain=[1000.0] * 12, baseline=[0] * 12, write_dir=str(folder))
    return wfdb.rdrecord(str(folder / "long25")).p_signal


@pytest.mark.parametrize("augment", ["", "augment = { wander_mv = 0.3, warp = 0.03 }"])
def test_windows_all_prints_every_whole_window_with_the_signal_it_shows(tmp_path, augment):
    records = tmp_path / "records"
    records.mkdir()
    signal = _long_record(records, 25.0)
    recipe = tmp_path / "r.toml"
    recipe.write_text(RECIPE.format(folder=records, augment=augment))
    build(load_recipe(recipe), tmp_path / "out", workers=1, progress=False)
    table = pq.read_table(sorted((tmp_path / "out" / "data").glob("*.parquet"))[0])
    rows = table.to_pylist()
    assert [r["id"].rsplit("/", 1)[1] for r in rows] == ["w0", "w1"]   # 25 s: two whole 10-s pages
    stored = stored_signals(table)
    for k, row in enumerate(rows):
        assert '"start": %.1f' % (10.0 * k) in row["render_config"]
        truth_x0 = row["truth"]["leads"][0]
        assert truth_x0["t_start"] == pytest.approx(10.0 * k)
        expected = fit_length(signal[k * 2500:(k + 1) * 2500], 250, 100, 1000)
        if augment:
            assert not np.allclose(stored[k], expected, atol=0.02)
            assert np.corrcoef(stored[k][:, 0], expected[:, 0])[0, 1] > 0.6
        else:
            assert np.allclose(stored[k], expected, atol=2e-3)
