"""Bounded WFDB reads: headers that would allocate gigabytes, hang on a FIFO or read /dev/zero are refused from the
header and the files' sizes before any signal is read; a header without a sampling rate is refused, not read at
250 Hz; the Challenge 2020/2021 dialect (record line naming the `.mat` file) is read with its labels."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.io

from ecgprint.errors import RecordError
from ecgprint.leads import STANDARD_LEADS
from ecgprint.sources import open_source
from ecgprint.sources.wfdb_bounds import MAX_SIGNAL_VALUES
from ecgprint.sources.wfdb_header import MAX_HEADER_BYTES

REPO = Path(__file__).resolve().parents[1]
GIB = 1 << 30


def write_header(folder: Path, name: str, record_line: str, signal_file: str | None = None,
                 fmt: str = "16") -> Path:
    """A 12-lead header `<record_line>` + format-16 signal lines naming `signal_file` (default `<name>.dat`)."""
    signal_file = signal_file or f"{name}.dat"
    lines = [record_line] + [f"{signal_file} {fmt} 1000/mV 16 0 0 0 0 {lead}" for lead in STANDARD_LEADS]
    hea = folder / f"{name}.hea"
    hea.write_text("\n".join(lines) + "\n")
    return hea


def sparse_file(path: Path, size: int) -> Path:
    """A file of `size` zero bytes that takes no disk space."""
    with open(path, "wb") as f:
        f.truncate(size)
    return path


def dat_record(folder: Path, name: str, record_line: str, n_samples: int) -> Path:
    """A header plus a format-16 .dat holding `n_samples` zero frames of 12 leads."""
    sparse_file(folder / f"{name}.dat", n_samples * 12 * 2)
    return write_header(folder, name, record_line)


def read_in_subprocess(paths: list[Path]) -> tuple[list[dict], float]:
    """Read each record in a child limited to 1 GiB of address space; per record the error (or None) and the
    seconds it took, and the child's peak resident memory in bytes. A hang fails the test by the timeout."""
    code = f"""
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, ({GIB}, {GIB}))
from ecgprint.sources.wfdb_source import load_record
out = []
for path in sys.argv[1:]:
    start = time.perf_counter()
    try:
        load_record(path)
        error = None
    except Exception as exc:
        error = f"{{type(exc).__name__}}: {{exc}}"
    out.append({{"path": path, "error": error, "seconds": time.perf_counter() - start}})
hwm = next(line for line in open('/proc/self/status') if line.startswith('VmHWM'))   # own peak, not the parent's
print(json.dumps([out, int(hwm.split()[1]) * 1024]))
"""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", code, *map(str, paths)], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    results, peak = json.loads(done.stdout)
    return results, peak


def test_memory_bombs_fifo_and_dev_zero_are_refused_fast_and_small(tmp_path):
    mhz = dat_record(tmp_path, "mhz", "mhz 12 1000000 500000000", 5000)
    fs_zero = dat_record(tmp_path, "fs_zero", "fs_zero 12 0 1000000000", 5000)
    sparse_file(tmp_path / "two_hours.dat", 2 * 3600 * 500 * 12 * 2)
    two_hours = write_header(tmp_path, "two_hours", "two_hours 12 500")
    cap = dat_record(tmp_path, "cap", f"cap 12 20000 {MAX_SIGNAL_VALUES // 12 + 1}", 5000)
    fifo_dat = write_header(tmp_path, "fifo_dat", "fifo_dat 12 500 5000")
    os.mkfifo(tmp_path / "fifo_dat.dat")
    zero_dat = write_header(tmp_path, "zero_dat", "zero_dat 12 500")
    (tmp_path / "zero_dat.dat").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "fifo_hea.hea")
    (tmp_path / "zero_hea.hea").symlink_to("/dev/zero")
    paths = [mhz, fs_zero, two_hours, cap, fifo_dat, zero_dat, tmp_path / "fifo_hea.hea", tmp_path / "zero_hea.hea"]
    results, peak = read_in_subprocess(paths)
    reasons = [r["error"] for r in results]
    assert reasons == [
        f"RecordError: {mhz}: sampling frequency 1e+06 Hz is outside 50-20000 Hz",
        f"RecordError: {fs_zero}: sampling frequency 0 Hz is outside 50-20000 Hz",
        f"RecordError: {two_hours}: duration 7200 s exceeds the 600 s limit for a 12-lead ECG record",
        f"RecordError: {cap}: 12 signals x {MAX_SIGNAL_VALUES // 12 + 1} samples exceed the cap of "
        f"{MAX_SIGNAL_VALUES} decoded values",
        f"RecordError: {fifo_dat}: signal file is not a regular file (a FIFO): {tmp_path / 'fifo_dat.dat'}",
        f"RecordError: {zero_dat}: signal file is not a regular file (a character device): "
        f"{tmp_path / 'zero_dat.dat'}",
        f"RecordError: {tmp_path / 'fifo_hea.hea'}: header file is not a regular file (a FIFO)",
        f"RecordError: {tmp_path / 'zero_hea.hea'}: header file is not a regular file (a character device)",
    ]
    assert max(r["seconds"] for r in results) < 5 and peak < GIB


def test_header_without_sampling_rate_is_refused_not_read_at_250_hz(tmp_path):
    hea = dat_record(tmp_path, "no_fs", "no_fs 12", 5000)
    (error,) = open_source(hea)
    assert isinstance(error, RecordError) and error.where == str(hea)
    assert error.reason == ("invalid header: the record line gives no sampling frequency "
                            "(WFDB readers would assume 250 Hz)")


@pytest.mark.parametrize("fs", [1, 49, 20001])
def test_sampling_rate_outside_bounds_is_refused(tmp_path, fs):
    (error,) = open_source(dat_record(tmp_path, "rate", f"rate 12 {fs} {fs * 10}", fs * 10))
    assert isinstance(error, RecordError) and error.reason == f"sampling frequency {fs} Hz is outside 50-20000 Hz"


def test_signal_file_size_must_match_the_header(tmp_path):
    sparse_file(tmp_path / "longer.dat", 5000 * 24 + 48)
    (longer,) = open_source(write_header(tmp_path, "longer", "longer 12 500 5000"))
    assert longer.reason == ("signal file longer.dat holds 120048 bytes of samples; the header's 5000 samples x 12 "
                             "signal(s) in format 16 need 120000")
    sparse_file(tmp_path / "ragged.dat", 5000 * 24 + 7)
    (ragged,) = open_source(write_header(tmp_path, "ragged", "ragged 12 500"))
    assert ragged.reason == ("signal file ragged.dat (120007 bytes) does not hold a whole number of 24-byte frames "
                             "after its 0-byte offset")
    (empty,) = open_source(dat_record(tmp_path, "empty", "empty 12 500", 0))
    assert empty.reason == "the record holds no samples"
    (derived,) = open_source(dat_record(tmp_path, "derived", "derived 12 500", 5000))
    assert derived.n_samples == 5000 and derived.fs == 500


def test_oversized_header_is_refused_before_parsing(tmp_path):
    hea = dat_record(tmp_path, "big", "big 12 500 5000", 5000)
    with open(hea, "a") as f:
        f.write("#" + "x" * MAX_HEADER_BYTES + "\n")
    (error,) = open_source(hea)
    assert error.reason == f"header file is larger than the {MAX_HEADER_BYTES} byte cap"


def challenge_record(folder: Path, name: str, val: np.ndarray, baselines: list[int]) -> Path:
    """A Challenge 2021 dialect record: `.mat` (MATLAB v4, `val` leads x samples) and a header whose record
    line names the `.mat` file, with gains of 1000/mV, the given baselines and SNOMED `#Dx` codes (AF, RBBB)."""
    scipy.io.savemat(folder / f"{name}.mat", {"val": val}, format="4")
    lines = [f"{name}.mat 12 500 {val.shape[1]} 05-May-2020 09:49:17"]
    lines += [f"{name}.mat 16+24 1000({b})/mV 16 0 0 0 0 {lead}" for b, lead in zip(baselines, STANDARD_LEADS)]
    lines += ["#Age: 61", "#Sex: Female", "#Dx: 164889003,59118001"]
    hea = folder / f"{name}.hea"
    hea.write_text("\n".join(lines) + "\n")
    return hea


def test_challenge_dialect_is_read_from_its_mat_file(tmp_path):
    val = np.random.default_rng(0).integers(-3000, 3000, size=(12, 5000)).astype(np.int16)
    baselines = list(range(-60, 60, 10))
    (record,) = open_source(challenge_record(tmp_path, "E99999", val, baselines))
    assert (record.record_id, record.fs, record.labels) == ("E99999", 500, {"AF", "RBBB"})
    assert record.metadata == {"age": 61, "sex": "Female", "dx": "164889003,59118001"}
    np.testing.assert_allclose(record.signal, (val.T - np.array(baselines)) / 1000, atol=1e-6)


def test_challenge_dialect_with_a_mismatched_mat_is_one_line_error(tmp_path):
    hea = challenge_record(tmp_path, "E99998", np.zeros((12, 5000), np.int16), [0] * 12)
    scipy.io.savemat(tmp_path / "E99998.mat", {"val": np.zeros((5000, 12), np.int16)}, format="4")
    (error,) = open_source(hea)
    assert error.where == str(hea)
    assert error.reason == "unreadable signal: E99998.mat holds no 12 x 5000 integer matrix 'val'"
