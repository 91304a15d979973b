"""Layouts place the right lead over the right time window; configs validate and round-trip."""

import json

import numpy as np
import pytest

from ecgprint.layout import fit_duration
from ecgprint.paper import Paper
from ecgprint.render import RenderConfig, render
from tests.conftest import spike_record


def panels(result):
    return [(lt.label, lt.row, round(lt.t_start, 3), round(lt.t_end, 3)) for lt in result.truth.leads]


def test_3x4_columns_are_simultaneous_and_rhythm_strip_spans_page(spikes):
    res = render(spikes, RenderConfig())
    got = panels(res)
    assert got[:4] == [("I", 0, 0.0, 2.5), ("aVR", 0, 2.5, 5.0), ("V1", 0, 5.0, 7.5), ("V4", 0, 7.5, 10.0)]
    assert ("V6", 2, 7.5, 10.0) in got and got[-1] == ("II", 3, 0.0, 10.0)
    lead_v4 = res.truth.leads[3]
    assert (lead_v4.sample_start, lead_v4.sample_end) == (3750, 5000)
    # y is the signal through the gain: baseline - mV * 10 mm/mV
    ppmm = res.truth.px_per_mm
    y_mm = lead_v4.points[:, 1] / ppmm
    mv = spikes.lead("V4")[3750:5000]
    assert np.allclose(y_mm + mv * 10.0, y_mm[0] + mv[0] * 10.0, atol=1e-4)


@pytest.mark.parametrize("rhythm, rows", [((), 3), (("II",), 4), (("II", "V1", "V5"), 6)])
def test_3x4_rhythm_strips(spikes, rhythm, rows):
    res = render(spikes, RenderConfig(rhythm=rhythm))
    assert max(lt.row for lt in res.truth.leads) + 1 == rows
    assert [lt.label for lt in res.truth.leads[12:]] == list(rhythm)


def test_more_than_three_rhythm_strips_is_rejected():
    with pytest.raises(ValueError, match="at most 3"):
        RenderConfig(rhythm=("I", "II", "III", "V1"))


def test_cabrera_order_prints_inverted_avr(spikes):
    res = render(spikes, RenderConfig(layout="3x4_cabrera"))
    labels = [lt.label for lt in res.truth.leads]
    assert labels[:4] == ["aVL", "II", "V1", "V4"] and "-aVR" in labels
    inv = next(lt for lt in res.truth.leads if lt.label == "-aVR")
    assert inv.lead == "aVR" and inv.sign == -1.0


@pytest.mark.parametrize("layout, n_panels, n_rows", [("6x2", 12, 6), ("12x1", 12, 12)])
def test_other_layouts(spikes, layout, n_panels, n_rows):
    res = render(spikes, RenderConfig(layout=layout))
    assert len(res.truth.leads) == n_panels
    assert max(lt.row for lt in res.truth.leads) + 1 == n_rows
    assert sorted({lt.lead for lt in res.truth.leads}) == sorted(spikes.leads)


def test_custom_layout_with_explicit_windows(spikes):
    layout = {"rows": [["V1", "V2"], [{"lead": "II", "start": 1.0, "end": 6.0}]]}
    res = render(spikes, RenderConfig(layout=layout))
    assert panels(res) == [("V1", 0, 0.0, 5.0), ("V2", 0, 5.0, 10.0), ("II", 1, 1.0, 6.0)]
    strip = res.truth.leads[2]
    assert strip.sample_start == 500
    # horizontal position is time: the II strip starts 1 s = 25 mm right of V1's start
    assert strip.points[0, 0] - res.truth.leads[0].points[0, 0] == pytest.approx(25 * res.truth.px_per_mm)


@pytest.mark.parametrize("bad, message", [({"rows": [["V7"]]}, "unknown lead"), ({"cols": []}, "rows"),
                                          ({"rows": [[{"lead": "I", "start": 3, "end": 2}]]}, "start < end")])
def test_bad_custom_layout_is_a_clear_error(bad, message):
    with pytest.raises(ValueError, match=message):
        RenderConfig(layout=bad)


def test_short_record_is_truncated_not_padded():
    rec = spike_record(duration=4.0)
    res = render(rec, RenderConfig())
    by_label = {lt.label: lt for lt in res.truth.leads[:12]}
    assert by_label["aVR"].sample_end == 2000 and by_label["aVR"].t_end == 5.0
    assert "V1" not in by_label          # its window starts after the record ends: nothing drawn
    assert res.truth.leads[-1].sample_end == 2000


def test_window_start_into_long_record():
    rec = spike_record(duration=30.0)
    res = render(rec, RenderConfig(start=12.0))
    assert res.truth.leads[0].sample_start == 6000 and res.truth.leads[-1].sample_end == 11000
    with pytest.raises(ValueError, match="beyond"):
        render(rec, RenderConfig(start=30.0))


def test_fast_paper_shows_fewer_seconds_split_over_four_columns(spikes):
    paper = Paper(speed=50.0)
    shown = fit_duration(paper, 10.0)
    assert 5.0 < shown < 5.5
    res = render(spikes, RenderConfig(paper=paper))
    assert [round(lt.t_end, 3) for lt in res.truth.leads[:4]] == [round(shown * k / 4, 3) for k in (1, 2, 3, 4)]


def test_config_round_trips_through_json():
    cfg = RenderConfig(paper=Paper(size="a4", dpi=300, grid="blue"), layout={"rows": [["I", "II"]]},
                       rhythm=("V1",), trace_color=(0, 0, 128), mask=True)
    again = RenderConfig.from_dict(json.loads(json.dumps(cfg.to_dict())))
    assert again == cfg


@pytest.mark.parametrize("data, key", [({"colour": 1}, "colour"), ({"paper": {"dpi": 200, "sise": "a4"}}, "sise")])
def test_unknown_config_key_is_named(data, key):
    with pytest.raises(ValueError, match=key):
        RenderConfig.from_dict(data)


@pytest.mark.parametrize("kwargs", [{"dpi": 50}, {"speed": 30}, {"gain": 7}, {"grid": "purple"}, {"size": "a3"}])
def test_paper_validation(kwargs):
    with pytest.raises(ValueError):
        Paper(**kwargs)
