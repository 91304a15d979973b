"""Truth stays exact through geometric artifacts and occluders: points on ink, mask on ink, off-image points
marked, page_to_image composed or invalidated."""

import numpy as np
import pytest

from ecgprint.artifacts import ARTIFACTS
from ecgprint.artifacts.geometry import apply_homography, invert_field, sample_field
from ecgprint.artifacts.scanner import Skew
from ecgprint.paper import Paper
from ecgprint.render import RenderConfig, render
from tests.conftest import spike_record

GEOMETRIC = ["skew", "perspective", "barrel", "wrinkles", "creases"]
OCCLUDERS = ["punch_holes", "staple", "torn_corner", "sticky_note"]
TRACE_ONLY = RenderConfig(paper=Paper(grid="none"), show_labels=False, show_header=False, show_calibration=False,
                          show_separators=False, mask=True)


@pytest.fixture(scope="module")
def trace_page():
    return render(spike_record(), TRACE_ONLY)


def ink(page: np.ndarray, blank: np.ndarray, darker: float) -> np.ndarray:
    """Trace ink: pixels darker than the same artifact applied to a blank page by the given fraction."""
    return page.astype(np.int32).sum(axis=2) < (1 - darker) * blank.astype(np.int32).sum(axis=2)


def near(mask: np.ndarray, xs: np.ndarray, ys: np.ndarray, radius: int) -> np.ndarray:
    hit = np.zeros(len(xs), bool)
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            if dx * dx + dy * dy <= radius * radius:
                hit |= mask[np.clip(ys + dy, 0, mask.shape[0] - 1), np.clip(xs + dx, 0, mask.shape[1] - 1)]
    return hit


@pytest.mark.parametrize("name", GEOMETRIC + OCCLUDERS)
@pytest.mark.parametrize("seed", [0, 1])
def test_truth_and_mask_follow_the_artifact(trace_page, name, seed):
    artifact = ARTIFACTS[name]()
    params = artifact.sample_params(np.random.default_rng(seed), 1.0)
    image, truth, mask = artifact.apply(trace_page.image, trace_page.truth, params, trace_page.mask)
    blank, _, _ = artifact.apply(np.full_like(trace_page.image, 255), trace_page.truth, params, None)
    strong = ink(image, blank, 0.25)
    for lt in truth.leads:
        pts = np.rint(lt.points[lt.visible]).astype(int)
        if len(pts):
            on = near(strong, pts[:, 0], pts[:, 1], 2)
            assert on.mean() >= 0.98, (name, lt.label, on.mean())
    faint = ink(image, blank, 0.04)
    on_mask = mask > 0
    assert on_mask.sum() > 5000
    assert faint[on_mask].all(), (name, int((~faint[on_mask]).sum()))
    assert len(truth.warps) == (1 if name in GEOMETRIC else 0)


@pytest.mark.parametrize("name", OCCLUDERS)
def test_occluders_hide_points_and_mask(trace_page, name):
    # Sticky notes and torn corners cover traces at severity 1 for these seeds: hidden points are marked.
    hidden = 0
    for seed in range(6):
        artifact = ARTIFACTS[name]()
        params = artifact.sample_params(np.random.default_rng(seed), 1.0)
        _, truth, mask = artifact.apply(trace_page.image, trace_page.truth, params, trace_page.mask)
        hidden += sum(int((~lt.visible).sum()) for lt in truth.leads)
        assert sum(len(lt.points) for lt in truth.leads) == sum(len(lt.points) for lt in trace_page.truth.leads)
    if name in ("sticky_note", "torn_corner"):
        assert hidden > 0


def test_points_pushed_off_the_image_are_marked_not_dropped(trace_page):
    params = {"angle_deg": 15.0, "shift": [0.1, -0.05], "fill": [30, 30, 30]}
    _, truth, _ = Skew().apply(trace_page.image, trace_page.truth, params, None)
    w, h = truth.width, truth.height
    off = 0
    for before, after in zip(trace_page.truth.leads, truth.leads):
        assert after.points.shape == before.points.shape
        outside = ((after.points[:, 0] < -0.5) | (after.points[:, 0] > w - 0.5)
                   | (after.points[:, 1] < -0.5) | (after.points[:, 1] > h - 0.5))
        assert not after.visible[outside].any()
        off += int(outside.sum())
        x0, y0, x1, y1 = after.box
        assert -0.5 <= x0 <= x1 <= w - 0.5 and -0.5 <= y0 <= y1 <= h - 0.5
    assert off > 100


@pytest.mark.parametrize("name", ["skew", "perspective"])
def test_page_to_image_composes_with_homographies(name):
    res = render(spike_record(), RenderConfig(artifacts=[name], severity=1.0), seed=2)
    truth = res.truth
    page_mm = np.array([[30.0, 40.0], [120.0, 100.0], [250.0, 190.0]])
    clean = RenderConfig().paper.px_per_mm * page_mm
    expected = apply_homography(clean, np.asarray(truth.warps[0]["matrix"]))
    np.testing.assert_allclose(apply_homography(page_mm, truth.page_to_image), expected, atol=1e-6)
    assert res.truth_dict()["warps"][0]["kind"] == "homography"


def test_dense_warps_invalidate_page_to_image():
    res = render(spike_record(), RenderConfig(artifacts=["skew", "barrel"], severity=0.5), seed=1)
    d = res.truth_dict()
    assert d["page_to_image"] is None
    assert [w["kind"] for w in d["warps"]] == ["homography", "dense"]
    assert d["warps"][1]["params"] == d["artifacts"][1]["params"]


def test_field_sampling_matches_cv2_resize_and_inverts():
    import cv2
    rng = np.random.default_rng(0)
    field = rng.normal(0, 1, (7, 9, 2)).astype(np.float32)
    size = (90, 61)
    full = cv2.resize(field, size, interpolation=cv2.INTER_LINEAR)
    pts = rng.uniform(-1, 90, (200, 2))
    pts[:, 1] = rng.uniform(-1, 61, 200)
    grid = np.array([[5, 7], [0, 0], [89, 60], [44, 30]], float)
    np.testing.assert_allclose(sample_field(field, grid, size), full[grid[:, 1].astype(int), grid[:, 0].astype(int)],
                               atol=1e-5)
    dst = invert_field(field, pts, size)
    np.testing.assert_allclose(dst + sample_field(field, dst, size), pts, atol=2e-3)
