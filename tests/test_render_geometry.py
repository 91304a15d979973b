"""Printed geometry in mm: calibration height, grid spacing, paper speed, and exact trace truth."""

import numpy as np
import pytest

from ecgprint.paper import Paper
from ecgprint.render import RenderConfig, encode_image, line_thickness_px, render
from tests.conftest import spike_record

DPI = 200
PPMM = DPI / 25.4


def ink(image: np.ndarray) -> np.ndarray:
    """Black trace/text ink: every channel dark (grid colours always keep one bright channel)."""
    return image.max(axis=2) < 110


def column_ink_centre(image: np.ndarray, x: int, y0: int, y1: int) -> float:
    rows = np.flatnonzero(ink(image)[y0:y1, x]) + y0
    assert rows.size, f"no ink in column {x} rows {y0}..{y1}"
    return float(rows.mean())


@pytest.mark.parametrize("gain", [10.0, 20.0])
def test_calibration_pulse_is_one_mv_tall(spikes, gain):
    res = render(spikes, RenderConfig(paper=Paper(dpi=DPI, gain=gain)))
    cal = res.truth.calibration[0]          # px polyline: base, base, top, top, base, base
    x_base = int(round((cal[0, 0] + cal[1, 0]) / 2))
    x_top = int(round((cal[2, 0] + cal[3, 0]) / 2))
    y_lo, y_hi = int(cal[2, 1] - 20), int(cal[0, 1] + 20)
    height = column_ink_centre(res.image, x_base, y_lo, y_hi) - column_ink_centre(res.image, x_top, y_lo, y_hi)
    assert height == pytest.approx(gain * PPMM, abs=1.0)


def test_minor_grid_spacing_is_one_mm():
    paper = Paper(dpi=DPI, grid="red")
    res = render(spike_record(), RenderConfig(paper=paper))
    y = int(round((paper.size_mm[1] - paper.margin_mm - 2.5) * PPMM))   # below the last row, no ink
    line = 255 - res.image[y, :, 1].astype(float)                        # grid lines drop the green channel
    on = line > 20
    edges = np.flatnonzero(np.diff(np.r_[0, on.astype(int), 0]))
    centres = np.array([np.average(np.arange(a, b), weights=line[a:b]) for a, b in zip(edges[::2], edges[1::2])])
    mm_index = np.rint(centres / PPMM)
    assert len(centres) > 200 and len(np.unique(mm_index)) == len(centres)
    spacing = np.polyfit(mm_index, centres, 1)[0]
    assert spacing == pytest.approx(DPI / 25.4, abs=0.5)
    assert np.abs(centres - mm_index * PPMM).max() < 0.5     # every line on the mm lattice


@pytest.mark.parametrize("speed", [25.0, 50.0])
def test_one_second_spans_speed_mm(speed):
    rec = spike_record(period=1.0)
    res = render(rec, RenderConfig(paper=Paper(dpi=DPI, speed=speed)))
    strip = res.truth.leads[-1]                     # the lead II rhythm strip
    y0, y1 = int(strip.cell[1]), int(strip.cell[3])
    column_height = ink(res.image)[y0:y1].sum(axis=0).astype(float)
    column_height[: int(strip.points[0, 0]) + 5] = 0
    cols = np.flatnonzero(column_height > 0.5 * column_height.max())   # columns crossed by spike strokes
    groups = np.split(cols, np.flatnonzero(np.diff(cols) > 0.3 * speed * PPMM) + 1)
    peaks = np.array([np.average(g, weights=column_height[g]) for g in groups])
    assert len(peaks) >= 4
    assert np.diff(peaks).mean() == pytest.approx(speed * PPMM, abs=1.0)


@pytest.mark.parametrize("layout", ["3x4", "3x4_cabrera", "6x2", "12x1"])
def test_truth_points_land_on_ink(spikes, layout):
    res = render(spikes, RenderConfig(paper=Paper(dpi=DPI), layout=layout))
    dark = ink(res.image)
    for lt in res.truth.leads:
        pts = lt.points[lt.visible]
        xs, ys = np.rint(pts[:, 0]).astype(int), np.rint(pts[:, 1]).astype(int)
        near = np.zeros(len(pts), bool)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                yy = np.clip(ys + dy, 0, dark.shape[0] - 1)
                xx = np.clip(xs + dx, 0, dark.shape[1] - 1)
                near |= dark[yy, xx]
        assert near.mean() >= 0.99, (layout, lt.label, near.mean())
        x0, y0, x1, y1 = lt.box
        assert ((pts[:, 0] >= x0) & (pts[:, 0] <= x1) & (pts[:, 1] >= y0) & (pts[:, 1] <= y1)).all()


def test_mask_pixels_lie_on_ink(spikes):
    res = render(spikes, RenderConfig(paper=Paper(dpi=DPI, grid="none"), show_labels=False, show_header=False,
                                      show_calibration=False, show_separators=False, mask=True))
    assert res.mask is not None and res.mask.shape == res.image.shape[:2]
    on = res.mask > 0
    assert on.sum() > 1000
    assert (res.image.max(axis=2)[on] < 200).all()
    assert set(np.unique(res.mask)) == set(range(13))     # background + all 12 leads labelled


def test_render_is_byte_identical():
    from ecgprint import raster
    a = encode_image(render(spike_record(), RenderConfig(), seed=3).image)
    raster._grid_background.cache_clear()
    b = encode_image(render(spike_record(), RenderConfig(), seed=3).image)
    assert a == b


def test_line_width_follows_mm():
    cfg = RenderConfig(paper=Paper(dpi=600), line_width_mm=0.3)
    assert line_thickness_px(cfg) == round(0.3 * 600 / 25.4)
