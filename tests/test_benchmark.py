"""The real-record benchmark: one tiny model per patient-disjoint fold, every "real" page predicted once by the model
that never saw it, resume without retraining, thresholds that never see their own fold, FPR and patient-resampled
CIs checked against scikit-learn and the row bootstrap, training on several dataset parts, the checkpoint mode."""

import json
import shutil
import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner
from sklearn.metrics import confusion_matrix, f1_score

import vizecg.evaluation.benchmark as benchmark_module
from cli.vizecg import main
from ecgprint.dataset.build import build
from ecgprint.dataset.plan import make_plan, source_items
from ecgprint.dataset.recipe import load_recipe
from ecgprint.labels import LABELS
from tests.vizecg_helpers import (  # noqa: F401
    RECIPE,
    SPEC,
    build_tiny_dataset,
    one_thread,
    save_untrained_checkpoint,
    tiny_config,
)
from vizecg.data import RowGroupShuffle, ShardDataset, make_loader
from vizecg.evaluation.benchmark import (
    check_not_in,
    check_same_folds,
    cross_fold_thresholds,
    fold_config,
    fold_probabilities,
    real_pages,
    run_benchmark,
)
from vizecg.evaluation.metrics import false_positive_rate, metrics_report, select_thresholds
from vizecg.evaluation.scoring import score
from vizecg.models.vizecgnet import VizECGNet
from vizecg.training.checkpoint import CheckpointMeta, load_model, save_checkpoint
from vizecg.training.runtime import Runtime
from vizecg.training.trainer import TrainConfig

ROOT = Path(__file__).resolve().parents[1]
CPU = Runtime(torch.device("cpu"))
FOLDS = ("fold0", "fold1", "fold2")
# Stand-in for the real records: 48 synthetic records, two per patient, each printed twice, in three folds.
REAL_RECIPE = RECIPE.replace('name = "vizecg-tiny"', 'name = "real-tiny"').replace(
    'name = "synth"', 'name = "real"').replace("n = 64", "n = 48").replace(
    "records_per_patient = 1", "records_per_patient = 2").replace(
    "ratios = { train = 0.5, val = 0.25, test = 0.25 }", "ratios = { fold0 = 0.34, fold1 = 0.33, fold2 = 0.33 }").replace(
    'paper = { dpi = 72, grid = "red" }', 'paper = { dpi = 72, grid = "red" }\npreset = ["clean", "scan"]')


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    return build_tiny_dataset(tmp_path_factory.mktemp("bench_synthetic"))


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench_real")
    (folder / "real.toml").write_text(REAL_RECIPE)
    build(load_recipe(folder / "real.toml"), folder / "data", workers=1, progress=False)
    return folder / "data"


@pytest.fixture(scope="module")
def kfold(synthetic, real, tmp_path_factory):
    out = tmp_path_factory.mktemp("bench_runs") / "bench"
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    run_benchmark(tiny_config(synthetic, epochs=1), real, out, CPU, workers=0, progress=False, n_bootstrap=20)
    torch.set_num_threads(threads)
    return out


def test_every_real_page_gets_one_prediction_from_the_model_of_its_fold(kfold, real):
    pages = real_pages(real)
    assert sorted(pages["fold"].unique()) == list(FOLDS) and len(pages) == 96
    predictions = pd.read_csv(kfold / "predictions.csv")
    assert sorted(predictions["id"]) == sorted(pages["id"])                     # each page exactly once
    for fold in FOLDS:
        stored = json.loads((kfold / fold / "run.json").read_text())["train"]
        assert sorted(part.rsplit(":", 1)[1] for part in stored["train_parts"]) == sorted(set(FOLDS) - {fold})
        rows = predictions[predictions["fold"] == fold]
        assert set(rows["id"]) == set(pages[pages["fold"] == fold]["id"])
        expected = fold_probabilities(kfold / fold / "best.pt", real, fold, 16, 0, "cpu")
        np.testing.assert_allclose(rows[[f"p_{label}" for label in LABELS]].to_numpy(), expected, atol=1e-6)
        scored = score(load_model(kfold / fold / "best.pt")[0], make_loader(ShardDataset(real, fold, SPEC), 16))
        np.testing.assert_array_equal(rows[list(LABELS)].to_numpy(), scored.labels)   # rows in the loader's order
    result = json.loads((kfold / "benchmark.json").read_text())
    assert result["mode"] == "k-fold" and set(result["fold_thresholds"]) == set(FOLDS)
    overall = result["evaluations"][0]["overall"]
    assert overall["pages"] == 96 and overall["patients"] == 24
    assert set(result["evaluations"][0]["groups"]["preset"]) == {"clean", "scan"}
    assert set(result["evaluations"][0]["groups"]["fold"]) == set(FOLDS)
    assert "## Thresholds" in (kfold / "benchmark.md").read_text()


def test_rerun_reuses_finished_fold_runs(kfold, synthetic, real):
    checkpoints = {fold: (kfold / fold / "checkpoints" / "epoch_0001.pt").stat().st_mtime_ns for fold in FOLDS}
    before = (kfold / "predictions.csv").read_text()
    run_benchmark(tiny_config(synthetic, epochs=1), real, kfold, CPU, workers=0, progress=False, n_bootstrap=20)
    assert {fold: (kfold / fold / "checkpoints" / "epoch_0001.pt").stat().st_mtime_ns for fold in FOLDS} == checkpoints
    assert (kfold / "predictions.csv").read_text() == before


def test_a_fold_subset_reuses_its_runs_and_reports_only_its_pages(kfold, synthetic, real, tmp_path):
    subset = tmp_path / "subset"
    shutil.copytree(kfold, subset)
    (subset / "benchmark.json").unlink()
    checkpoints = {fold: (subset / fold / "checkpoints" / "epoch_0001.pt").stat().st_mtime_ns for fold in FOLDS}
    run_benchmark(tiny_config(synthetic, epochs=1), real, subset, CPU, workers=0, progress=False, n_bootstrap=20,
                  only=["fold0", "fold2"])
    assert {fold: (subset / fold / "checkpoints" / "epoch_0001.pt").stat().st_mtime_ns
            for fold in FOLDS} == checkpoints                                       # no fold retrained
    full, part = pd.read_csv(kfold / "predictions.csv"), pd.read_csv(subset / "predictions.csv")
    assert set(part["fold"]) == {"fold0", "fold2"}
    pd.testing.assert_frame_equal(part, full[full["fold"] != "fold1"].reset_index(drop=True))
    with pytest.raises(ValueError, match="at least two"):
        run_benchmark(tiny_config(synthetic, epochs=1), real, subset, CPU, workers=0, progress=False, only=["fold1"])


def test_labels_a_source_cannot_state_are_unassessed_not_negative(real, monkeypatch):
    """CPSC 2018's scheme has no sinus brady-/tachycardia statement: its pages are NaN (neither way) for SB and ST,
    and keep 0/1 for the labels it assesses."""
    from ecgprint.labels import CPSC_UNASSESSED

    assert CPSC_UNASSESSED == ("SB", "ST")
    monkeypatch.setitem(benchmark_module.UNASSESSED, "real", CPSC_UNASSESSED)
    pages = real_pages(real)
    assert pages[["SB", "ST"]].isna().all().all()
    assert pages[["1dAVb", "RBBB", "LBBB", "AF"]].isin([0, 1]).all().all()


def test_folds_are_patient_disjoint_and_an_overlap_is_refused(real, tmp_path):
    pages = real_pages(real)
    assert pages.groupby("patient_id")["fold"].nunique().max() == 1
    assert pages.groupby("patient_id")["record_id"].nunique().max() == 2        # two records per patient
    copy = tmp_path / "overlap"
    shutil.copytree(real, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    first = next(shard for shard in manifest["shards"] if shard["split"] == "fold0")
    manifest["shards"].append({**first, "split": "fold1"})                     # fold0's pages also in fold1
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="the folds must be patient-disjoint"):
        real_pages(copy)


def test_a_signal_only_baseline_is_scored_on_its_signal_path(real, tmp_path):
    torch.manual_seed(0)
    model = VizECGNet.named("tiny", streams="signal", cmam=False).eval()
    save_checkpoint(tmp_path / "signal.pt", model, CheckpointMeta(model.config, SPEC, LABELS, {"signal": [0.5] * 6}))
    expected = score(model, make_loader(ShardDataset(real, "fold1", SPEC), 16)).probabilities["signal"]
    np.testing.assert_allclose(fold_probabilities(tmp_path / "signal.pt", real, "fold1", 16, 0, "cpu"), expected,
                               atol=1e-6)


def test_real_train_pages_must_keep_every_patient_in_its_benchmark_fold(real, synthetic, tmp_path):
    pages = real_pages(real)
    more = REAL_RECIPE.replace('preset = ["clean", "scan"]', 'preset = ["photo"]\ncopies = 2\naugment = { gain = 0.1 }')
    reshuffled = more.replace("seed = 1", "seed = 2")   # another seed: patients land in other folds
    for name, text in (("more", more), ("reshuffled", reshuffled)):
        (tmp_path / f"{name}.toml").write_text(text)
        build(load_recipe(tmp_path / f"{name}.toml"), tmp_path / name, workers=1, progress=False)
    train_pages = real_pages(tmp_path / "more")
    assert len(train_pages) == len(pages) and set(train_pages["variant"]) == {"page"}
    check_same_folds(pages, train_pages, tmp_path / "more")
    with pytest.raises(ValueError, match="reshuffled.*patient-disjoint.*would train on pages"):
        check_same_folds(pages, real_pages(tmp_path / "reshuffled"), tmp_path / "reshuffled")
    config = fold_config(tiny_config(synthetic, epochs=1), tmp_path / "more", list(FOLDS), "fold1")
    assert [part.rsplit(":", 1) for part in config.train_parts] == [
        [str((tmp_path / "more").resolve()), fold] for fold in ("fold0", "fold2")]


def test_training_data_holding_benchmark_records_is_refused(real, synthetic, tmp_path):
    pages = real_pages(real)
    check_not_in(synthetic, pages)
    copy = tmp_path / "leaky"
    shutil.copytree(real, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    for shard in manifest["shards"]:
        shard["split"] = {"fold0": "train", "fold1": "val"}.get(shard["split"], shard["split"])
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ValueError, match="benchmark records"):
        check_not_in(copy, pages)


def test_thresholds_of_a_fold_never_see_its_own_predictions():
    rng = np.random.default_rng(0)
    folds = np.repeat(["a", "b", "c"], 40)
    y = (rng.random((120, 6)) < 0.3).astype(int)
    p = np.clip(0.3 * y + rng.random((120, 6)) * 0.8, 0, 1)
    thresholds = cross_fold_thresholds(y, p, folds)
    perturbed = p.copy()
    perturbed[folds == "a"] = rng.random(((folds == "a").sum(), 6))
    again = cross_fold_thresholds(y, perturbed, folds)
    np.testing.assert_array_equal(again[folds == "a"], thresholds[folds == "a"])
    assert not np.array_equal(again[folds == "b"], thresholds[folds == "b"])    # b's thresholds do read fold a
    np.testing.assert_array_equal(thresholds[folds == "a"][0], select_thresholds(y[folds != "a"], p[folds != "a"]))


def test_false_positive_rate_matches_scikit_learn():
    rng = np.random.default_rng(1)
    y = (rng.random((80, 4)) < 0.4).astype(int)
    s = np.round(rng.random((80, 4)), 2)
    thresholds = np.array([0.3, 0.5, 0.7, 0.9])
    value, low, high = false_positive_rate(y, s, thresholds, n_bootstrap=200)
    counts = [confusion_matrix(y[:, k], s[:, k] >= thresholds[k]).ravel() for k in range(4)]   # tn, fp, fn, tp
    per_label = [fp / (fp + tn) for tn, fp, _, _ in counts]
    np.testing.assert_allclose(value, [*per_label, np.mean(per_label),
                                       sum(c[1] for c in counts) / sum(c[0] + c[1] for c in counts)])
    assert np.all(low <= value) and np.all(value <= high)
    assert np.isnan(false_positive_rate(np.ones((5, 1)), np.ones((5, 1)), [0.5], n_bootstrap=5)[0][0])


def test_pages_of_one_patient_are_resampled_together():
    """Printing every record three times must not narrow the CIs: with patients as the bootstrap unit, the CIs of
    the tripled pages equal the row-bootstrap CIs of the records printed once."""
    rng = np.random.default_rng(2)
    y = (rng.random((50, 3)) < 0.4).astype(int)
    s = np.clip(0.3 * y + rng.random((50, 3)), 0, 1)
    thresholds = [0.5, 0.6, 0.7]
    once = metrics_report(y, s, thresholds, labels=("a", "b", "c"), n_bootstrap=200)
    tripled = metrics_report(np.repeat(y, 3, axis=0), np.repeat(s, 3, axis=0), thresholds, labels=("a", "b", "c"),
                             n_bootstrap=200, groups=np.repeat(np.arange(50), 3))
    np.testing.assert_allclose(tripled.low, once.low, equal_nan=True)
    np.testing.assert_allclose(tripled.high, once.high, equal_nan=True)
    rows = metrics_report(np.repeat(y, 3, axis=0), np.repeat(s, 3, axis=0), thresholds, labels=("a", "b", "c"),
                          n_bootstrap=200)
    assert (rows.high - rows.low)[2, -2] < (once.high - once.low)[2, -2]      # pages as rows: a falsely narrow F1 CI


def test_shard_dataset_concatenates_parts_and_shuffles_whole_row_groups(synthetic, real):
    both = ShardDataset(synthetic, "train", SPEC, extra_parts=[(real, "fold1")])
    alone = ShardDataset(real, "fold1", SPEC)
    assert len(both) == 32 + len(alone)
    assert torch.equal(both[32]["image"], alone[0]["image"]) and torch.equal(both[32]["labels"], alone[0]["labels"])
    order = list(RowGroupShuffle(both, seed=1))
    assert sorted(order) == list(range(len(both)))
    groups = [both.locate(i)[0] for i in order]
    assert all(a == b or b not in groups[:k] for k, (a, b) in enumerate(zip(groups, groups[1:]), 1))


def test_train_config_parts_are_validated_and_round_trip(synthetic):
    config = tiny_config(synthetic, train_parts=("x/real:fold1",), val_parts=("x/real:fold2",))
    assert config.parts("train") == (("x/real", "fold1"),)
    stored = json.loads(json.dumps(config.resolved().to_dict()))
    assert TrainConfig.from_dict(stored) == config.resolved()
    old = {k: v for k, v in stored.items() if k not in ("train_parts", "val_parts")}   # a run.json from before
    assert TrainConfig.from_dict(old) == replace(config.resolved(), train_parts=(), val_parts=())
    with pytest.raises(ValueError, match="PATH:SPLIT"):
        tiny_config(synthetic, train_parts=("no-split",))


def test_checkpoint_mode_scores_every_page_at_its_thresholds(real, tmp_path):
    ckpt = tmp_path / "untrained.pt"
    save_untrained_checkpoint(ckpt)
    held_out = tmp_path / "held_out.toml"
    held_out.write_text(REAL_RECIPE.replace("fold0 = 0.34, fold1 = 0.33, fold2 = 0.33", "train = 0.5, test = 0.5"))
    args = ["benchmark", "--ckpt", str(ckpt), "--real", str(real), "-o", str(tmp_path / "out"), "--bootstrap", "20",
            "--device", "cpu", "--workers", "0", "--held-out", str(held_out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "checkpoint, its own thresholds" in result.output
    out = json.loads((tmp_path / "out" / "benchmark.json").read_text())
    predictions = pd.read_csv(tmp_path / "out" / "predictions.csv")
    assert out["checkpoint_thresholds"] == dict.fromkeys(LABELS, 0.5) and len(predictions) == 96
    label = next(lab for lab in LABELS if predictions[lab].any())
    f1 = out["evaluations"][0]["overall"]["columns"][label]["f1"]["value"]
    assert f1 == pytest.approx(f1_score(predictions[label], predictions[f"p_{label}"] >= 0.5))
    recipe = load_recipe(held_out)
    test_records = {source_items(recipe, row.source)[row.item].record_id
                    for shard in make_plan(recipe) if shard.split == "test" for row in shard.rows}
    assert out["evaluations"][2]["overall"]["pages"] == predictions["record_id"].isin(test_records).sum()
    refused = CliRunner().invoke(main, [*args, "--epochs", "3"])
    assert refused.exit_code == 2 and "drop ['epochs']" in refused.output


def test_a_model_to_ship_trains_on_every_fold_and_takes_the_out_of_fold_thresholds(kfold, synthetic, real, tmp_path):
    run, shipped = tmp_path / "run", tmp_path / "shipped.pt"
    spec = f"{SPEC.image_height}x{SPEC.image_width}"
    args = ["train", "--data", str(synthetic), "--config", "tiny", "--epochs", "1", "--image-size", spec,
            "--signal-fs", str(SPEC.signal_fs), "--signal-samples", str(SPEC.signal_samples), "-o", str(run),
            "--device", "cpu", "--workers", "0", "--threads", "1",
            *(arg for fold in FOLDS for arg in ("--train-part", f"{real}:{fold}"))]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    stored = json.loads((run / "run.json").read_text())["train"]["train_parts"]
    assert sorted(part.rsplit(":", 1)[1] for part in stored) == list(FOLDS)      # every real record trains
    result = CliRunner().invoke(main, ["thresholds", str(run / "best.pt"), "--benchmark", str(kfold), "-o",
                                       str(shipped)])
    assert result.exit_code == 0, result.output
    deployed = json.loads((kfold / "benchmark.json").read_text())["deployed_thresholds"]
    model, meta = load_model(shipped)
    assert meta.thresholds["image"] == [deployed[label] for label in LABELS]
    assert meta.info["thresholds"]["benchmark"] == str(kfold)
    trained = load_model(run / "best.pt")[0].state_dict()
    assert all(torch.equal(value, trained[key]) for key, value in model.state_dict().items())
    assert "optimizer" not in torch.load(shipped, weights_only=True)


def test_thresholds_of_another_recipe_or_of_a_checkpoint_benchmark_are_refused(kfold, tmp_path):
    other = tmp_path / "image_only.pt"
    model = VizECGNet.named("tiny", streams="image", cmam=False)
    save_checkpoint(other, model, CheckpointMeta(model.config, SPEC, LABELS, {"image": [0.5] * 6}))
    result = CliRunner().invoke(main, ["thresholds", str(other), "--benchmark", str(kfold), "-o",
                                       str(tmp_path / "x.pt")])
    assert result.exit_code == 1 and "model configuration differ" in result.output
    (tmp_path / "ckpt_mode.json").write_text(json.dumps({"mode": "checkpoint"}))
    result = CliRunner().invoke(main, ["thresholds", str(other), "--benchmark", str(tmp_path / "ckpt_mode.json"),
                                       "-o", str(tmp_path / "x.pt")])
    assert result.exit_code == 1 and "not a k-fold benchmark" in result.output
    assert not (tmp_path / "x.pt").exists()


def test_synthetic_train_recipe_is_vizecg_train_without_real_records():
    """synthetic_train.toml must plan exactly vizecg_train.toml's synthetic pages (same seed, source, splits,
    variants, signal): pages are a pure function of these."""
    def synthetic_part(name):
        raw = load_recipe(ROOT / "data_recipes" / name).raw
        return ({k: v for k, v in raw.items() if k not in ("dataset", "sources")}, raw["dataset"]["seed"],
                [s for s in raw["sources"] if s["type"] == "synthetic"])

    assert synthetic_part("synthetic_train.toml") == synthetic_part("vizecg_train.toml")
    sources = tomllib.loads((ROOT / "data_recipes" / "synthetic_train.toml").read_text())["sources"]
    assert [s["type"] for s in sources] == ["synthetic"]
