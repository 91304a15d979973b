"""Reading built datasets through one home: the manifest, shard files per split, images under the pixel cap
(verify, inspect and the card alike), and truth back from render JSON and from shard rows."""

import json
import shutil

import numpy as np
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import ecgprint.image_decode
from cli.ecgprint import main
from ecgprint.dataset.build import build
from ecgprint.dataset.card import write_card
from ecgprint.dataset.inspect import contact_sheet
from ecgprint.dataset.manifest import Manifest, ManifestError
from ecgprint.dataset.read import read_truth, row_truth
from ecgprint.dataset.recipe import load_recipe
from ecgprint.dataset.truth_column import truth_array
from ecgprint.dataset.verify import verify
from ecgprint.labels import LABELS
from ecgprint.paper import Paper
from ecgprint.render import RenderConfig, render, truth_json
from ecgprint.synth import example_record
from ecgprint.truth import JSON_DECIMALS, Truth
from tests.test_dataset import tiny_recipe


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("manifest")
    recipe = load_recipe(tiny_recipe(tmp, n=6, rows=4))
    build(recipe, tmp / "out", progress=False)
    return recipe, tmp / "out"


@pytest.fixture(scope="module", params=[("clean", 0.0), ("phone_photo", 0.8)])
def rendered(request):
    preset, severity = request.param
    return render(example_record(), RenderConfig(paper=Paper(dpi=72), preset=preset, severity=severity), seed=3)


def test_manifest_round_trips_and_lists_each_splits_shards(dataset):
    _, out = dataset
    manifest = Manifest.read(out)
    assert manifest.to_json() == (out / "manifest.json").read_text()
    assert manifest.label_order == LABELS and manifest.rows == 12
    for split, counts in manifest.splits.items():
        files = manifest.files(split)
        on_disk = sorted(p for p in (out / "data").glob(f"{split}-*.parquet") if pq.read_metadata(p).num_rows)
        assert files == on_disk
        assert manifest.split_rows(split) == counts.rows == sum(pq.read_metadata(p).num_rows for p in files)
    assert manifest.split_rows("no-such-split") == 0 and manifest.files("no-such-split") == []


def test_missing_or_malformed_manifest_is_a_one_line_error(dataset, tmp_path):
    _, out = dataset
    with pytest.raises(ManifestError, match="manifest.json: cannot read manifest") as missing:
        Manifest.read(tmp_path)
    assert str(tmp_path) in str(missing.value) and "\n" not in str(missing.value)
    assert verify(tmp_path) == [str(missing.value)]
    res = CliRunner().invoke(main, ["inspect", str(tmp_path)])
    assert res.exit_code == 1 and res.stderr == f"error: {missing.value}\n"

    data = json.loads((out / "manifest.json").read_text())
    del data["label_order"]
    (tmp_path / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(ManifestError, match=r"not an ecgprint manifest \(manifest: missing key\(s\) \['label_order'\]"):
        Manifest.read(tmp_path)
    (tmp_path / "manifest.json").write_text("[1, 2]")
    with pytest.raises(ManifestError, match="not an ecgprint manifest"):
        Manifest.read(tmp_path)


def test_pixel_cap_applies_to_verify_inspect_and_the_card(dataset, tmp_path, monkeypatch):
    recipe, out = dataset
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    monkeypatch.setattr(ecgprint.image_decode, "MAX_IMAGE_PIXELS", 1000)
    problems = verify(copy)
    assert len(problems) == 12 and all("image larger than the 1000 pixel cap" in p for p in problems)
    with pytest.raises(ValueError, match="pixel cap"):
        contact_sheet(copy, 2, tmp_path / "sheet.png")
    res = CliRunner().invoke(main, ["inspect", str(copy), "--show", "2", "--sheet", str(tmp_path / "sheet.png")])
    assert res.exit_code == 1 and res.stderr.count("\n") == 1 and "pixel cap" in res.stderr
    with pytest.raises(ValueError, match="pixel cap"):
        write_card(recipe, Manifest.read(copy))


def assert_same_truth(got: Truth, want: Truth, decimals: int | None) -> None:
    """Equal geometry; with `decimals`, `want` rounded as the truth JSON stores it."""
    def stored(values):
        values = np.asarray(values, np.float64)
        return values if decimals is None else np.round(values, decimals)
    atol = 1e-3 if decimals is None else 0    # shard columns store float32
    assert (got.width, got.height, got.px_per_mm, got.warps) == (want.width, want.height, want.px_per_mm, want.warps)
    assert (got.page_to_image is None) == (want.page_to_image is None)
    if want.page_to_image is not None:
        np.testing.assert_allclose(got.page_to_image, want.page_to_image)
    assert len(got.leads) == len(want.leads) == 13
    for g, w in zip(got.leads, want.leads):
        assert (g.lead, g.label, g.sign, g.row, g.sample_start, g.sample_end) == \
               (w.lead, w.label, w.sign, w.row, w.sample_start, w.sample_end)
        np.testing.assert_allclose(g.box, stored(w.box), atol=atol)
        np.testing.assert_allclose(g.cell, stored(w.cell), atol=atol)
        np.testing.assert_allclose(g.points, stored(w.points), atol=atol)     # NaN where the point is not finite
        np.testing.assert_array_equal(g.visible, w.visible)
    for g, w in zip(got.calibration, want.calibration, strict=True):
        np.testing.assert_allclose(g, stored(w), atol=atol)
    assert [t["text"] for t in got.text] == [t["text"] for t in want.text]


def test_truth_json_reads_back_as_the_rendered_truth(rendered, tmp_path):
    truth = Truth.from_dict(json.loads(truth_json(rendered)))
    assert_same_truth(truth, rendered.truth, JSON_DECIMALS)
    (tmp_path / "page.json").write_text(truth_json(rendered))
    assert_same_truth(read_truth(tmp_path / "page.json"), rendered.truth, JSON_DECIMALS)


def test_shard_truth_column_reads_back_as_the_rendered_truth(rendered):
    stored = truth_array([rendered.truth]).to_pylist()[0]
    truth = row_truth(stored)
    assert_same_truth(truth, rendered.truth, None)
    assert truth.line_px == rendered.truth.line_px


def test_a_dict_or_file_that_is_not_a_truth_is_refused_in_one_line(rendered, tmp_path):
    for bad in ({"leads": []}, [1, 2], "truth"):
        with pytest.raises(ValueError, match=r"not an ecgprint truth JSON \(needs 'leads' and 'image_size'\)"):
            Truth.from_dict(bad)
    data = json.loads(truth_json(rendered))
    del data["leads"][3]["box"]
    with pytest.raises(ValueError, match="not an ecgprint truth JSON \\(missing key 'box'\\)"):
        Truth.from_dict(data)
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(ValueError, match="broken.json: not an ecgprint truth JSON") as broken:
        read_truth(tmp_path / "broken.json")
    assert "\n" not in str(broken.value)
