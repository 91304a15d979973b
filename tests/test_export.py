"""`ecgprint export`: COCO loads in pycocotools with every lead's box and the render's trace mask, YOLO boxes read
back to the truth within 1 px, the Challenge 2024 layout reads with wfdb and names its images, bad input is one
line naming the file and nothing is written outside the output folder."""

import dataclasses
import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pyarrow.parquet as pq
import pytest
import wfdb
from click.testing import CliRunner

from cli.ecgprint import main
from ecgprint.dataset.build import build
from ecgprint.dataset.read import row_truth, stored_signals
from ecgprint.dataset.recipe import load_recipe
from ecgprint.dataset.signal import fit_length
from ecgprint.export.challenge2024 import challenge_labels, unpadded, wfdb_name
from ecgprint.export.objects import CATEGORIES
from ecgprint.export.rle import encode
from ecgprint.leads import STANDARD_LEADS
from ecgprint.render import RenderConfig, render, trace_mask
from ecgprint.synth import example_record
from tests.test_dataset import tiny_recipe

mask_api = pytest.importorskip("pycocotools.mask")
# pycocotools 2.0 with numpy 2: a warning inside pycocotools, not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """A render folder holding one scanned (slightly rotated) 3x4 + II rhythm page, with its --mask label image,
    and that render."""
    folder = tmp_path_factory.mktemp("rendered")
    result = render(example_record(), RenderConfig(mask=True, preset="scan", severity=0.5), seed=4)
    result.save(folder, "page")
    return folder, result


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """A built dataset: 8 synthetic records over train/val/test, each printed 3x4 (jpg) and 6x2 (png)."""
    tmp = tmp_path_factory.mktemp("dataset")
    build(load_recipe(tiny_recipe(tmp, n=8, rows=4)), tmp / "out", progress=False)
    return tmp / "out"


def run_export(source, fmt, out):
    return CliRunner().invoke(main, ["export", str(source), "--format", fmt, "-o", str(out)])


def dataset_rows(root: Path) -> list[dict]:
    """Every shard row with its truth and stored signal, read through the dataset reader."""
    rows = []
    for path in sorted((root / "data").glob("*.parquet")):
        table = pq.read_table(path)
        for row, signal in zip(table.drop_columns(["signal"]).to_pylist(), stored_signals(table)):
            rows.append({**row, "truth": row_truth(row["truth"]), "signal": signal})
    return rows


def test_coco_loads_in_pycocotools_with_every_box_and_the_truth_mask(rendered, tmp_path):
    folder, result = rendered
    assert run_export(folder, "coco", tmp_path).exit_code == 0
    from pycocotools.coco import COCO
    coco = COCO(str(tmp_path / "annotations.json"))
    assert [c["name"] for c in coco.loadCats(coco.getCatIds())] == list(CATEGORIES)
    (image,) = coco.loadImgs(coco.getImgIds())
    assert (tmp_path / "images" / image["file_name"]).read_bytes() == (folder / "page.png").read_bytes()
    anns = coco.loadAnns(coco.getAnnIds(imgIds=[image["id"]]))
    traces = [a for a in anns if a["category_id"] <= len(STANDARD_LEADS)]
    assert len(traces) == 13 and len(anns) > 13 + 13           # 12 leads + II rhythm; lead names, pulses, text
    assert [a["attributes"]["rhythm_strip"] for a in traces] == [False] * 12 + [True]
    for ann, lead in zip(traces, result.truth.leads):
        mask = coco.annToMask(ann).astype(bool)
        assert CATEGORIES[ann["category_id"] - 1] == lead.lead and ann["area"] == mask.sum() > 0
        assert (result.mask[mask] == STANDARD_LEADS.index(lead.lead) + 1).all()
        x, y, w, h = ann["bbox"]
        ys, xs = np.nonzero(mask)
        # the box is the warped trace's; the label image, warped as pixels, reaches up to ~1 px past it
        assert x - 2 <= xs.min() and xs.max() + 1 <= x + w + 2 and y - 2 <= ys.min() and ys.max() + 1 <= y + h + 2
    for k in range(1, len(STANDARD_LEADS) + 1):               # the render's --mask, pixel for pixel
        masks = [coco.annToMask(a).astype(bool) for a in traces if a["category_id"] == k]
        assert (np.logical_or.reduce(masks) == (result.mask == k)).all()
        assert sum(m.sum() for m in masks) == (result.mask == k).sum()


@pytest.mark.parametrize("truth", ["json", "npz"])
def test_without_the_render_mask_traces_are_redrawn_from_the_truth(rendered, tmp_path, truth):
    _, result = rendered
    bare = tmp_path / "bare"
    dataclasses.replace(result, mask=None).save(bare, "page", truth=truth)
    assert sorted(p.name for p in bare.iterdir()) == ["page." + truth, "page.png"]
    assert run_export(bare, "coco", tmp_path / "out").exit_code == 0
    anns = json.loads((tmp_path / "out" / "annotations.json").read_text())["annotations"]
    size = (result.truth.width, result.truth.height)
    for ann, lead in zip(anns, result.truth.leads):
        drawn = mask_api.decode({**ann["segmentation"], "counts": ann["segmentation"]["counts"].encode()})
        exact = trace_mask([lead], size, int(result.truth.line_px)) > 0
        assert abs(int(drawn.sum()) - int(exact.sum())) <= 0.01 * exact.sum()   # stored to 1/100 px or float32
        assert (drawn.astype(bool) & exact).sum() >= 0.98 * exact.sum()


def test_coco_from_a_dataset_has_every_printed_lead_of_each_row(dataset, tmp_path):
    assert run_export(dataset, "coco", tmp_path).exit_code == 0
    coco = json.loads((tmp_path / "annotations.json").read_text())
    rows = {r["id"].replace("/", "__"): r for r in dataset_rows(dataset)}
    assert len(coco["images"]) == len(rows)
    for image in coco["images"]:
        row = rows[Path(image["file_name"]).stem]
        traces = [a for a in coco["annotations"] if a["image_id"] == image["id"] and a["category_id"] <= 12]
        assert image["split"] == row["split"] and len(traces) == len(row["truth"].leads)
        assert len(traces) == (13 if row["layout"] == "3x4" else 12)


@pytest.mark.parametrize("shape, first", [((7, 5), 0), ((7, 5), 1), ((40, 300), 0), ((3, 3), None)])
def test_rle_matches_pycocotools_byte_for_byte(shape, first):
    rng = np.random.default_rng(sum(shape))
    mask = rng.random(shape) < 0.3
    if first is not None:
        mask[0, 0] = first
    else:
        mask[:] = False
    want = mask_api.encode(np.asfortranarray(mask.astype(np.uint8)))
    got = encode(mask)
    assert got["counts"] == want["counts"].decode() and got["size"] == want["size"]
    assert (mask_api.decode({**got, "counts": got["counts"].encode()}) == mask).all()


def test_yolo_boxes_round_trip_to_the_truth_within_a_pixel(dataset, tmp_path):
    assert run_export(dataset, "yolo", tmp_path).exit_code == 0
    yaml = pytest.importorskip("yaml")
    config = yaml.safe_load((tmp_path / "data.yaml").read_text())
    assert config["names"] == dict(enumerate(CATEGORIES)) and {"train", "val", "test"} <= set(config)
    rows = dataset_rows(dataset)
    for row in rows:
        name = row["id"].replace("/", "__")
        label = tmp_path / "labels" / row["split"] / f"{name}.txt"
        assert (tmp_path / config[row["split"]] / f"{name}.{row['image_format']}").is_file()
        lines = np.loadtxt(label, ndmin=2)
        truth = row["truth"]
        traces = lines[lines[:, 0] < len(STANDARD_LEADS)]
        assert len(traces) == len(truth.leads)
        for (cls, cx, cy, w, h), lead in zip(traces, truth.leads):
            assert CATEGORIES[int(cls)] == lead.lead
            x0, y0 = cx * truth.width - w * truth.width / 2 - 0.5, cy * truth.height - h * truth.height / 2 - 0.5
            back = [x0, y0, x0 + w * truth.width, y0 + h * truth.height]
            assert np.abs(np.subtract(back, lead.box)).max() <= 1.0
    assert sum(1 for _ in (tmp_path / "labels").rglob("*.txt")) == len(rows)


def test_challenge_layout_reads_with_wfdb_and_names_its_images(dataset, tmp_path):
    assert run_export(dataset, "challenge2024", tmp_path).exit_code == 0
    rows = dataset_rows(dataset)
    headers = sorted(tmp_path.rglob("*.hea"))
    assert len(headers) == len({(r["split"], r["record_id"]) for r in rows})
    images = 0
    for header in headers:
        record = wfdb.rdrecord(str(header.with_suffix("")))
        text = header.read_text().splitlines()
        named = [n.strip() for line in text if line.startswith("# Image:") for n in line[8:].split(",")]
        own = [r for r in rows if wfdb_name(r["record_id"]) == header.stem]   # its pages: one per variant
        assert sorted((header.parent / n).read_bytes() for n in named) == sorted(r["image"]["bytes"] for r in own)
        images += len(named)
        row = own[0]
        assert record.fs == row["fs"] and record.sig_name == list(STANDARD_LEADS)
        np.testing.assert_allclose(record.p_signal, unpadded(row["signal"]), atol=6e-4)   # 1 uV steps
        assert any(line.startswith("# Labels:") for line in text) == bool(row["labels"])
    assert images == len(rows)


def test_labels_map_to_the_challenge_classes_in_its_order():
    assert challenge_labels({"AF", "RBBB", "1dAVb", "ST"}) == ["CD", "AFIB/AFL", "TACHY"]
    assert challenge_labels({"SB", "LBBB"}) == ["CD", "BRADY"] and challenge_labels(set()) == []


def test_unpadded_undoes_the_datasets_centred_zero_padding():
    signal = np.random.default_rng(0).normal(size=(997, 12)).astype(np.float32)
    np.testing.assert_array_equal(unpadded(fit_length(signal, 100, 100, 1200)), signal)
    np.testing.assert_array_equal(unpadded(signal), signal)


def test_bad_input_is_one_line_naming_the_file(rendered, tmp_path):
    folder, _ = rendered
    empty = tmp_path / "empty"
    empty.mkdir()
    res = run_export(empty, "coco", tmp_path / "o1")
    assert res.exit_code == 1 and str(empty) in res.output and "no pages" in res.output and res.output.count("\n") == 1
    assert not (tmp_path / "o1").exists()
    wrong = tmp_path / "wrong"
    shutil.copytree(folder, wrong)
    cv2.imwrite(str(wrong / "page.png"), np.zeros((100, 120, 3), np.uint8))
    res = run_export(wrong, "yolo", tmp_path / "o2")
    assert res.exit_code == 1 and res.output.count("\n") == 1
    assert str(wrong / "page.png") in res.output and "not the truth of this image" in res.output
    res = run_export(folder, "challenge2024", tmp_path / "o3")
    assert res.exit_code == 1 and "needs a built dataset" in res.output


def test_nothing_is_written_outside_the_output_folder(rendered, tmp_path):
    folder, _ = rendered
    elsewhere, out = tmp_path / "elsewhere", tmp_path / "out"
    elsewhere.mkdir()
    out.mkdir()
    (out / "images").symlink_to(elsewhere)
    res = run_export(folder, "coco", out)
    assert res.exit_code == 1 and "outside the output folder" in res.output
    assert list(elsewhere.iterdir()) == []


def test_export_help_loads_nothing_heavy():
    from tests.test_cli_imports import heavy_modules
    assert heavy_modules("ecgprint", "export", "--help") == set()
