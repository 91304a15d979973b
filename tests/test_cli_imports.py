"""Start-up of the command line: which heavy modules each command (or its --help) imports, each run in a fresh
interpreter (not a timing test; docs/performance.md has the times), and the shipped example record that lets
`ecgprint render --example` skip scipy."""

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ecgprint.sources.wfdb_source import write_wfdb
from tests.conftest import spike_record

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numpy", "cv2", "scipy", "pandas", "wfdb", "matplotlib", "torch", "pyarrow", "h5py", "tqdm", "PIL",
         "onnxruntime")
PROBE = """
import importlib, json, sys
import click
group, *args = sys.argv[1:]
try:
    importlib.import_module(f"cli.{group}").main.main(args, prog_name=group, standalone_mode=False)
except SystemExit:
    pass
except click.UsageError as exc:
    print("usage error: " + exc.format_message())
print(json.dumps(sorted(m for m in %r if m in sys.modules)))
""" % (HEAVY,)


def run_command(*argv: str) -> tuple[set[str], list[str]]:
    """(the HEAVY modules loaded, the lines printed) when running the command `argv` in a fresh interpreter."""
    run = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    *printed, loaded = run.stdout.splitlines()
    return set(json.loads(loaded)), printed


def heavy_modules(*argv: str) -> set[str]:
    return run_command(*argv)[0]


@pytest.mark.parametrize("argv, loaded", [
    (("ecgprint", "--help"), set()),
    (("vizecg", "--help"), set()),
    (("ecgprint", "build", "--help"), set()),
    (("ecgprint", "verify", "--help"), set()),
    (("ecgprint", "inspect", "--help"), set()),
    (("ecgprint", "synth", "--help"), {"numpy", "tqdm"}),
    (("ecgprint", "render", "--help"), {"numpy", "cv2"}),
    (("ecgprint", "gallery", "--help"), {"numpy", "cv2"}),
    (("vizecg", "train", "--help"), {"numpy", "cv2"}),   # the --image-size default: vizecg.preprocess.InputSpec
    (("vizecg", "ablate", "--help"), {"numpy", "cv2"}),
    (("vizecg", "benchmark", "--help"), {"numpy", "cv2"}),
    (("vizecg", "evaluate", "--help"), set()),
    (("vizecg", "compare", "--help"), set()),
    (("vizecg", "explain", "--help"), set()),
    (("vizecg", "robustness", "--help"), {"numpy", "cv2"}),   # the --presets default: ecgprint.artifacts.PRESETS
    (("vizecg", "export", "--help"), set()),
    (("vizecg", "thresholds", "--help"), set()),
    (("vizecg", "predict", "--help"), {"numpy", "cv2"}),
])
def test_help_imports_only_what_the_options_need(argv, loaded):
    assert heavy_modules(*argv) == loaded


@pytest.mark.parametrize("argv, message", [
    (("vizecg", "train", "-o", "run"), "need --data"),
    (("vizecg", "train", "--data", ".", "-o", "run", "--image-size", "271x352", "--image-patch", "2"), "multiple"),
    (("vizecg", "ablate", "-o", "runs"), "need --data"),
    (("vizecg", "benchmark", "--real", ".", "-o", "bench"), "needs --data"),
    (("vizecg", "benchmark", "--real", ".", "--data", ".", "-o", "bench", "--image-size", "271x352",
      "--image-patch", "2"), "multiple"),
])
def test_usage_errors_come_before_torch(argv, message):
    """A mistyped training command answers at once: its options are checked before torch is imported (~3 s)."""
    loaded, printed = run_command(*argv)
    assert "torch" not in loaded
    assert printed and printed[-1].startswith("usage error: ") and message in printed[-1], printed


def test_version_imports_nothing_heavy():
    loaded, printed = run_command("ecgprint", "--version")
    assert loaded == set() and printed[0].startswith("ecgprint, version ")


@pytest.mark.parametrize("options", [(), ("--preset", "phone_photo", "--severity", "1", "--truth", "npz")])
def test_rendering_the_example_needs_neither_scipy_nor_the_dataset_stack(tmp_path, options):
    assert heavy_modules("ecgprint", "render", "--example", "-o", str(tmp_path), *options) == {"numpy", "cv2"}
    assert len(list(tmp_path.iterdir())) == 2


def test_rendering_format_16_records_reads_them_without_wfdb(tmp_path):
    """wfdb imports pandas (~0.9 s); plain format-16 records (LUDB, CPSC 2018) are read with numpy."""
    write_wfdb([spike_record(record_id="a"), spike_record(record_id="b", period=0.8)], tmp_path / "in")
    loaded = heavy_modules("ecgprint", "render", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--dpi", "72")
    assert loaded == {"numpy", "cv2", "tqdm"}   # tqdm: the (silent) progress bar of a multi-record run
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.json", "a.png", "b.json", "b.png"]


REMAKE = 'stale copy: run python -c "from ecgprint.synth.example import write_example; write_example()"'


def test_the_shipped_example_record_is_current_and_what_the_generator_makes(tmp_path):
    from ecgprint.synth.example import EXAMPLE_FILE, example_record, generated_example, generator_fingerprint
    with np.load(EXAMPLE_FILE) as stored:
        assert json.loads(str(stored["fields"]))["generator"] == generator_fingerprint(), REMAKE
    shipped, generated = example_record(), generated_example()
    for f in dataclasses.fields(generated):
        want, got = getattr(generated, f.name), getattr(shipped, f.name)
        assert np.array_equal(got, want) if f.name == "signal" else got == want, f"{f.name}: {REMAKE}"


def test_a_stale_or_missing_copy_falls_back_to_the_generator(tmp_path):
    from ecgprint.synth.example import example_record, generated_example, write_example
    write_example(tmp_path / "copy.npz")
    with np.load(tmp_path / "copy.npz") as stored:
        fields = {**json.loads(str(stored["fields"])), "generator": "an older generator"}
        np.savez(tmp_path / "stale.npz", signal=np.zeros_like(stored["signal"]), fields=np.array(json.dumps(fields)))
    want = generated_example().signal
    for name in ("copy.npz", "stale.npz", "missing.npz"):
        np.testing.assert_array_equal(example_record(tmp_path / name).signal, want)
