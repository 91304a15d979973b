"""Signal sources: the records in ../shared/data, and tiny PTB-XL and CODE-15% folders in the published layout."""

import re
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
import scipy.io
import wfdb

from ecgprint.errors import RecordError
from ecgprint.labels import LABELS, labels_from_dx
from ecgprint.leads import STANDARD_LEADS
from ecgprint.record import Record
from ecgprint.sources import detect_format, list_source, open_source
from ecgprint.sources.code15 import strip_zero_padding
from tests.conftest import SHARED_DATA

# The Georgia records of ../shared/data/README.md: Challenge dialect (record line names the .mat), wfdb rejects it.
GEORGIA = {"E00271", "E01137", "E03823", "E05526", "E06320", "E07938", "E09141", "E09314", "E09657",
             "E10256", *(f"E{n:05d}" for n in range(7500, 7550))}
PTBXL_LEADS = ("I", "II", "III", "AVR", "AVL", "AVF", "V1", "V2", "V3", "V4", "V5", "V6")


def relative_name(path: str) -> str:
    return Path(path).relative_to(SHARED_DATA).with_suffix("").as_posix()


def reference_labels(row: pd.Series) -> set[str]:
    return {label for label in LABELS if row[label]}


@pytest.fixture(scope="module")
def shared_results() -> dict[str, Record | RecordError]:
    """Every record of ../shared/data read once through open_source, keyed by path relative to the folder."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real-record tests need ../shared/data next to the repo ({SHARED_DATA} not found)")
    return {relative_name(r.where if isinstance(r, RecordError) else r.path): r for r in open_source(SHARED_DATA)}


@pytest.fixture(scope="module")
def labels_reference() -> pd.DataFrame:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real-record tests need ../shared/data next to the repo ({SHARED_DATA} not found)")
    return pd.read_csv(SHARED_DATA / "labels_reference.csv").set_index("record")


def test_shared_data_lists_every_reference_record(shared_results, labels_reference):
    assert set(shared_results) == set(labels_reference.index)


def test_every_shared_record_loads_including_the_georgia_dialect(shared_results):
    errors = [str(r) for r in shared_results.values() if isinstance(r, RecordError)]
    assert errors == []
    georgia = {Path(name).name for name in shared_results
               if (SHARED_DATA / f"{name}.hea").read_text().split()[0].endswith(".mat")}
    assert georgia == GEORGIA


def test_shared_records_are_valid_12_lead_mv(shared_results):
    for record in (r for r in shared_results.values() if isinstance(r, Record)):
        assert record.signal.shape[1] == 12 and record.signal.dtype == np.float32
        assert record.source == "wfdb" and record.patient_id == record.record_id
        assert 0.02 < np.median(np.std(record.signal, axis=0)) < 2, record.path  # mV: uV or V would be 1000x off


def test_shared_labels_match_reference(shared_results, labels_reference):
    for name, record in shared_results.items():
        if isinstance(record, Record):
            assert set(record.labels) == reference_labels(labels_reference.loc[name]), name


def test_georgia_records_read_their_dx_and_metadata(shared_results, labels_reference):
    for name in sorted(GEORGIA):
        record = shared_results[f"cinc2021/{name}"]
        header = (SHARED_DATA / "cinc2021" / f"{name}.hea").read_text()
        dx = re.search(r"^#Dx:(.*)$", header, re.M).group(1)
        assert record.labels == set(labels_from_dx(dx)) == reference_labels(labels_reference.loc[f"cinc2021/{name}"])
        assert (record.record_id, record.fs, record.n_samples) == (name, 500, 5000)
        assert record.metadata["dx"] == dx.strip()
    assert shared_results["cinc2021/E07500"].metadata == {"age": 78, "sex": "Male", "dx": "67741000119109,426177001"}


def header_gains(hea: Path) -> np.ndarray:
    """ADC gains read from the header text: the number before `(baseline)` or `/unit` in each signal line."""
    lines = [ln for ln in hea.read_text().splitlines() if ln and not ln.startswith("#")][1:]
    return np.array([float(re.match(r"[\d.]+", ln.split()[2]).group()) for ln in lines])


@pytest.mark.parametrize("name", ["cinc2021/A0689", "cinc2021/E07500", "cinc2021/HR03961", "cinc2021/JS01048", "cpsc2018/A0001",
                                  "ecg-image-kit-samples/JS00001"])
def test_challenge_mat_amplitudes_are_mv(shared_data, name):
    raw = scipy.io.loadmat(shared_data / f"{name}.mat")["val"]
    assert raw.dtype == np.int16 and raw.shape[0] == 12
    expected = raw.T / header_gains(shared_data / f"{name}.hea")
    (record,) = open_source(shared_data / name)
    assert isinstance(record, Record)
    np.testing.assert_allclose(record.signal, expected, rtol=1e-6, atol=1e-6)


def test_wfdb_metadata_and_ids(shared_data):
    (ludb,) = open_source(shared_data / "ludb" / "1")
    assert (ludb.record_id, ludb.patient_id, ludb.source) == ("1", "1", "wfdb")
    assert ludb.path == str(shared_data / "ludb" / "1.hea") and ludb.fs == 500
    assert ludb.metadata["age"] == 51 and ludb.metadata["sex"] == "F"
    assert ludb.metadata["dx"].startswith("Rhythm: Sinus bradycardia. | Electric axis")
    (challenge,) = open_source(shared_data / "cinc2021" / "A0689.hea")
    assert challenge.metadata == {"age": 80, "sex": "Male", "dx": "164889003"}
    assert challenge.labels == {"AF"}
    (unlabelled,) = open_source(shared_data / "ecg-image-kit-samples" / "00001_lr")
    assert unlabelled.labels == frozenset() and "dx" not in unlabelled.metadata and unlabelled.fs == 100


def test_wfdb_path_with_or_without_extension(shared_data):
    records = [next(open_source(shared_data / "ludb" / name)) for name in ("1", "1.hea", "1.dat")]
    for record in records[1:]:
        assert record.record_id == records[0].record_id and record.path == records[0].path
        np.testing.assert_array_equal(record.signal, records[0].signal)


def write_wfdb(directory: Path, name: str, signal_mv: np.ndarray, fs: float = 500, units: str = "mV",
               gain: float = 1000.0, leads: tuple[str, ...] = STANDARD_LEADS) -> None:
    """Write `signal_mv` (given in mV) as a format-16 WFDB record whose header says `units`."""
    scale = {"mV": 1.0, "uV": 1000.0}[units]
    directory.mkdir(parents=True, exist_ok=True)
    wfdb.wrsamp(name, fs=fs, units=[units] * len(leads), sig_name=list(leads), p_signal=signal_mv * scale,
                fmt=["16"] * len(leads), adc_gain=[gain] * len(leads), baseline=[0] * len(leads),
                write_dir=str(directory))


def quantised_signal(seed: int, n: int = 1500, n_leads: int = 12, step: float = 1e-3) -> np.ndarray:
    """A random signal on the quantisation grid of a WFDB record with gain 1/step, so it round-trips exactly."""
    return np.random.default_rng(seed).integers(-2000, 2000, size=(n, n_leads)) * step


def test_microvolt_header_is_converted_to_mv(tmp_path):
    signal = quantised_signal(0)
    write_wfdb(tmp_path, "uv_record", signal, units="uV", gain=1.0)
    (record,) = open_source(tmp_path / "uv_record")
    np.testing.assert_allclose(record.signal, signal, atol=1e-6)


def test_utf8_microvolt_unit_and_latin1_comment_are_read(tmp_path):
    """wfdb reads headers as ASCII and drops `µ` (µV would become V); the header is decoded as UTF-8 or Latin-1."""
    signal = quantised_signal(5)
    write_wfdb(tmp_path, "utf8", signal, units="uV", gain=1.0)
    hea = tmp_path / "utf8.hea"
    hea.write_bytes(hea.read_text().replace("/uV", "/µV").encode("utf-8") + "#Sex: Männlich\n".encode("utf-8"))
    (record,) = open_source(hea)
    np.testing.assert_allclose(record.signal, signal, atol=1e-6)
    assert record.metadata["sex"] == "Männlich"
    write_wfdb(tmp_path, "latin1", signal)
    hea = tmp_path / "latin1.hea"
    # \x85 (Windows-1252 ellipsis) is a line break to str.splitlines(), not to a header reader
    hea.write_bytes(hea.read_bytes() + "#Dx: 164889003\n#Sex: F\u00e9minin\n#Note: see p. 2\x85 continued\n".encode("latin-1"))
    (record,) = open_source(hea)
    assert record.labels == {"AF"} and record.metadata["sex"] == "Féminin"
    np.testing.assert_allclose(record.signal, signal, atol=1e-6)


def test_unknown_unit_is_a_record_error(tmp_path):
    write_wfdb(tmp_path, "pressure", quantised_signal(1))
    hea = tmp_path / "pressure.hea"
    hea.write_text(hea.read_text().replace("/mV", "/mmHg"))
    (error,) = open_source(hea)
    assert isinstance(error, RecordError) and error.where == str(hea) and "'mmHg'" in error.reason


def test_bad_records_do_not_stop_iteration_and_listing_reads_no_signal(tmp_path):
    write_wfdb(tmp_path / "a", "good", quantised_signal(2))
    write_wfdb(tmp_path / "b", "broken", quantised_signal(3))
    (tmp_path / "b" / "broken.dat").unlink()
    write_wfdb(tmp_path / "c", "short", quantised_signal(4, n=100))
    assert [item.record_id for item in list_source(tmp_path)] == ["good", "broken", "short"]
    good, broken, short = open_source(tmp_path)
    assert isinstance(good, Record)
    assert isinstance(broken, RecordError) and broken.where == str(tmp_path / "b" / "broken.hea")
    assert broken.reason == f"signal file not found: {tmp_path / 'b' / 'broken.dat'}"
    assert isinstance(short, RecordError) and "shorter than" in short.reason


def test_missing_record_is_a_record_error(tmp_path):
    (error,) = open_source(tmp_path / "nothing.hea")
    assert isinstance(error, RecordError) and str(error) == f"{tmp_path / 'nothing.hea'}: header file not found"


def test_folder_without_records_fails_listing(tmp_path):
    with pytest.raises(RecordError, match="folder holds no WFDB header"):
        list(open_source(tmp_path))


def test_detect_format(tmp_path):
    assert detect_format(tmp_path) == "wfdb"
    assert detect_format(tmp_path / "record.hea") == "wfdb"
    (tmp_path / "exams.csv").write_text("exam_id\n")
    assert detect_format(tmp_path) == "code15"
    (tmp_path / "ptbxl_database.csv").write_text("ecg_id\n")
    assert detect_format(tmp_path) == "ptbxl"


PTBXL_ROWS = [
    {"ecg_id": 1, "patient_id": 15709.0, "scp_codes": "{'NORM': 100.0, 'LVOLT': 0.0, 'SR': 0.0}", "strat_fold": 3},
    {"ecg_id": 2, "patient_id": 13243.0, "scp_codes": "{'CLBBB': 100.0, 'SBRAD': 0.0, 'IRBBB': 50.0}",
     "strat_fold": 2},
    {"ecg_id": 3, "patient_id": 15709.0, "scp_codes": "{'CRBBB': 100.0, 'AFIB': 0.0, '1AVB': 100.0}",
     "strat_fold": 10},
]


@pytest.fixture
def ptbxl_folder(tmp_path) -> Path:
    """A PTB-XL folder in the published layout: the table plus records100/ and records500/ WFDB files."""
    rows = []
    for row in PTBXL_ROWS:
        lr, hr = (f"records{rate}/00000/{row['ecg_id']:05d}_{suffix}" for rate, suffix in ((100, "lr"), (500, "hr")))
        for name, fs in ((lr, 100), (hr, 500)):
            write_wfdb((tmp_path / name).parent, Path(name).name, quantised_signal(row["ecg_id"] * fs, n=10 * fs),
                       fs=fs, leads=PTBXL_LEADS)
        rows.append({**row, "filename_lr": lr, "filename_hr": hr})
    pd.DataFrame(rows).to_csv(tmp_path / "ptbxl_database.csv", index=False)
    return tmp_path


@pytest.mark.parametrize("fs", [100, 500])
def test_ptbxl_round_trip(ptbxl_folder, fs):
    records = list(open_source(ptbxl_folder, sampling_rate=fs))
    suffix = "lr" if fs == 100 else "hr"
    assert [r.record_id for r in records] == [f"0000{i}_{suffix}" for i in (1, 2, 3)]
    assert [r.patient_id for r in records] == ["15709", "13243", "15709"]
    assert [r.labels for r in records] == [frozenset(), {"LBBB", "SB"}, {"RBBB", "AF", "1dAVb"}]
    assert [r.metadata["strat_fold"] for r in records] == [3, 2, 10]
    listed = list(list_source(ptbxl_folder, sampling_rate=fs))      # known before any signal is read
    assert [(i.patient_id, i.fold) for i in listed] == [("15709", 3), ("13243", 2), ("15709", 10)]
    for record, row in zip(records, PTBXL_ROWS):
        assert record.source == "ptbxl" and record.fs == fs and record.leads == STANDARD_LEADS
        assert record.path == str(ptbxl_folder / f"records{fs}/00000/{row['ecg_id']:05d}_{suffix}.hea")
        np.testing.assert_allclose(record.signal, quantised_signal(row["ecg_id"] * fs, n=10 * fs), atol=1e-6)


def test_ptbxl_bad_rows_are_record_errors(ptbxl_folder):
    table = pd.read_csv(ptbxl_folder / "ptbxl_database.csv")
    table.loc[0, "scp_codes"] = "__import__('os').getcwd()"
    table.loc[1, "filename_hr"] = "records500/00000/00099_hr"
    table.to_csv(ptbxl_folder / "ptbxl_database.csv", index=False)
    bad_codes, missing, good = open_source(ptbxl_folder)
    assert isinstance(bad_codes, RecordError) and bad_codes.where == str(ptbxl_folder / "ptbxl_database.csv")
    assert bad_codes.reason == ("ecg_id 1: scp_codes \"__import__('os').getcwd()\" is not a dict literal of "
                                "{statement: likelihood}")
    assert isinstance(missing, RecordError) and missing.where.endswith("00099_hr.hea")
    assert isinstance(good, Record) and good.labels == {"RBBB", "AF", "1dAVb"}


def test_ptbxl_table_without_required_column_fails_listing(ptbxl_folder):
    pd.read_csv(ptbxl_folder / "ptbxl_database.csv").drop(columns="strat_fold").to_csv(
        ptbxl_folder / "ptbxl_database.csv", index=False)
    with pytest.raises(RecordError, match=r"ptbxl_database.csv: missing column\(s\) \['strat_fold'\]"):
        list(list_source(ptbxl_folder))


CODE15_EXAMS = [  # exam_id, patient_id, labels; 1003 is in the table only, 2000 in the HDF5 only
    (1001, 523632, {"AF", "RBBB"}),
    (1002, 1724, set()),
    (1003, 88, {"ST"}),
]


def code15_tracing(seed: int, n: int) -> np.ndarray:
    """A 400 Hz signal of n samples with a run of all-zero rows inside (which must survive stripping)."""
    signal = np.random.default_rng(seed).normal(0, 0.5, size=(n, 12)).astype(np.float32)
    signal[n // 2:n // 2 + 5] = 0
    return signal


@pytest.fixture
def code15_folder(tmp_path) -> Path:
    """A CODE-15% folder: exams.csv and exams_part0.hdf5 with symmetric zero padding and the 0 placeholder row."""
    table = pd.DataFrame([
        {"exam_id": exam_id, "age": 50 + i, "is_male": i % 2 == 0, "nn_predicted_age": 55.5,
         **{label: label in labels for label in LABELS}, "patient_id": patient_id, "death": False,
         "timey": 1.5, "normal_ecg": not labels, "trace_file": "exams_part0.hdf5"}
        for i, (exam_id, patient_id, labels) in enumerate(CODE15_EXAMS)
    ])
    table.to_csv(tmp_path / "exams.csv", index=False)
    tracings = np.zeros((4, 4096, 12), dtype=np.float32)
    for row, n in enumerate((2800, 4000, 3000)):
        start = (4096 - n) // 2
        tracings[row, start:start + n] = code15_tracing(row, n)
    with h5py.File(tmp_path / "exams_part0.hdf5", "w") as f:
        f.create_dataset("tracings", data=tracings)
        f.create_dataset("exam_id", data=np.array([1001, 1002, 2000, 0], dtype=np.int64))
    return tmp_path


def test_code15_round_trip_and_mismatches(code15_folder):
    items = list(list_source(code15_folder))
    assert [item.record_id for item in items] == ["1001", "1002", "2000", "1003"]
    assert [item.patient_id for item in items[:2]] == [str(CODE15_EXAMS[0][1]), str(CODE15_EXAMS[1][1])]
    first, second, orphan, missing = open_source(code15_folder)
    for record, row, n, (exam_id, patient_id, labels) in ((first, 0, 2800, CODE15_EXAMS[0]),
                                                          (second, 1, 4000, CODE15_EXAMS[1])):
        assert isinstance(record, Record) and record.fs == 400 and record.source == "code15"
        np.testing.assert_array_equal(record.signal, code15_tracing(row, n))
        assert (record.record_id, record.patient_id, record.labels) == (str(exam_id), str(patient_id), labels)
    assert first.metadata == {"exam_id": "1001", "row": 0, "age": 50, "sex": "M", "normal_ecg": False}
    assert isinstance(orphan, RecordError) and orphan.where == str(code15_folder / "exams_part0.hdf5")
    assert orphan.reason == "exam_id 2000 at row 2 is not listed in exams.csv"
    assert isinstance(missing, RecordError) and missing.where == str(code15_folder / "exams.csv")
    assert missing.reason == "exam_id 1003 has no tracing in any HDF5 part (trace_file exams_part0.hdf5)"


def test_code15_unreadable_part_and_bad_cells_are_record_errors(code15_folder):
    (code15_folder / "exams_part1.hdf5").write_bytes(b"not an hdf5 file")
    table = pd.read_csv(code15_folder / "exams.csv")
    table["AF"] = table["AF"].astype(object)
    table.loc[1, "AF"] = "maybe"
    table.to_csv(code15_folder / "exams.csv", index=False)
    results = list(open_source(code15_folder))
    assert [type(r).__name__ for r in results] == ["Record", "RecordError", "RecordError", "RecordError",
                                                   "RecordError"]
    assert results[1].reason == "exam_id 1002: expected True/False or 0/1, got 'maybe'"
    assert results[3].where == str(code15_folder / "exams_part1.hdf5")
    assert results[3].reason.startswith("cannot read HDF5 part:")


def test_strip_zero_padding_keeps_interior_zeros():
    signal = np.zeros((10, 12), dtype=np.float32)
    signal[2, 0], signal[7, 11] = 1.0, -1.0
    np.testing.assert_array_equal(strip_zero_padding(signal), signal[2:8])
    assert strip_zero_padding(np.zeros((5, 12))).shape == (0, 12)
