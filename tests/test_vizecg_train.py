"""vizecg training: a tiny model overfits 32 rows, exact resume, weights_only checkpoints, thresholds from val,
evaluation and ablation outputs, DDP sharding (and a 2-process gloo run)."""

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

import vizecg.training.trainer
from cli.vizecg import main
from ecgprint.labels import LABELS
from tests.vizecg_helpers import InMemoryShardDataset, build_tiny_dataset, one_thread, tiny_config  # noqa: F401
from vizecg.data import RowGroupShuffle, ShardDataset, make_loader
from vizecg.evaluation.metrics import metrics_report, select_thresholds
from vizecg.evaluation.scoring import score
from vizecg.preprocess import InputSpec
from vizecg.training.checkpoint import load_model, read_checkpoint
from vizecg.training.runtime import Runtime
from vizecg.training.trainer import RunError, TrainConfig, resume, train

ROOT = Path(__file__).resolve().parents[1]
CPU = Runtime(torch.device("cpu"))
OVERFIT_EPOCHS = 150   # 100 left the signal stream one ST row short of F1 = 1 with this session's package versions
LAST_CHECKPOINT = f"epoch_{OVERFIT_EPOCHS:04d}.pt"


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return build_tiny_dataset(tmp_path_factory.mktemp("vizecg_data"))


@pytest.fixture
def in_memory(monkeypatch):
    monkeypatch.setattr(vizecg.training.trainer, "ShardDataset", InMemoryShardDataset)


@pytest.fixture(scope="module")
def overfit_run(data, tmp_path_factory):
    """The tiny model trained for OVERFIT_EPOCHS on the 32 training rows (rows decoded once, see helpers)."""
    out = tmp_path_factory.mktemp("vizecg_runs") / "overfit"
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(vizecg.training.trainer, "ShardDataset", InMemoryShardDataset)
        rows = train(tiny_config(data, epochs=OVERFIT_EPOCHS, lr=3e-3), out, CPU, workers=0, progress=False)
    torch.set_num_threads(threads)
    return out, rows


def train_scores(run: Path, data: Path, split: str):
    model, meta = load_model(run / "best.pt")
    return score(model, make_loader(ShardDataset(data, split, meta.spec), 16))


def test_tiny_model_overfits_32_rows(overfit_run, data):
    """Loss falls more than tenfold and, on its own 32 training rows, every label's positives are ranked above
    its negatives by both streams: F1 = 1 at thresholds chosen on those rows."""
    out, rows = overfit_run
    assert len(ShardDataset(data, "train")) == 32
    assert [r["epoch"] for r in rows] == list(range(1, OVERFIT_EPOCHS + 1)) and rows[-1]["step"] == 2 * OVERFIT_EPOCHS
    assert rows[-1]["train_total"] < 0.1 * rows[0]["train_total"]
    model, _ = load_model(sorted((out / "checkpoints").glob("epoch_*.pt"))[-1])
    scores = score(model, make_loader(ShardDataset(data, "train", tiny_config(data).spec), 16))
    for stream, probs in scores.probabilities.items():
        report = metrics_report(scores.labels, probs, select_thresholds(scores.labels, probs), n_bootstrap=1)
        assert report.get("f1", "macro")[0] == 1.0, stream
        assert report.get("auroc", "macro")[0] == 1.0, stream


def test_run_folder_layout_and_metrics_log(overfit_run):
    out, rows = overfit_run
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == [f"epoch_{e:04d}.pt" for e in range(OVERFIT_EPOCHS - 2, OVERFIT_EPOCHS + 1)]
    logged = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert len(logged) == OVERFIT_EPOCHS and logged[-1]["step"] == rows[-1]["step"]
    header = (out / "metrics.csv").read_text().splitlines()[0].split(",")
    assert {"epoch", "step", "lr", "train_total", "train_kd", "val_total", "val_image_macro_f1",
            "val_signal_macro_f1", "best"} <= set(header)
    assert json.loads((out / "run.json").read_text())["train"]["epochs"] == OVERFIT_EPOCHS
    best = [r for r in rows if r["best"]][-1]
    assert best["val_image_macro_f1"] == max(r["val_image_macro_f1"] for r in rows)


def test_checkpoints_load_with_weights_only(overfit_run):
    out, _ = overfit_run
    for path in (out / "best.pt", out / "checkpoints" / LAST_CHECKPOINT):
        payload = torch.load(path, map_location="cpu", weights_only=True)
        meta = json.loads(payload["meta"])
        assert meta["labels"] == list(LABELS) and meta["model"]["image"]["widths"] == [8, 16, 24, 32]
        assert all(isinstance(v, torch.Tensor) for v in payload["model"].values())
    assert set(read_checkpoint(out / "checkpoints" / LAST_CHECKPOINT)) == {
        "format", "meta", "model", "optimizer", "scheduler", "best"}
    assert set(read_checkpoint(out / "best.pt")) == {"format", "meta", "model"}


def test_bad_checkpoints_are_refused(tmp_path):
    torch.save({"model": {}}, tmp_path / "other.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="not a vizecg-checkpoint/1 file"):
        read_checkpoint(tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a readable checkpoint"):
        read_checkpoint(tmp_path / "junk.pt")


def test_thresholds_come_from_val(overfit_run, data):
    """best.pt stores, per stream, the F1-maximising thresholds of the val rows (not train, not test)."""
    out, _ = overfit_run
    _, meta = load_model(out / "best.pt")
    val, test = train_scores(out, data, "val"), train_scores(out, data, "test")
    for stream in ("image", "signal"):
        np.testing.assert_allclose(meta.thresholds[stream],
                                   select_thresholds(val.labels, val.probabilities[stream]), rtol=1e-6)
        assert not np.allclose(meta.thresholds[stream], select_thresholds(test.labels, test.probabilities[stream]))


def test_resume_continues_at_the_same_step_with_the_same_loss(overfit_run, tmp_path, in_memory):
    """Drop the last epoch's checkpoint, as if the run had died during it; resuming redoes that epoch exactly."""
    out, rows = overfit_run
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    (copy / "checkpoints" / LAST_CHECKPOINT).unlink()
    redone = resume(copy, CPU, workers=0, progress=False)

    def last_epoch(log):
        return {k: v for k, v in log[-1].items() if k != "seconds"}

    assert len(redone) == OVERFIT_EPOCHS and redone[:-1] == rows[:-1]
    assert last_epoch(redone) == last_epoch(rows) and last_epoch(redone)["step"] == 2 * OVERFIT_EPOCHS
    original = read_checkpoint(out / "checkpoints" / LAST_CHECKPOINT)["model"]
    again = read_checkpoint(copy / "checkpoints" / LAST_CHECKPOINT)["model"]
    assert all(torch.equal(original[k], again[k]) for k in original)
    assert resume(copy, CPU, workers=0, progress=False)[-1]["step"] == 2 * OVERFIT_EPOCHS   # finished: no-op


def test_train_refuses_occupied_folders_and_bad_settings(overfit_run, data, tmp_path):
    out, _ = overfit_run
    with pytest.raises(RunError, match="continue it with --resume"):
        train(tiny_config(data), out, CPU)
    with pytest.raises(RunError, match="nothing to resume"):
        resume(tmp_path, CPU)
    with pytest.raises(ValueError, match="multiple of 256"):
        tiny_config(data, spec=InputSpec(64, 96, 50, 500))
    with pytest.raises(ValueError, match="unknown config"):
        TrainConfig(data=str(data), config="huge")
    with pytest.raises(ValueError, match="multiple of image_patch"):
        tiny_config(data, image_patch=5)
    assert tiny_config(data, image_patch=2).model_config().image.patch == 2
    result = CliRunner().invoke(main, ["train", "--resume", str(out), "--epochs", "3"])
    assert result.exit_code == 2 and "drop ['epochs']" in result.output


def test_single_stream_runs_have_no_cmam(data):
    assert tiny_config(data, streams="image").model_config().cmam is False
    assert tiny_config(data, streams="both", cmam=False).model_config().cmam is False


def test_evaluate_uses_val_thresholds_and_writes_json_and_markdown(overfit_run, data, tmp_path):
    out, _ = overfit_run
    result = CliRunner().invoke(main, ["evaluate", "--ckpt", str(out / "best.pt"), "--data", str(data),
                                       "-o", str(tmp_path / "eval"), "--bootstrap", "50", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "eval" / "evaluation_test.json").read_text())
    assert report["split"] == "test" and report["threshold_source"] == "val split of the evaluated dataset"
    val = train_scores(out, data, "val")
    for stream in ("image", "signal"):
        columns = report["streams"][stream]["columns"]
        assert set(columns) == {*LABELS, "macro", "micro"}
        assert set(columns["macro"]) == {"precision", "recall", "f1", "auroc", "auprc"}
        low, high = columns["macro"]["f1"]["ci"]
        assert low <= columns["macro"]["f1"]["value"] <= high
        np.testing.assert_allclose([columns[k]["threshold"] for k in LABELS],
                                   select_thresholds(val.labels, val.probabilities[stream]), rtol=1e-6)
    markdown = (tmp_path / "eval" / "evaluation_test.md").read_text()
    assert "## image stream" in markdown and "| macro |" in markdown and markdown in result.output


def test_compare_pairs_two_streams_on_the_same_pages(overfit_run, data):
    """The paired difference is the difference of the two evaluations' macro values; A vs itself is exactly 0."""
    ckpt = str(overfit_run[0] / "best.pt")
    base = ["compare", ckpt, ckpt, "--data", str(data), "--bootstrap", "50", "--device", "cpu", "--json"]
    result = CliRunner().invoke(main, [*base, "--stream-b", "signal"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert (out["a"]["stream"], out["b"]["stream"]) == ("image", "signal")
    for metric in ("f1", "auroc", "auprc"):
        delta = out["difference"][metric]
        assert delta["value"] == pytest.approx(out["a"]["macro"][metric]["value"] - out["b"]["macro"][metric]["value"])
        assert delta["low"] <= delta["value"] <= delta["high"]
    same = json.loads(CliRunner().invoke(main, base).output)["difference"]
    assert all(same[m] == {"value": 0.0, "low": 0.0, "high": 0.0} for m in same)
    table = CliRunner().invoke(main, base[:-1])
    assert table.exit_code == 0 and "| A − B | +0.000 [+0.000, +0.000] |" in table.output


def test_compare_refuses_evaluations_of_different_rows(overfit_run, data):
    from vizecg.evaluation.evaluate import evaluate_checkpoint, paired_comparison
    ckpt = overfit_run[0] / "best.pt"
    test, val = (evaluate_checkpoint(ckpt, data, split, n_bootstrap=10) for split in ("test", "val"))
    with pytest.raises(ValueError, match="different rows"):
        paired_comparison(test, "image", val, "image")
    with pytest.raises(ValueError, match="no image stream"):
        paired_comparison(test, "image", replace(val, reports={}), "image")


def test_ablate_writes_one_table_row_per_run_and_stream(data, tmp_path, in_memory):
    args = ["ablate", "--data", str(data), "--config", "tiny", "--epochs", "1", "--image-size", "64x96",
            "--signal-fs", "50", "--signal-samples", "512", "-o", str(tmp_path / "ablate"), "--bootstrap", "20",
            "--workers", "0", "--device", "cpu", "--threads", "1"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    table = (tmp_path / "ablate" / "ablation.md").read_text()
    runs_part, differences_part = table.split("Paired differences")
    lines = [line for line in runs_part.splitlines() if line.startswith("| ") and "---" not in line][1:]
    runs = [(cells[1].strip(), cells[2].strip()) for cells in (line.split("|") for line in lines)]
    assert runs == [("signal-only baseline", "signal"), ("image-only baseline", "image"),
                    *[(f"VizECGNet{suffix}", s) for suffix in (" without KD", " without CMAM", " without SMAM", "",
                                                               ", teacher detached")
                      for s in ("image", "signal")]]
    summary = json.loads((tmp_path / "ablate" / "ablation.json").read_text())
    assert set(summary["runs"]) == {"signal-only", "image-only", "no-kd", "no-cmam", "no-smam", "full", "detached"}
    run_settings = {run: json.loads((tmp_path / "ablate" / run / "run.json").read_text())["train"]
                    for run in ("no-kd", "detached")}
    assert run_settings["no-kd"]["kd_weight"] == 0.0 and run_settings["detached"]["detach_signal_context"] is True
    # paired differences: one per comparison, and each point estimate is the difference of the two table rows
    differences = {d["comparison"]: d for d in summary["paired_differences"]}
    assert len(differences) == 9 and all(name in differences_part for name in differences)
    full = summary["runs"]["full"]["streams"]
    gap = differences["VizECGNet: image stream − its own signal stream"]
    for metric in ("f1", "auroc"):
        macro = {s: full[s]["columns"]["macro"][metric]["value"] for s in ("image", "signal")}
        assert gap[metric]["value"] == pytest.approx(macro["image"] - macro["signal"])
        assert gap[metric]["low"] <= gap[metric]["value"] <= gap[metric]["high"]
    again = CliRunner().invoke(main, args)   # finished runs are reused, not retrained
    assert again.exit_code == 0 and (tmp_path / "ablate" / "ablation.md").read_text() == table


def test_row_group_shuffle_shards_evenly_by_rank(data):
    dataset = ShardDataset(data, "val")   # 16 rows
    whole = list(RowGroupShuffle(dataset, seed=3))
    for replicas in (2, 3):
        parts = [list(RowGroupShuffle(dataset, seed=3, replicas=replicas, rank=r)) for r in range(replicas)]
        assert {len(p) for p in parts} == {-(-16 // replicas)}
        assert sum(parts, []) == (whole * 2)[:len(parts[0]) * replicas]
    with pytest.raises(ValueError, match="needs shuffle=True"):
        make_loader(dataset, replicas=2, rank=0)


def test_torchrun_ddp_with_two_gloo_processes(data, tmp_path):
    """The same `vizecg train` command under torchrun: 2 CPU processes, each taking half of every epoch."""
    run = tmp_path / "ddp"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
           "-m", "cli.vizecg", "train", "--data", str(data), "--config", "tiny", "--epochs", "2",
           "--image-size", "64x96", "--signal-fs", "50", "--signal-samples", "512", "-o", str(run),
           "--workers", "0", "--threads", "1", "--device", "cpu"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [(r["epoch"], r["step"]) for r in rows] == [(1, 1), (2, 2)]   # 16 rows per rank = one batch of 16
    assert proc.stdout.count("best epoch") == 1                           # only rank 0 reports
    model, meta = load_model(run / "best.pt")
    assert meta.step in (1, 2) and set(meta.thresholds) == {"image", "signal"}
