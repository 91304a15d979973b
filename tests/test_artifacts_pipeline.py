"""Presets and pipelines: severity 0 is clean, severity is monotone, renders are deterministic and replayable,
custom descriptions validate with errors naming the bad key, configs round-trip."""

import json

import cv2
import numpy as np
import pytest

from ecgprint.artifacts import ARTIFACTS, PRESETS, parse_description, pipeline_from_description, replay
from ecgprint.paper import Paper
from ecgprint.render import RenderConfig, render
from tests.conftest import spike_record

SMALL = Paper(dpi=100)
NOISY = [name for name in PRESETS if name != "clean"]


def psnr_at_reading_scale(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR of the two pages area-averaged 4x (1 px per mm here): what a reader sees, so fax halftone dots and
    pixel noise count by the tone they leave, not dot by dot."""
    small = [cv2.resize(im, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA) for im in (a, b)]
    return cv2.PSNR(*small)


def geometry_only(result, clean) -> np.ndarray:
    """The clean page put through the render's geometric artifacts alone (same recorded params)."""
    moves = [r for r in result.meta["artifacts"] if ARTIFACTS[r["name"]].geometric]
    return replay(moves, clean.image, clean.truth)[0]


@pytest.fixture(scope="module")
def record():
    return spike_record()


@pytest.fixture(scope="module")
def clean(record):
    return render(record, RenderConfig(paper=SMALL))


@pytest.mark.parametrize("name", list(PRESETS))
def test_severity_zero_is_the_clean_page(record, clean, name):
    res = render(record, RenderConfig(paper=SMALL, preset=name, severity=0.0), seed=5)
    assert np.array_equal(res.image, clean.image) and res.meta["artifacts"] == []


@pytest.mark.parametrize("name", NOISY)
def test_severity_is_monotone(record, clean, name):
    """Degradation (PSNR against the clean page moved by the same geometric artifacts) grows with severity,
    and so does how far the trace moves. Pixel similarity to the unmoved clean page would say nothing once the
    page has moved, so geometry is measured by the truth instead."""
    for seed in (0, 1, 2):
        results = [render(record, RenderConfig(paper=SMALL, preset=name, severity=s), seed) for s in (0.25, 0.5, 1.0)]
        scores = [psnr_at_reading_scale(geometry_only(r, clean), r.image) for r in results]
        assert scores[0] > scores[1] > scores[2], (name, seed, scores)
        moved = [np.mean([np.abs(a.points - b.points).mean() for a, b in zip(r.truth.leads, clean.truth.leads)])
                 for r in results]
        assert moved[0] <= moved[1] <= moved[2], (name, seed, moved)


@pytest.mark.parametrize("name", NOISY)
def test_same_seed_same_bytes_and_truth(record, name):
    config = RenderConfig(paper=SMALL, preset=name, severity=0.7, mask=True)
    a, b, c = render(record, config, 11), render(record, config, 11), render(record, config, 12)
    assert np.array_equal(a.image, b.image) and np.array_equal(a.mask, b.mask)
    assert json.dumps(a.truth_dict()) == json.dumps(b.truth_dict())
    assert not np.array_equal(a.image, c.image)
    assert a.meta["artifacts"] != c.meta["artifacts"]


@pytest.mark.parametrize("name", NOISY)
def test_recorded_params_replay_the_render(record, clean, name):
    config = RenderConfig(paper=SMALL, preset=name, severity=0.6, mask=True)
    res = render(record, config, 3)
    records = json.loads(json.dumps(res.truth_dict()))["artifacts"]
    base = render(record, RenderConfig(paper=SMALL, mask=True))
    image, truth, mask = replay(records, base.image, base.truth, base.mask)
    assert np.array_equal(image, res.image) and np.array_equal(mask, res.mask)
    assert json.dumps(truth.to_dict()) == json.dumps(res.truth.to_dict())


def test_every_artifact_is_in_a_preset_and_a_family():
    assert {a.name for p in PRESETS.values() for a in p.artifacts} == set(ARTIFACTS)
    assert {a.family for a in (cls() for cls in ARTIFACTS.values())} == {"print", "photometric", "scanner", "photo",
                                                                         "damage"}


def test_custom_pipeline_and_config_round_trip(record):
    desc = '[{"name": "skew", "max_deg": 2, "p": 1}, "jpeg", {"name": "wrinkles", "p": 0.5}]'
    config = RenderConfig(paper=SMALL, preset="print", severity=0.4, artifacts=json.loads(desc))
    assert RenderConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
    assert [a.name for a in pipeline_from_description(desc).artifacts] == ["skew", "jpeg", "wrinkles"]
    names = [r["name"] for r in render(record, config, 1).meta["artifacts"]]
    assert names == [a.name for a in PRESETS["print"].artifacts] + ["skew", "jpeg", "wrinkles"]


@pytest.mark.parametrize("desc, message", [
    ('[{"name": "skew", "max_degs": 2}]', "max_degs"),
    ('[{"name": "blurr"}]', "blurr"),
    ('[{"p": 1}]', "'name'"),
    ('[{"name": "jpeg", "p": 2}]', "p must be within 0..1"),
    ('[{"name": "noise", "max_std": "high"}]', "max_std"),
    ('{"artifact": []}', "artifact"),
    ('[{"name": "skew",}]', "invalid JSON"),
    ('"skew"', "expected a list"),
])
def test_bad_descriptions_name_the_problem(desc, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        parse_description(desc)
    with pytest.raises(ValueError, match="artifacts"):
        RenderConfig(artifacts=desc)


def test_bad_preset_and_severity():
    with pytest.raises(ValueError, match="unknown preset 'scanned'"):
        RenderConfig(preset="scanned")
    with pytest.raises(ValueError, match="severity"):
        RenderConfig(preset="scan", severity=1.5)
