"""`ecgprint render`: files written per record, truth JSON, one-line errors for bad records, exit codes, the same
files with --workers, lossless PNG options."""

import json
import platform
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import wfdb
from click.testing import CliRunner

from cli.ecgprint import main
from tests.conftest import spike_record

ROOT = Path(__file__).resolve().parents[1]


def write_wfdb(folder, rec, name):
    wfdb.wrsamp(name, fs=rec.fs, units=["mV"] * 12, sig_name=list(rec.leads), p_signal=rec.signal.astype(np.float64),
                fmt=["16"] * 12, adc_gain=[1000.0] * 12, baseline=[0] * 12, write_dir=str(folder))


def test_render_folder_with_a_bad_record(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    write_wfdb(src, spike_record(), "good1")
    write_wfdb(src, spike_record(period=0.8), "good2")
    (src / "junk.hea").write_bytes(b"\x00\x01binary junk\xff")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["render", str(src), "-o", str(out), "--layout", "6x2", "--dpi", "100",
                                    "--mask"])
    assert res.exit_code == 1
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "junk.hea" in errors[0]
    for name in ("good1", "good2"):
        img = cv2.imread(str(out / f"{name}.png"))
        assert img.shape == (850, 1100, 3)
        truth = json.loads((out / f"{name}.json").read_text())
        assert truth["record_id"] == name and truth["image_size"] == [1100, 850]
        assert truth["config"]["layout"] == "6x2" and len(truth["leads"]) == 12
        mask = cv2.imread(str(out / f"{name}_mask.png"), cv2.IMREAD_UNCHANGED)
        assert mask.shape == (850, 1100) and mask.max() == 12


def test_truth_json_rebuilds_the_image(tmp_path):
    from ecgprint.render import RenderConfig, encode_image, render
    from ecgprint.sources import open_source
    write_wfdb(tmp_path, spike_record(), "rec")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["render", str(tmp_path / "rec"), "-o", str(out), "--grid", "blue",
                                    "--speed", "50", "--gain", "5", "--rhythm", "V1,V5", "--seed", "7"])
    assert res.exit_code == 0, res.output
    truth = json.loads((out / "rec.json").read_text())
    record = next(open_source(tmp_path / "rec"))
    again = render(record, RenderConfig.from_dict(truth["config"]), truth["seed"])
    assert encode_image(again.image) == (out / "rec.png").read_bytes()


def test_jpeg_and_no_truth(tmp_path):
    write_wfdb(tmp_path, spike_record(), "rec")
    res = CliRunner().invoke(main, ["render", str(tmp_path / "rec.hea"), "-o", str(tmp_path / "o"),
                                    "--format", "jpg", "--no-truth"])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["rec.jpg"]


def test_missing_input_and_bad_option(tmp_path):
    runner = CliRunner()
    res = runner.invoke(main, ["render", str(tmp_path / "nope"), "-o", str(tmp_path / "o")])
    assert res.exit_code == 1 and res.stderr.startswith("error: ") and "nope" in res.stderr
    res = runner.invoke(main, ["render", str(tmp_path), "-o", str(tmp_path / "o"), "--gain", "7"])
    assert res.exit_code == 2 and "gain" in res.output


def test_record_id_cannot_escape_output_folder():
    from ecgprint.render import safe_name
    assert safe_name("../../etc/passwd") == "etc_passwd"
    assert "/" not in safe_name("a/b") and safe_name("..") == "record"


def test_example_renders_without_inputs(tmp_path):
    res = CliRunner().invoke(main, ["render", "--example", "-o", str(tmp_path), "--layout", "12x1"])
    assert res.exit_code == 0, res.output
    truth = json.loads((tmp_path / "example.json").read_text())
    assert truth["record_id"] == "example" and len(truth["leads"]) == 12
    assert cv2.imread(str(tmp_path / "example.png")).shape == (1700, 2200, 3)


def test_workers_write_the_same_files_and_report_the_same_errors(tmp_path):
    """Run as a command (its own process, as users run it): the forkserver of a process keeps the preload of
    its first pool, which here would be the render code instead of the dataset worker of later tests."""
    src = tmp_path / "in"
    src.mkdir()
    for k in range(5):
        write_wfdb(src, spike_record(period=0.6 + 0.1 * k), f"r{k}")
    (src / "junk.hea").write_bytes(b"\x00junk")
    outputs = {}
    for workers in ("1", "2"):
        out = tmp_path / f"out{workers}"
        run = subprocess.run([sys.executable, "-m", "cli.ecgprint", "render", str(src), "-o", str(out), "--dpi", "72",
                              "--start", "5", "--duration", "2", "--workers", workers, "--mask"],
                             capture_output=True, text=True, cwd=ROOT)
        assert run.returncode == 1 and "rendered 5 record(s)" in run.stderr and "1 failed" in run.stderr
        outputs[workers] = {p.name: p.read_bytes() for p in out.iterdir()}
    assert len(outputs["1"]) == 15 and outputs["1"] == outputs["2"]


def test_png_level_and_grey_mode_keep_the_pixels(tmp_path):
    sizes = {}
    for options in (["--grid", "grey"], ["--grid", "grey", "--png-level", "6"],
                    ["--grid", "grey", "--png-mode", "auto"], ["--png-mode", "auto"]):
        out = tmp_path / "_".join(options)
        res = CliRunner().invoke(main, ["render", "--example", "-o", str(out), "--dpi", "100", "--no-truth", *options])
        assert res.exit_code == 0, res.output
        sizes[tuple(options)] = (out / "example.png").stat().st_size
        stored = cv2.imread(str(out / "example.png"), cv2.IMREAD_UNCHANGED)
        assert stored.ndim == (2 if options == ["--grid", "grey", "--png-mode", "auto"] else 3)   # red grid: RGB
        colour = cv2.imread(str(out / "example.png"))
        reference = cv2.imread(str(tmp_path / "--grid_grey" / "example.png")) if "grey" in options else colour
        np.testing.assert_array_equal(colour, reference)
    grey = sizes[("--grid", "grey")]
    assert sizes[("--grid", "grey", "--png-level", "6")] < grey
    assert sizes[("--grid", "grey", "--png-mode", "auto")] < 0.7 * grey


PAGE_FAULTS = """
import resource, sys, tempfile
from ecgprint.batch import PageJob, write_pages
from ecgprint.render import RenderConfig
from ecgprint.synth import example_record
record, out = example_record(), tempfile.mkdtemp()
jobs = [PageJob(record, RenderConfig(), seed, out, f"p{seed}", {"truth": False}) for seed in range(8)]
counts = [resource.getrusage(resource.RUSAGE_SELF).ru_minflt for _ in write_pages(jobs)]
print((counts[-1] - counts[2]) / (len(counts) - 3))
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the heap setting is glibc's mallopt")
def test_batch_pages_reuse_their_buffers():
    """A fresh process rendering page after page must not fault each page's ~11 MB arrays in anew (ecgprint.heap):
    about 1,800 minor page faults per 200-dpi page without the setting, under 100 with it."""
    run = subprocess.run([sys.executable, "-c", PAGE_FAULTS], capture_output=True, text=True, cwd=ROOT, check=True)
    assert float(run.stdout) < 400, run.stdout
