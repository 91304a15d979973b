"""The digitization score reproduces the PhysioNet Challenge 2024 SNR and its handling of missing leads."""

import json

import numpy as np
from click.testing import CliRunner

from cli.ecgprint import main
from ecgprint.digitize.score import challenge_snr, score_signals
from ecgprint.leads import STANDARD_LEADS
from ecgprint.record import Record
from ecgprint.sources.wfdb_source import write_wfdb

FS = 500.0


def _reference(n=5000, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / FS
    return np.stack([np.sin(2 * np.pi * (1 + k / 7) * t) + 0.1 * rng.standard_normal(n) for k in range(12)], 1)


def test_identical_signals_score_the_documented_maximum_plus_infinity():
    ref = _reference()
    score = score_signals(ref, STANDARD_LEADS, ref.copy(), STANDARD_LEADS, FS)
    assert all(s.snr_db == np.inf and s.pearson > 0.999999 and s.amplitude_error_mv == 0 for s in score.leads)
    assert score.mean_snr_db == np.inf


def test_known_white_noise_gives_the_expected_snr_within_0_1_db():
    ref = _reference(n=50_000)
    sigma = 0.25
    noisy = ref + sigma * np.random.default_rng(1).standard_normal(ref.shape)
    score = score_signals(ref, STANDARD_LEADS, noisy, STANDARD_LEADS, FS)
    for j, s in enumerate(score.leads):
        expected = 10 * np.log10(np.mean(ref[:, j] ** 2) / sigma ** 2)
        assert abs(s.snr_db - expected) < 0.1
        assert s.time_error_s == 0.0


def test_missing_lead_counts_as_zeros_and_nan_output_as_zero_like_the_challenge():
    ref = _reference()
    out = ref[:, 1:].copy()                       # lead I missing from the output
    out[:100, 0] = np.nan                         # and NaN samples in lead II
    score = score_signals(ref, STANDARD_LEADS, out, STANDARD_LEADS[1:], FS)
    assert score.leads[0].snr_db == 0.0           # all-zero output: noise == signal
    expected = challenge_snr(ref[:, 1], np.where(np.arange(len(ref)) < 100, 0.0, ref[:, 1]))
    assert score.leads[1].snr_db == expected and np.isfinite(expected)


def test_unplotted_reference_samples_are_ignored_and_short_output_is_zero_padded():
    ref = _reference()
    ref[2500:, :] = np.nan                        # printed over the first half only
    out = _reference()[:2500]                     # a 5 s output for a 10 s reference
    score = score_signals(ref, STANDARD_LEADS, out, STANDARD_LEADS, FS)
    assert all(s.snr_db == np.inf and s.n_samples == 2500 for s in score.leads)


def test_a_time_shifted_output_reports_its_shift():
    ref = _reference()
    late = np.roll(ref, 10, axis=0)
    score = score_signals(ref, STANDARD_LEADS, late, STANDARD_LEADS, FS)
    assert all(abs(s.time_error_s - 10 / FS) < 1e-9 for s in score.leads)


def test_cli_scores_two_wfdb_records_as_table_and_json(tmp_path):
    ref = _reference()
    write_wfdb([Record(ref, FS, record_id="truth")], tmp_path)
    write_wfdb([Record(ref + 0.01, FS, record_id="pred")], tmp_path)
    runner = CliRunner()
    table = runner.invoke(main, ["digitize-score", str(tmp_path / "truth.hea"), str(tmp_path / "pred")])
    assert table.exit_code == 0, table.output
    assert "mean SNR (Challenge)" in table.output and "aVR" in table.output
    out = runner.invoke(main, ["digitize-score", str(tmp_path / "truth.hea"), str(tmp_path / "pred"), "--json"])
    data = json.loads(out.output)
    assert len(data["leads"]) == 12 and 20 < data["mean_snr_db"] < 60
    bad = runner.invoke(main, ["digitize-score", str(tmp_path / "nope"), str(tmp_path / "pred")])
    assert bad.exit_code != 0 and "nope" in bad.output
