"""Grad-CAM explanations: the overlay has the input's size, per-lead attribution shares add up to 1, overlapping
boxes split their pixels, the heatmap lands where the feature cell looks, and bad truth is refused."""

import json

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from cli.vizecg import main
from ecgprint.leads import STANDARD_LEADS
from ecgprint.paper import Paper
from ecgprint.render import RenderConfig, encode_image, render, truth_json
from ecgprint.synth import example_record
from tests.study_helpers import trained_tiny
from tests.vizecg_helpers import one_thread  # noqa: F401
from vizecg.explain.gradcam import Explainer, box_sums, lead_boxes, shares, to_image
from vizecg.explain.overlay import overlay


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory):
    return trained_tiny(tmp_path_factory.mktemp("explain"))[1]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """A photographed page (perspective moves the lead boxes), as PNG + truth JSON and as a RenderResult."""
    folder = tmp_path_factory.mktemp("page")
    result = render(example_record(), RenderConfig(paper=Paper(dpi=72), preset="photo", severity=0.8), seed=4)
    (folder / "page.png").write_bytes(encode_image(result.image))
    (folder / "page.json").write_text(truth_json(result))
    return folder, result


def test_cli_overlay_has_the_input_size_and_lead_shares_add_up_to_one(ckpt, page, tmp_path):
    folder, result = page
    out = tmp_path / "cam" / "out.png"
    args = ["explain", str(folder / "page.png"), "--ckpt", str(ckpt), "-o", str(out), "--truth",
            str(folder / "page.json"), "--label", "SB", "--label", "ST", "--device", "cpu"]
    run = CliRunner().invoke(main, args)
    assert run.exit_code == 0, run.output
    report = json.loads(out.with_suffix(".json").read_text())["explanations"]
    assert [e["label"] for e in report] == ["SB", "ST"]
    assert [e["overlay"] for e in report] == [str(out), str(out.with_name("out_ST.png"))]
    for e in report:
        assert cv2.imread(e["overlay"]).shape == result.image.shape
        assert abs(sum(e["area_shares"].values()) - 1) < 1e-6
        assert list(e["area_shares"]) == list(STANDARD_LEADS)
        if e["lead_shares"] is not None:   # None only when Grad-CAM finds no positive evidence at all
            assert abs(sum(e["lead_shares"].values()) - 1) < 1e-6 and 0 < e["on_leads"] <= 1 + 1e-9
    assert any(e["lead_shares"] is not None for e in report)
    assert "lead share (area share)" in run.output


def test_default_labels_and_a_render_result_truth(ckpt, page):
    _, result = page
    explainer = Explainer(ckpt)
    explanations = explainer.explain(result.image, result.truth)
    predicted = [e.label for e in explanations if e.predicted]
    assert predicted == [e.label for e in explanations] or (len(explanations) == 1 and not predicted)
    probabilities = [e.probability for e in explanations]
    assert probabilities == sorted(probabilities, reverse=True)
    for e in explanations:
        assert e.heatmap.shape == result.image.shape[:2] and e.heatmap.min() >= 0
        assert e.heatmap.max() in (0.0, 1.0) or abs(e.heatmap.max() - 1) < 1e-6
        drawn = overlay(result.image, e, lead_boxes(result.truth, result.image.shape[:2]))
        assert drawn.shape == result.image.shape and drawn.dtype == np.uint8


def test_overlapping_boxes_split_their_pixels():
    boxes = [("V1", [0, 0, 9, 9]), ("V2", [5, 0, 14, 9]), ("V1", [0, 20, 9, 29])]   # V1 printed twice
    attribution = np.zeros((30, 20))
    attribution[0:10, 5:10] = 1.0            # 50 px, all in the overlap
    attribution[20:30, 0:10] = 2.0           # 100 px in V1's second box
    sums = box_sums(attribution, boxes)
    assert sums == {"V1": 25 + 200, "V2": 25}
    assert shares(sums) == {"V1": 225 / 250, "V2": 25 / 250}
    area = shares(box_sums(np.ones((30, 20)), boxes))
    assert area == {"V1": (75 + 100) / 250, "V2": 75 / 250}
    assert shares(box_sums(np.zeros((30, 20)), boxes)) is None


def test_a_feature_cell_lands_on_the_pixels_it_sees():
    """Cell (1, 2) of a stride-32 grid sits on model-input pixel (64, 32): on a 2x larger page, (128, 64)."""
    cam = np.zeros((2, 3), np.float32)
    cam[1, 2] = 1.0
    mapped = to_image(cam, (64, 96), 32, (128, 192))
    y, x = np.unravel_index(np.argmax(mapped), mapped.shape)
    assert abs(x - 128) <= 1 and abs(y - 64) <= 1 and mapped.shape == (128, 192)


def test_truth_of_another_image_and_unknown_labels_are_refused(ckpt, page, tmp_path):
    folder, result = page
    with pytest.raises(ValueError, match="truth is for a"):
        lead_boxes(result.truth, (10, 10))
    with pytest.raises(ValueError, match="unknown label"):
        Explainer(ckpt).explain(result.image, labels=["STEMI"])
    (tmp_path / "other.json").write_text(json.dumps({"leads": []}))
    run = CliRunner().invoke(main, ["explain", str(folder / "page.png"), "--ckpt", str(ckpt), "-o",
                                    str(tmp_path / "x.png"), "--truth", str(tmp_path / "other.json")])
    assert run.exit_code == 1 and "not an ecgprint truth JSON" in run.output
