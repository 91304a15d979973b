"""Truth files: the fast JSON writer keeps the schema and the stated precision (1/100 px), the `.npz` keeps
float32 precision, and `ecgprint render --truth` writes the one asked for."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from cli.ecgprint import main
from ecgprint.paper import Paper
from ecgprint.render import RenderConfig, render, truth_json
from ecgprint.truth import JSON_DECIMALS, Truth
from ecgprint.truth_encoding import encode_npz, fixed_json, flags_json, read_npz
from tests.conftest import spike_record


@pytest.fixture(scope="module")
def warped():
    """A page whose truth went through a homography and a dense warp (many distinct coordinates)."""
    return render(spike_record(), RenderConfig(paper=Paper(dpi=100), preset="phone_photo", severity=1.0), seed=2)


def test_fixed_json_rounds_as_np_round_within_the_stated_precision():
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.uniform(-5000, 5000, (5000, 2)), rng.uniform(-1, 1, (5000, 2)),
                             np.round(rng.uniform(-100, 100, (1000, 2)), 3),          # exact halves of 1/100
                             [[0.004, -0.004], [-0.005, 99.995], [1e-12, -1e-12], [123456.789, 0.0]]])
    decoded = np.array(json.loads(fixed_json(values)))
    np.testing.assert_array_equal(decoded, np.round(values, JSON_DECIMALS))
    assert np.abs(decoded - values).max() <= 0.5 * 10.0 ** -JSON_DECIMALS + 1e-9


def test_fixed_json_writes_null_for_non_finite_values_and_handles_empty_arrays():
    assert json.loads(fixed_json(np.array([[np.nan, 1.0], [np.inf, -np.inf], [-0.001, 2.5]]))) == \
           [[None, 1.0], [None, None], [0.0, 2.5]]
    assert fixed_json(np.zeros((0, 2))) == "[]" and flags_json(np.zeros(0, bool)) == "[]"
    assert json.loads(flags_json(np.array([True, False, True]))) == [1, 0, 1]


def test_fast_json_is_the_schema_of_truth_to_dict(warped):
    """The same document as json.dumps of the slow path, so Truth.from_dict and the dataset keep reading it."""
    assert json.loads(truth_json(warped)) == json.loads(json.dumps(warped.truth_dict()))
    read = Truth.from_dict(json.loads(truth_json(warped)))
    for got, want in zip(read.leads, warped.truth.leads, strict=True):
        assert np.abs(got.points - want.points).max() <= 0.005 + 1e-9
        np.testing.assert_array_equal(got.visible, want.visible)


def test_npz_round_trip_keeps_float32_precision_and_everything_else(warped, tmp_path):
    path = tmp_path / "page.npz"
    path.write_bytes(encode_npz(warped.remake_dict(), warped.truth))
    data = read_npz(path)
    assert {k: v for k, v in data.items() if k != "leads"} == \
           {k: v for k, v in json.loads(truth_json(warped)).items() if k != "leads"}
    read = Truth.from_dict(data)
    for got, want in zip(read.leads, warped.truth.leads, strict=True):
        assert got.to_dict(arrays=False) == want.to_dict(arrays=False)
        assert np.abs(got.points - want.points).max() <= 5e-4
        np.testing.assert_array_equal(got.visible, want.visible)
    assert path.stat().st_size < len(truth_json(warped)) / 2


def test_read_npz_refuses_other_files_in_one_line(tmp_path):
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    (tmp_path / "text.npz").write_text("not a zip")
    (tmp_path / "cut.npz").write_bytes((tmp_path / "other.npz").read_bytes()[:200])
    for name in ("other.npz", "text.npz", "cut.npz"):
        with pytest.raises(ValueError, match=f"{name}: not an ecgprint truth npz") as err:
            read_npz(tmp_path / name)
        assert "\n" not in str(err.value)


@pytest.mark.parametrize("options, files", [
    ([], ["example.json", "example.png"]),
    (["--truth"], ["example.json", "example.png"]),
    (["--truth", "npz"], ["example.npz", "example.png"]),
    (["--no-truth"], ["example.png"]),
])
def test_cli_truth_option_picks_the_file(tmp_path, options, files):
    res = CliRunner().invoke(main, ["render", "--example", "-o", str(tmp_path), "--dpi", "72", *options])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == files


def test_save_refuses_an_unknown_truth_format(tmp_path, warped):
    with pytest.raises(ValueError, match="truth must be True, False or one of"):
        warped.save(tmp_path, truth="xml")
