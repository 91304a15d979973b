"""Drawing styles: the default is the classic look, random draws are seeded and recorded, every knob does what it
says in mm, and the truth stays on the ink in any style (pen ink found by re-drawing with another pen colour)."""

import dataclasses
import json
import tomllib

import numpy as np
import pytest

from ecgprint.layout import GAP_MM
from ecgprint.marks import BAR_WIDTH_MM
from ecgprint.paper import Paper
from ecgprint.raster import grid_canvas
from ecgprint.render import RenderConfig, render
from ecgprint.style import CHOICES, GRIDS, HEADER_FIELDS, LAYOUTS, Style, random_style, seeded_style
from tests.conftest import spike_record

DPI = 100
PPMM = DPI / 25.4
BASE = RenderConfig(paper=Paper(dpi=DPI))


@pytest.fixture(scope="module")
def record():
    return spike_record()


def inverted(colour):
    return tuple(255 - c for c in colour)


def drawn_by(record, config, seed, pen: str, share: float) -> np.ndarray:
    """Pixels at least `share` covered by the `pen` ("trace_color" or "text_color"): where the page changes when
    that pen's colour changes (pixel = background x (1 - coverage) + colour x coverage)."""
    colour = getattr(config, pen)
    a = render(record, config, seed).image.astype(int)
    b = render(record, dataclasses.replace(config, **{pen: inverted(colour)}), seed).image.astype(int)
    full = np.abs(np.asarray(colour) - np.asarray(inverted(colour))).sum()
    return np.abs(a - b).sum(axis=2) > share * full


def near(mask: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Whether each (x, y) point has a mask pixel within its 3 x 3 neighbourhood."""
    xs, ys = np.rint(pts[:, 0]).astype(int), np.rint(pts[:, 1]).astype(int)
    hit = np.zeros(len(pts), bool)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            hit |= mask[np.clip(ys + dy, 0, mask.shape[0] - 1), np.clip(xs + dx, 0, mask.shape[1] - 1)]
    return hit


def along(polyline: np.ndarray, step: float = 0.5) -> np.ndarray:
    """Points every `step` px along a polyline's segments."""
    out = [polyline[:1]]
    for p, q in zip(polyline[:-1], polyline[1:]):
        n = max(1, int(np.ceil(np.linalg.norm(q - p) / step)))
        out.append(p + (q - p) * (np.arange(1, n + 1) / n)[:, None])
    return np.concatenate(out)


def assert_truth_on_ink(record, config, seed=0):
    """Trace points and calibration polylines on the pen's ink, text ink inside the text boxes and every box inked."""
    res = render(record, config, seed)
    # Thin anti-aliased glyph strokes (a 1 px "I") cover ~40 % of their pixels: text ink counts from 15 %.
    pen, text = drawn_by(record, config, seed, "trace_color", 0.4), drawn_by(record, config, seed, "text_color", 0.15)
    ink = pen | text            # text printed over a trace hides the trace's pen there
    assert res.truth.leads
    for lt in res.truth.leads:
        pts = lt.points[lt.visible]
        assert near(ink, pts).mean() >= 0.99, (lt.label, near(ink, pts).mean())
        x0, y0, x1, y1 = lt.box
        assert ((pts[:, 0] >= x0) & (pts[:, 0] <= x1) & (pts[:, 1] >= y0) & (pts[:, 1] <= y1)).all()
    assert len(res.truth.calibration) == (res.truth.leads[-1].row + 1 if config.show_calibration else 0)
    for cal in res.truth.calibration:
        assert near(ink, along(cal)).mean() >= 0.99
    covered = np.zeros_like(text)
    pad = 2 + round(config.text_height_mm * config.style.label_scale * PPMM / 12)
    for entry in res.truth.text:
        x0, y0, x1, y1 = (int(round(v)) for v in entry["box"])
        assert text[max(y0, 0):y1 + 1, max(x0, 0):x1 + 1].sum() >= 3, entry
        covered[max(y0 - pad, 0):y1 + pad + 1, max(x0 - pad, 0):x1 + pad + 1] = True
    assert text.sum() > 0 and not (text & ~covered).any()
    return res


def test_default_style_is_the_classic_look(record):
    config = RenderConfig()
    assert config.style == Style() and RenderConfig(style=Style()) == config
    old = {k: v for k, v in config.to_dict().items() if k != "style"}   # a config saved before styles existed
    assert RenderConfig.from_dict(old) == config
    explicit = dataclasses.replace(config, style=Style.from_dict(config.to_dict()["style"]))
    assert render(record, explicit, 3).image.tobytes() == render(record, config, 3).image.tobytes()


@pytest.mark.parametrize("seed", range(20))
def test_truth_stays_on_the_ink_under_random_styles(record, seed):
    assert_truth_on_ink(record, seeded_style(seed, BASE), seed)


def test_style_draws_are_seeded_and_recorded(record):
    base = RenderConfig(preset="print", severity=0.4, duration=8.0, start=1.0, mask=True)
    drawn = [seeded_style(seed, base) for seed in range(10)]
    assert [seeded_style(seed, base) for seed in range(10)] == drawn
    assert random_style(np.random.default_rng(7), base) == random_style(np.random.default_rng(7), base)
    assert len({json.dumps(c.to_dict(), sort_keys=True) for c in drawn}) == 10
    for config in drawn:
        assert (config.preset, config.severity, config.duration, config.start, config.mask) == ("print", 0.4, 8.0,
                                                                                              1.0, True)
        assert (config.paper.speed, config.paper.gain) == (base.paper.speed, base.paper.gain)
    config = drawn[3]
    again = RenderConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert again == config
    assert render(record, again, 5).image.tobytes() == render(record, config, 5).image.tobytes()


def test_the_random_draw_reaches_every_knob_value():
    drawn = [seeded_style(seed, BASE) for seed in range(300)]
    styles = [c.style for c in drawn]
    for name, values in CHOICES.items():
        assert {getattr(s, name) for s in styles} == set(values), name
    for name in ("antialias", "minor_grid", "calibration_joined"):
        assert {getattr(s, name) for s in styles} == {False, True}, name
    assert {s.calibration_mv for s in styles} == {0.5, 1.0}
    assert {f for s in styles for line in s.header_lines + s.footer_lines for f in line} == set(HEADER_FIELDS)
    assert {(len(s.header_lines), len(s.footer_lines)) for s in styles} >= {(1, 0), (2, 1), (0, 3), (1, 2), (3, 0)}
    assert min(s.header_mm for s in styles) < 5 and max(s.header_mm for s in styles) > 50
    assert {c.paper.grid for c in drawn} == set(GRIDS) and {c.paper.size for c in drawn} == {"letter", "a4"}
    assert {(c.layout, c.rhythm) for c in drawn} == set(LAYOUTS)
    for name in ("show_calibration", "show_separators", "show_header"):
        assert {getattr(c, name) for c in drawn} == {False, True}, name
    widths, dpis = [c.line_width_mm for c in drawn], [c.paper.dpi for c in drawn]
    assert 0.1 <= min(widths) < 0.12 and 0.58 < max(widths) <= 0.6 and 100 <= min(dpis) < 105 and 195 < max(dpis) <= 200
    assert len({c.trace_color for c in drawn}) > 20


KNOBS = ([(name, value) for name, values in CHOICES.items() for value in values]
         + [("antialias", False), ("minor_grid", False), ("calibration_joined", True), ("calibration_mv", 0.5),
            ("grid_intensity", 0.4), ("grid_intensity", 1.4), ("header_lines", (HEADER_FIELDS[:4], HEADER_FIELDS[4:])),
            ("footer_lines", (HEADER_FIELDS[3:],))])


@pytest.mark.parametrize("name, value", KNOBS)
def test_every_knob_value_keeps_the_truth_on_the_ink(record, name, value):
    assert_truth_on_ink(record, dataclasses.replace(BASE, style=Style(**{name: value})), seed=1)


def _mm(res, lead=0):
    """(baseline, cell top, cell bottom, first x, last x) of a lead, in mm."""
    lt = res.truth.leads[lead]
    return lt.points[0, 1] / PPMM, lt.cell[1] / PPMM, lt.cell[3] / PPMM, lt.points[0, 0] / PPMM, lt.points[-1, 0] / PPMM


def test_rows_spread_or_packed_under_the_header_band(record):
    page_h, margin = BASE.paper.size_mm[1], BASE.paper.margin_mm
    for placement in ("packed_top", "packed_bottom"):
        style = Style(row_placement=placement, row_pitch_mm=30.0, header_mm=40.0)
        res = render(record, dataclasses.replace(BASE, style=style))
        rows = [lt for lt in res.truth.leads if lt.t_start == 0]       # first panel of rows 0..3
        baselines = [lt.points[0, 1] / PPMM for lt in rows]            # every lead is 0 mV at t = 0
        assert np.diff(baselines) == pytest.approx([30.0] * 3, abs=1.0)
        tops, bottoms = rows[0].cell[1] / PPMM, rows[-1].cell[3] / PPMM
        if placement == "packed_top":
            assert tops == pytest.approx(margin + 40.0)
        else:
            assert bottoms == pytest.approx(page_h - margin) and tops > margin + 40.0 + 10
    style = Style(header_lines=(("id",),), footer_lines=(("speed", "gain"),), header_mm=40.0, footer_mm=12.0,
                  row_placement="packed_bottom")
    res = render(record, dataclasses.replace(BASE, style=style))
    header, footer = res.truth.text[-2:]
    assert header["text"] == "ID: spikes" and footer["text"] == "25 mm/s    10 mm/mV"
    assert header["box"][3] / PPMM < margin + 14 < min(lt.cell[1] for lt in res.truth.leads) / PPMM
    assert max(lt.cell[3] for lt in res.truth.leads) / PPMM == pytest.approx(page_h - margin - 12.0)
    assert footer["box"][1] / PPMM > page_h - margin - 12.0 and footer["box"][3] / PPMM < page_h - margin


@pytest.mark.parametrize("position", ["before", "after"])
@pytest.mark.parametrize("joined", [False, True])
def test_calibration_before_or_after_joined_or_not(record, position, joined):
    style = Style(calibration=position, calibration_joined=joined, calibration_mv=0.5)
    res = render(record, dataclasses.replace(BASE, style=style))
    cal = res.truth.calibration[0] / PPMM
    row0 = [lt for lt in res.truth.leads if lt.row == 0]
    start, end = row0[0].points[0, 0] / PPMM, row0[-1].points[-1, 0] / PPMM
    assert cal[:, 1].max() - cal[:, 1].min() == pytest.approx(0.5 * BASE.paper.gain)   # 0.5 mV = 5 mm
    if position == "before":
        assert cal[:, 0].max() == pytest.approx(start, abs=0.1) if joined else cal[:, 0].max() < start - 0.5
    else:
        assert cal[:, 0].min() == pytest.approx(end, abs=0.1) if joined else cal[:, 0].min() > end + 1.5
        assert cal[:, 0].max() <= BASE.paper.size_mm[0] - BASE.paper.margin_mm


def test_lead_names_above_below_or_left(record):
    boxes = {}
    for position in ("above", "below", "left"):
        res = render(record, dataclasses.replace(BASE, style=Style(label_position=position)))
        boxes[position] = {(t["text"], i): np.asarray(t["box"]) / PPMM for i, t in enumerate(res.truth.text[:-1])}
        baselines = [lt.cell[1] / PPMM + (lt.cell[3] - lt.cell[1]) / PPMM / 2 for lt in res.truth.leads]
        origin = res.truth.leads[0].points[0, 0] / PPMM
        for (label, i), box in boxes[position].items():
            lt = res.truth.leads[i]
            if position == "above" or (position == "left" and lt.t_start > 0):
                assert box[3] < baselines[i] - 5 and box[0] > lt.points[0, 0] / PPMM
            elif position == "below":
                assert box[1] > baselines[i] + 5
            else:
                assert box[2] < origin - 10 and box[1] < baselines[i] < box[3], label   # in the gutter, beside
    assert origin >= 25.0     # the gutter moved the traces right of the classic 15 mm origin


def test_separators_tick_bar_or_gap(record):
    def page(kind, show=True):
        return render(record, RenderConfig(paper=Paper(dpi=200, grid="none"), show_labels=False, show_header=False,
                                           show_separators=show, style=Style(separator=kind)))
    plain = page("tick", show=False).image.max(axis=2) >= 128
    ppmm = 200 / 25.4

    tick, bar, gap = page("tick"), page("bar"), page("gap")
    x = int(round(tick.truth.leads[1].points[0, 0]))        # the boundary between I and aVR

    def width(res):     # columns there crossed by separator ink (dark here, light without separators) in 3 rows
        return int((((res.image.max(axis=2) < 128) & plain)[:, x - 10:x + 11].sum(axis=0) > 60).sum())
    assert width(bar) >= BAR_WIDTH_MM * ppmm - 1 > 3 >= width(tick) > 0
    assert width(gap) == 0
    end_i, start_avr = gap.truth.leads[0].points[-1, 0], gap.truth.leads[1].points[0, 0]
    assert (start_avr - end_i) / ppmm == pytest.approx(GAP_MM, abs=0.1)
    assert gap.truth.leads[0].t_end == pytest.approx(2.5 - GAP_MM / BASE.paper.speed)


def test_grid_intensity_pattern_and_minor_toggle():
    paper = Paper(dpi=200, grid="red")
    ppmm = paper.px_per_mm
    y = int(round(50 * ppmm))                                      # on a major line (50 mm)
    y_minor = int(round(52 * ppmm))                                # on a minor line
    full = grid_canvas(paper).astype(int)
    half = grid_canvas(paper, 0.5).astype(int)
    paper_rgb = full[int(round(52.5 * ppmm)), int(round(52.5 * ppmm))]    # between lines
    np.testing.assert_allclose(half[y_minor] - paper_rgb, (full[y_minor] - paper_rgb) / 2, atol=1)
    assert (grid_canvas(paper, minor=False)[y_minor, int(round(52.5 * ppmm))] == paper_rgb).all()
    x0, x1 = int(round(20 * ppmm)), int(round(220 * ppmm))
    for pattern, share in (("solid", 1.0), ("dashed", 0.5), ("dotted", 0.25)):
        row = grid_canvas(paper, pattern=pattern, minor=False)[y, x0:x1].astype(int)
        inked = np.abs(row - paper_rgb).sum(axis=1) > 170        # at least half covered
        assert inked.mean() == pytest.approx(share, abs=0.08), pattern


def test_antialias_off_draws_only_the_pen_colour(record):
    plain = dataclasses.replace(BASE, paper=Paper(dpi=DPI, grid="none"), show_labels=False, show_header=False,
                                trace_color=(0, 0, 110))
    hard = render(record, dataclasses.replace(plain, style=Style(antialias=False))).image
    soft = render(record, plain).image
    assert {tuple(c) for c in np.unique(hard.reshape(-1, 3), axis=0)} == {(255, 255, 255), (0, 0, 110)}
    assert len(np.unique(soft.reshape(-1, 3), axis=0)) > 10


def test_header_fields_and_fonts(record):
    lines = (("id", "date", "rate"), ("speed", "gain", "filter", "fs"), ("unconfirmed",))
    config = dataclasses.replace(BASE, style=Style(header_lines=lines, font="triplex"))
    texts = [t["text"] for t in render(record, config, seed=4).truth.text[-3:]]
    assert texts[0].startswith("ID: spikes    ") and " bpm" in texts[0]
    assert texts[1] == "25 mm/s    10 mm/mV    0.05-150 Hz    500 Hz" and texts[2] == "Unconfirmed report"
    assert render(record, config, seed=4).truth.text[-3]["text"] == texts[0]
    assert render(record, config, seed=5).truth.text[-3]["text"] != texts[0]    # fake date/rate follow the seed
    pages = [render(record, dataclasses.replace(BASE, style=Style(font=font))) for font in CHOICES["font"]]
    # OpenCV 4 draws five Hershey faces; OpenCV 5 draws these constants in one sans face, regular or bold.
    assert len({page.image.tobytes() for page in pages}) >= 2
    caps = [page.truth.text[0]["box"][3] - page.truth.text[0]["box"][1] for page in pages]   # "I": cap height
    assert caps == pytest.approx([BASE.text_height_mm * PPMM] * len(pages), abs=1.5)


@pytest.mark.parametrize("bad, match", [
    ({"major_pattern": "wavy"}, "major_pattern"), ({"grid_intensity": 3.0}, "grid_intensity"),
    ({"header_lines": [["id", "name"]]}, "header_lines"), ({"calibration_mv": 2.0}, "calibration_mv"),
    ({"antialias": "yes"}, "antialias"), ({"colour": 1}, "unknown style key"),
    ({"header_mm": 100.0, "footer_mm": 100.0}, "leave less than 10 mm for the rows")])
def test_bad_styles_fail_in_one_line(bad, match):
    with pytest.raises(ValueError, match=match) as exc:
        RenderConfig.from_dict({"style": bad})
    assert "\n" not in str(exc.value)


RECIPE = """
[dataset]
name = "styled"
seed = 3

[[sources]]
type = "synthetic"
name = "synth"
options = { n = 4, fs = 250, duration = 10 }

[split]
ratios = { train = 1.0 }

[signal]
fs = 100
samples = 1000

[[variants]]
name = "random"
style = "random"
preset = "print"
severity = 0.3
"""


def test_a_random_style_recipe_draws_per_row_and_re_renders(tmp_path):
    import pyarrow.parquet as pq

    from ecgprint.dataset.build import build
    from ecgprint.dataset.plan import source_items
    from ecgprint.dataset.read import row_config
    from ecgprint.dataset.recipe import RecipeError, parse_recipe
    from ecgprint.image_decode import decode_image
    recipe = parse_recipe(tomllib.loads(RECIPE))
    assert recipe.raw["variants"][0]["style"] == "random"
    plain = parse_recipe(tomllib.loads(RECIPE.replace('style = "random"\n', "")))
    assert "style" not in plain.raw["variants"][0]
    with pytest.raises(RecipeError, match=r"variants\[0\].style"):
        parse_recipe(tomllib.loads(RECIPE.replace('"random"', '"fancy"')))
    build(recipe, tmp_path / "out", workers=1, progress=False)
    rows = pq.read_table(sorted((tmp_path / "out" / "data").glob("*.parquet"))).to_pylist()
    assert len(rows) == 4 and len({row["render_config"] for row in rows}) == 4
    records = {item.record_id: item for item in source_items(recipe, 0)}
    for row in rows:
        config = row_config(row)
        assert config.preset == "print" and config.severity == 0.3 and config.style != Style()
        again = render(records[row["record_id"]].load(), config, row["seed"]).image
        assert (decode_image(row["image"]["bytes"]) == again).all()


def test_a_style_seed_prints_every_row_of_its_variant_in_one_drawn_style():
    from ecgprint.dataset.plan import make_plan, source_items
    from ecgprint.dataset.recipe import RecipeError, parse_recipe
    from ecgprint.dataset.worker import row_config
    recipe = parse_recipe(tomllib.loads(RECIPE.replace('style = "random"\n', 'style = "random"\nstyle_seed = 7\n')))
    assert recipe.raw["variants"][0]["style_seed"] == 7
    items = source_items(recipe, 0)
    configs = [row_config(recipe, row, items[row.item].record_id)[2] for shard in make_plan(recipe)
               for row in shard.rows]
    base = RenderConfig.from_dict({"preset": "print", "severity": 0.3})
    assert len(configs) == 4 and all(config == seeded_style(7, base) for config in configs)
    assert seeded_style(7, base).style != seeded_style(8, base).style
    for bad in ('style_seed = 7\n', 'style = "random"\nstyle_seed = -1\n'):
        with pytest.raises(RecipeError, match="style_seed"):
            parse_recipe(tomllib.loads(RECIPE.replace('style = "random"\n', bad)))


def test_cli_render_style_random(tmp_path):
    from click.testing import CliRunner

    from cli.ecgprint import main
    result = CliRunner().invoke(main, ["render", "--example", "-o", str(tmp_path), "--style", "random", "--seed", "3",
                                       "--preset", "clean"])
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / "example.json").read_text())
    config = RenderConfig.from_dict(saved["config"])
    assert config == seeded_style(3, RenderConfig(severity=0.5))
