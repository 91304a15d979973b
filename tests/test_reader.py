"""The reader route of vizecg predict: a page is read back into the stored signal's place (same samples, same mV),
a page without trace rows is refused, training masks show exactly what each printed layout shows, training is
seeded, and the predictor sends read pages to the reader and the others to the image stream."""

import numpy as np
import pytest
import torch

from ecgprint.dataset.signal import stored_signal
from ecgprint.paper import Paper
from ecgprint.raster import grid_canvas
from ecgprint.render import RenderConfig, render
from ecgprint.synth import example_record
from tests.vizecg_helpers import one_thread, save_untrained_checkpoint, save_untrained_reader  # noqa: F401
from vizecg.models import VizECGNet
from vizecg.page_signal import PageSignal, page_offset, page_signal
from vizecg.predict import Predictor, Reader
from vizecg.preprocess import InputSpec
from vizecg.training.reader import PRINTED, printed_mask, reader_config, train_reader

SPEC = InputSpec()


@pytest.fixture(scope="module")
def example_page():
    return render(example_record(), RenderConfig(paper=Paper(dpi=100)), seed=1).image


def test_a_clean_page_is_read_into_the_stored_signals_place(example_page):
    read = page_signal(example_page, SPEC)
    assert read.status == "3x4" and read.signal.shape == (12, SPEC.signal_samples)
    stored = stored_signal(example_record(), SPEC.signal_fs, SPEC.signal_samples).T
    start, quarter = page_offset(SPEC), int(SPEC.signal_fs * 2.5)
    for lead in range(12):
        printed = np.flatnonzero(read.signal[lead])
        if lead == 1:   # lead II is also the 10-s rhythm strip
            assert printed.min() <= start + 5 and printed.max() >= start + 4 * quarter - 20
        else:           # I II III | aVR aVL aVF | V1 V2 V3 | V4 V5 V6, 2.5 s each
            column = lead // 3
            assert start + column * quarter - 5 <= printed.min() and printed.max() < start + (column + 1) * quarter + 5
        r = np.corrcoef(read.signal[lead, printed], stored[lead, printed])[0, 1]
        error = np.abs(read.signal[lead, printed] - stored[lead, printed]).mean()
        assert r > 0.95 and error < 0.03, (lead, r, error)   # mV


def test_a_page_without_trace_rows_is_refused():
    read = page_signal(grid_canvas(Paper(dpi=100)), SPEC)
    assert read.signal is None and read.status.startswith("refused: ")


def test_printed_masks_show_what_each_layout_prints():
    page = int(10 * SPEC.signal_fs)
    shown = {"3x4": [page // 4] * 12, "3x4+II": [page // 4] * 12, "3x4+II,V1,V5": [page // 4] * 12,
             "6x2": [page // 2] * 12, "12x1": [page] * 12}
    for lead in (1,):
        shown["3x4+II"][lead] = page
    for lead in (1, 6, 10):
        shown["3x4+II,V1,V5"][lead] = page
    masks = printed_mask(np.random.default_rng(0), 400, SPEC)
    counts = [tuple(m.sum(axis=0).astype(int)) for m in masks]
    kinds = {tuple(v): k for k, v in shown.items()}
    assert set(counts) <= set(kinds) and len(set(counts)) == 5
    drawn = np.array([kinds[c] for c in counts])
    for kind, odds in PRINTED.items():
        assert abs((drawn == kind).mean() - odds) < 0.07
    assert masks[:, :page_offset(SPEC)].sum() == 0 == masks[:, page_offset(SPEC) + page:].sum()


def test_training_is_seeded_and_checks_its_input():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 0.3, (64, SPEC.signal_samples, 12)).astype(np.float32)
    y = (rng.random((64, 6)) < 0.3).astype(np.float32)
    a, b = (train_reader(x, y, 1, seed=3) for _ in range(2))
    assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values()))
    with pytest.raises(ValueError, match="need signals"):
        train_reader(x[:, :100], y, 1, seed=3)
    assert a.config == reader_config() and a.config.streams == "signal"


def test_read_pages_go_to_the_reader_and_refused_ones_to_the_image_stream(example_page, tmp_path):
    save_untrained_checkpoint(tmp_path / "tiny.pt")
    save_untrained_reader(tmp_path / "reader.pt")
    predictor = Predictor(tmp_path / "tiny.pt", reader=tmp_path / "reader.pt")
    blank = grid_canvas(Paper(dpi=100))
    read, no_ecg = predictor.predict([("page", example_page), ("blank", blank)])
    assert (read.route, read.read, no_ecg.route, no_ecg.read) == ("reader", "3x4", "image", None)
    expected = Reader(tmp_path / "reader.pt").classify(page_signal(example_page, SPEC).signal[None])[0][0]
    np.testing.assert_allclose(list(read.probabilities.values()), expected, rtol=1e-6)
    predictor.reader.read = lambda image: PageSignal(None, "refused: 5 trace rows match no standard layout")
    refused, = predictor.predict([("page", example_page)])
    assert (refused.route, refused.read) == ("image", "refused: 5 trace rows match no standard layout")
    np.testing.assert_allclose(list(refused.probabilities.values()), predictor.probabilities([example_page])[0])
    assert refused.ecg_found and not Predictor(tmp_path / "tiny.pt").reader   # no reader with a --ckpt of your own


def test_the_bundled_models_call_no_label_on_the_readmes_normal_example_page(tmp_path):
    """`ecgprint render --example` (a normal ECG, PR 135 ms) through `vizecg predict`'s defaults."""
    from click.testing import CliRunner

    from cli.ecgprint import main as ecgprint_main
    assert CliRunner().invoke(ecgprint_main, ["render", "--example", "-o", str(tmp_path)]).exit_code == 0
    page, = sorted(tmp_path.glob("*.png"))
    entry, = Predictor().predict_files([page])
    assert entry.ecg_found and entry.route == "reader" and not any(entry.decisions.values()), entry


def test_an_unassessed_label_gives_no_training_signal():
    """A label that is NaN (not assessed) on every row: its output row of the head never moves from its seeded
    initial value, while the assessed labels' rows learn."""
    rng = np.random.default_rng(1)
    x = rng.normal(0, 0.3, (64, SPEC.signal_samples, 12)).astype(np.float32)
    y = (rng.random((64, 6)) < 0.3).astype(np.float32)
    y[:, 3] = np.nan
    torch.manual_seed(3)
    initial = VizECGNet(reader_config()).state_dict()
    trained = train_reader(x, y, 1, seed=3).state_dict()
    last = [name for name in trained if name.startswith("signal_head") and trained[name].dim() == 2][-1]
    bias = last.replace("weight", "bias")
    for name in (last, bias):
        assert torch.equal(trained[name][3], initial[name][3])
        assert not torch.equal(trained[name][0], initial[name][0])
    assert all(torch.isfinite(v).all() for v in trained.values() if v.is_floating_point())
