"""Synthetic ECG generator: lead identities, determinism, label controls, WFDB output, the `synth` command, and
the generated physiology as measured independently by tests/ecg_measure.py."""

from __future__ import annotations

import csv
from collections import Counter

import numpy as np
import pytest
import wfdb
from click.testing import CliRunner
from ecg_measure import measure

from cli.ecgprint.synth import synth
from ecgprint.labels import LABELS
from ecgprint.leads import STANDARD_LEADS
from ecgprint.sources.wfdb_source import write_wfdb
from ecgprint.synth import NuisanceConfig, SynthConfig, example_record, iter_synthetic, synth_record
from ecgprint.synth.labelsets import balanced_distribution, compatible_sets, incompatible_pairs

PER_CLASS = 60           # records measured per class (acceptance asks for >= 50)
PASS_RATE = 0.95
CLASSES = ("NORM", "SB", "ST", "AF", "RBBB", "LBBB", "1dAVb")
SINUS_CLASSES = ("NORM", "SB", "ST", "RBBB", "LBBB", "1dAVb")


@pytest.fixture(scope="module")
def measured() -> dict[str, list]:
    """Measurements of PER_CLASS records per class, default nuisances on."""
    return {label: [measure(r.signal, r.fs) for r in iter_synthetic(PER_CLASS, SynthConfig(labels=label, seed=11))]
            for label in CLASSES}


def pass_rate(values) -> float:
    return float(np.mean(list(values)))


@pytest.mark.parametrize("labels", ["NORM", "AF,LBBB", "SB,1dAVb,RBBB", "ST"])
def test_limb_leads_satisfy_einthoven_and_goldberger(labels):
    sig = synth_record(2, SynthConfig(labels=labels, nuisance=NuisanceConfig(premature_rate=0.1))).signal
    lead = {name: sig[:, i].astype(np.float64) for i, name in enumerate(STANDARD_LEADS)}
    i, ii = lead["I"], lead["II"]
    for name, expected in (("III", ii - i), ("aVR", -(i + ii) / 2), ("aVL", i - ii / 2), ("aVF", ii - i / 2)):
        assert np.abs(lead[name] - expected).max() <= 1e-5, name


def test_same_seed_gives_identical_records_and_different_seeds_differ():
    a = [r.signal for r in iter_synthetic(3, SynthConfig(seed=5))]
    b = [r.signal for r in iter_synthetic(3, SynthConfig(seed=5))]
    c = [r.signal for r in iter_synthetic(3, SynthConfig(seed=6))]
    assert all(x.tobytes() == y.tobytes() for x, y in zip(a, b))
    assert all(np.abs(x - z).max() > 0.05 for x, z in zip(a, c))


def test_record_depends_only_on_seed_and_index():
    config = SynthConfig(seed=3)
    alone = synth_record(4, config)
    in_batch = list(iter_synthetic(6, config))[4]
    from_start = next(iter_synthetic(1, config, start=4))
    assert alone.signal.tobytes() == in_batch.signal.tobytes() == from_start.signal.tobytes()
    assert alone.labels == in_batch.labels and alone.record_id == in_batch.record_id


def test_records_of_a_patient_share_traits():
    config = SynthConfig(labels="NORM", records_per_patient=3, nuisance=NuisanceConfig.clean())
    records = list(iter_synthetic(6, config))
    assert [r.patient_id for r in records].count(records[0].patient_id) == 3
    assert len({r.patient_id for r in records}) == 2
    # Same heart orientation and voltages: the median beats of one patient's records are closer to each other
    # than to another patient's.
    amplitude = [np.ptp(r.signal, axis=0) for r in records]
    same = np.abs(amplitude[0] - amplitude[1]).mean()
    other = np.abs(amplitude[0] - amplitude[3]).mean()
    assert same < other


def test_fixed_labels_and_normal():
    for text, expected in (("AF,RBBB", {"AF", "RBBB"}), ("NORM", set()), ("1dAVb,SB", {"1dAVb", "SB"})):
        assert all(r.labels == expected for r in iter_synthetic(4, SynthConfig(labels=text)))


@pytest.mark.parametrize("labels", ["AF,1dAVb", "SB,ST", "AF,SB", "AF,ST", "RBBB,LBBB", "NORM,AF", "XYZ", ""])
def test_incompatible_or_unknown_labels_are_rejected(labels):
    with pytest.raises(ValueError):
        SynthConfig(labels=labels)


def test_no_incompatible_combination_is_ever_drawn():
    sets = {labels for labels, _ in SynthConfig(prevalence={label: 0.7 for label in LABELS}).label_distribution}
    assert sets and all(not incompatible_pairs(s) for s in sets)
    assert set(compatible_sets()) >= sets


def test_balanced_prevalence_gives_each_primary_class_a_seventh():
    distribution = dict(balanced_distribution(combination_rate=0.0))
    assert len(distribution) == 7
    assert all(abs(p - 1 / 7) < 1e-12 for p in distribution.values())
    counts = Counter(len(r.labels) for r in iter_synthetic(70, SynthConfig(duration=3.0, seed=1)))
    assert counts[0] > 0 and counts[1] > counts[2] > 0


def test_prevalence_controls_label_frequencies():
    config = SynthConfig(prevalence={"AF": 1.0, "RBBB": 0.5}, duration=3.0)
    records = list(iter_synthetic(40, config))
    assert all("AF" in r.labels and r.labels <= {"AF", "RBBB"} for r in records)
    assert 10 <= sum("RBBB" in r.labels for r in records) <= 30


@pytest.mark.parametrize("kwargs", [dict(fs=50), dict(duration=1.0), dict(seed=-1), dict(records_per_patient=0),
                                    dict(prevalence="AF=1.5"), dict(prevalence="SB=1,ST=1"), dict(prevalence="XX=0.1"),
                                    dict(combination_rate=2.0)])
def test_bad_config_is_rejected(kwargs):
    with pytest.raises(ValueError):
        SynthConfig(**kwargs)


@pytest.mark.parametrize("kwargs", [dict(emg_mv=-0.1), dict(mains_hz=55), dict(premature_rate=0.9)])
def test_bad_nuisance_is_rejected(kwargs):
    with pytest.raises(ValueError):
        NuisanceConfig(**kwargs)


def test_powerline_appears_at_the_mains_frequency():
    nuisance = NuisanceConfig(baseline_wander_mv=0, powerline_mv=0.2, mains_hz=50, emg_mv=0)
    sig = synth_record(0, SynthConfig(labels="NORM", nuisance=nuisance)).signal
    spectrum = np.abs(np.fft.rfft(sig[:, 0] - sig[:, 0].mean()))
    freqs = np.fft.rfftfreq(len(sig), 1 / 500)
    band = (freqs > 40) & (freqs < 70)
    assert freqs[band][np.argmax(spectrum[band])] == pytest.approx(50.0, abs=0.2)


def test_premature_beats_shorten_some_rr_intervals():
    config = SynthConfig(labels="NORM", seed=2, nuisance=NuisanceConfig(premature_rate=0.15))
    records = list(iter_synthetic(8, config))
    assert sum(r.metadata["premature_beats"] for r in records) > 0
    default = list(iter_synthetic(8, SynthConfig(labels="NORM", seed=2)))
    assert all(r.metadata["premature_beats"] == 0 for r in default)


def test_example_record_is_fixed_normal_sinus_rhythm():
    a, b = example_record(), example_record()
    assert a.labels == frozenset() and a.fs == 500 and a.duration == 10.0
    assert a.signal.tobytes() == b.signal.tobytes()


def test_sampling_rate_and_duration_are_honoured():
    record = synth_record(0, SynthConfig(fs=250, duration=4.0))
    assert record.fs == 250 and record.signal.shape == (1000, 12)


# --- measured physiology (independent of the generator's parameters) ---------------------------------------


def test_measured_heart_rate_matches_rate_labels(measured):
    assert pass_rate(m.heart_rate < 60 for m in measured["SB"]) >= PASS_RATE
    assert pass_rate(m.heart_rate > 100 for m in measured["ST"]) >= PASS_RATE
    assert pass_rate(60 <= m.heart_rate <= 100 for m in measured["NORM"]) >= PASS_RATE


def test_measured_rr_irregularity_separates_af_from_sinus(measured):
    assert pass_rate(m.rr_cv > 0.12 for m in measured["AF"]) >= PASS_RATE
    for label in SINUS_CLASSES:
        assert pass_rate(m.rr_cv < 0.06 for m in measured[label]) >= PASS_RATE, label


def test_measured_qrs_width_matches_conduction(measured):
    assert pass_rate(m.qrs_ms >= 120 for m in measured["RBBB"]) >= PASS_RATE
    assert pass_rate(m.qrs_ms >= 120 for m in measured["LBBB"]) >= PASS_RATE
    assert pass_rate(m.qrs_ms < 110 for m in measured["NORM"]) >= PASS_RATE


def test_measured_pr_interval_is_long_in_first_degree_av_block(measured):
    assert pass_rate(m.pr_ms > 200 for m in measured["1dAVb"]) >= PASS_RATE
    assert pass_rate(m.pr_ms <= 200 for m in measured["NORM"]) >= PASS_RATE


def test_pr_boundary_is_the_label_boundary():
    """Normal PR reaches the 200 ms limit and 1dAVb starts above it, so PR itself separates the classes."""
    pr = {labels: [r.metadata["pr_ms"] for r in iter_synthetic(100, SynthConfig(labels=labels, seed=5))]
          for labels in ("NORM", "1dAVb", "1dAVb,ST")}
    assert 190 < max(pr["NORM"]) <= 200 < min(pr["1dAVb"] + pr["1dAVb,ST"])


# --- WFDB output and the CLI ----------------------------------------------------------------------------------


def read_labels_csv(path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_write_wfdb_round_trips_in_millivolts(tmp_path):
    records = list(iter_synthetic(3, SynthConfig(seed=4)))
    labels_csv = write_wfdb(records, tmp_path)
    rows = read_labels_csv(labels_csv)
    assert [row["record"] for row in rows] == [r.record_id for r in records]
    for record, row in zip(records, rows):
        back = wfdb.rdrecord(str(tmp_path / record.record_id))
        assert back.units == ["mV"] * 12 and back.sig_name == list(STANDARD_LEADS) and back.fs == 500
        assert np.abs(back.p_signal - record.signal).max() <= 0.5e-3 + 1e-6
        assert row["patient_id"] == record.patient_id
        assert {label for label in LABELS if row[label] == "1"} == record.labels


def test_cli_writes_records_with_exactly_the_requested_labels(tmp_path):
    result = CliRunner().invoke(synth, ["-n", "4", "-o", str(tmp_path), "--labels", "AF,RBBB", "--seed", "9",
                                        "--duration", "5"])
    assert result.exit_code == 0, result.output
    rows = read_labels_csv(tmp_path / "labels.csv")
    assert len(rows) == 4
    for row in rows:
        assert {label for label in LABELS if row[label] == "1"} == {"AF", "RBBB"}
        back = wfdb.rdrecord(str(tmp_path / row["record"]))
        assert back.units == ["mV"] * 12 and back.p_signal.shape == (2500, 12)


def test_cli_default_prevalence_writes_matching_labels_csv(tmp_path):
    result = CliRunner().invoke(synth, ["-n", "5", "-o", str(tmp_path), "--duration", "3", "--clean"])
    assert result.exit_code == 0, result.output
    from ecgprint.sources.wfdb_source import load_record
    for row in read_labels_csv(tmp_path / "labels.csv"):
        back = load_record(tmp_path / row["record"])      # labels travel in the header's Challenge-style Dx
        assert back.labels == {label for label in LABELS if row[label] == "1"}


@pytest.mark.parametrize("args, message", [
    (["--labels", "AF,1dAVb"], "1dAVb and AF cannot occur together"),
    (["--labels", "SB,ST"], "SB and ST cannot occur together"),
    (["--labels", "AF", "--prevalence", "balanced"], "either --labels or --prevalence"),
    (["--prevalence", "AF=7"], "within 0..1"),
    (["--emg", "-1"], "emg_mv"),
])
def test_cli_rejects_bad_arguments_with_a_clear_message(tmp_path, args, message):
    result = CliRunner().invoke(synth, ["-n", "2", "-o", str(tmp_path / "out"), *args])
    assert result.exit_code != 0
    assert message in result.output
    assert not (tmp_path / "out").exists()


def test_pages_of_synthetic_records_never_print_that_they_are_synthetic():
    from ecgprint.render import RenderConfig, render
    from ecgprint.style import Style
    for index, record in enumerate(iter_synthetic(3, SynthConfig(seed=8, duration=4.0))):
        style = Style(header_lines=(("id", "speed", "gain"),))
        texts = [t["text"] for t in render(record, RenderConfig(style=style), index).truth.text]
        assert any(text.startswith(f"ID: {record.metadata['printed_id']} ") for text in texts)
        assert record.metadata["printed_id"].isdigit() and not any("synth" in text.lower() for text in texts)
