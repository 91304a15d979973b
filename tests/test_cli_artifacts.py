"""`ecgprint render --preset/--severity/--artifacts` and `ecgprint gallery`."""

import json

import cv2
import numpy as np
from click.testing import CliRunner

from cli.ecgprint import main


def test_render_with_preset_records_params_and_rebuilds(tmp_path):
    from ecgprint.render import RenderConfig, encode_image, render
    from ecgprint.synth import example_record
    res = CliRunner().invoke(main, ["render", "--example", "-o", str(tmp_path), "--dpi", "100", "--preset", "scan",
                                    "--severity", "0.6", "--seed", "4", "--mask"])
    assert res.exit_code == 0, res.output
    truth = json.loads((tmp_path / "example.json").read_text())
    assert truth["config"]["preset"] == "scan" and truth["config"]["severity"] == 0.6
    fired = [a for a in truth["artifacts"] if a["fired"]]
    assert fired and all(isinstance(a["params"], dict) for a in fired)
    assert cv2.imread(str(tmp_path / "example_mask.png"), cv2.IMREAD_UNCHANGED).shape == (850, 1100)
    record = example_record()
    record = type(record)(record.signal, record.fs, record.leads, record_id="example")
    again = render(record, RenderConfig.from_dict(truth["config"]), truth["seed"])
    assert encode_image(again.image) == (tmp_path / "example.png").read_bytes()


def test_custom_artifacts_inline_and_from_file(tmp_path):
    spec = tmp_path / "spec.json"
    spec.write_text('{"artifacts": [{"name": "perspective", "max_margin": 0.1}, "jpeg"]}')
    inline = '["skew", {"name": "noise", "p": 1}]'
    for value, names in ((inline, ["skew", "noise"]), (str(spec), ["perspective", "jpeg"])):
        res = CliRunner().invoke(main, ["render", "--example", "-o", str(tmp_path / "o"), "--dpi", "100",
                                        "--artifacts", value, "--severity", "1"])
        assert res.exit_code == 0, res.output
        truth = json.loads((tmp_path / "o" / "example.json").read_text())
        assert [a["name"] for a in truth["artifacts"]] == names


def test_bad_artifacts_name_the_key(tmp_path):
    runner = CliRunner()
    res = runner.invoke(main, ["render", "--example", "-o", str(tmp_path), "--artifacts",
                               '[{"name": "skew", "max_degs": 2}]'])
    assert res.exit_code == 2 and "max_degs" in res.output
    res = runner.invoke(main, ["render", "--example", "-o", str(tmp_path), "--artifacts", "missing.json"])
    assert res.exit_code == 2 and "missing.json" in res.output
    res = runner.invoke(main, ["render", "--example", "-o", str(tmp_path), "--preset", "scanned"])
    assert res.exit_code == 2 and "scanned" in res.output


def test_gallery_writes_a_grid_per_sheet(tmp_path):
    res = CliRunner().invoke(main, ["gallery", "-o", str(tmp_path), "--dpi", "72", "--sheet", "scanner",
                                    "--sheet", "presets"])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["family_scanner.png", "presets.png"]
    scanner = cv2.imread(str(tmp_path / "family_scanner.png"))
    presets = cv2.imread(str(tmp_path / "presets.png"))
    assert scanner.shape == presets.shape and scanner.shape[0] > 6 * 150   # six rows each
    assert np.unique(scanner.reshape(-1, 3), axis=0).shape[0] > 1000
