"""Property-based fuzzing (hypothesis) of the three readers of untrusted bytes: WFDB records (header + signal, then
the plausibility checks), recipes and encoded images. Invariant: a valid result or the project's own one-line error
(RecordError, RecipeError, ValueError for images), nothing else; within a per-example deadline, under an
address-space limit and with a bounded peak RSS, because each target runs in a subprocess with those limits.

CI runs a fixed, derandomized budget (well under 2 minutes on 2 cores). Run longer, with fresh random examples:

    ECGPRINT_FUZZ_EXAMPLES=5000 python -m pytest -q tests/test_fuzz.py
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import tempfile
import tomllib
import zlib
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
FUZZ_EXAMPLES = int(os.environ.get("ECGPRINT_FUZZ_EXAMPLES", "0"))   # 0: the CI budget of each target
MEMORY_LIMIT = 2 << 30       # address space of a fuzz subprocess
PEAK_RSS_LIMIT = 1 << 30     # peak resident memory a whole fuzz run may reach
DEADLINE = timedelta(seconds=5)
RECORDS = ("ludb/1", "cinc2021/E07500", "cpsc2018/A0001", "ecg-image-kit-samples/00001_lr")


def fuzz_settings(ci_examples: int) -> settings:
    """`ci_examples` derandomized examples (reproducible CI), or ECGPRINT_FUZZ_EXAMPLES random ones."""
    return settings(max_examples=FUZZ_EXAMPLES or ci_examples, derandomize=not FUZZ_EXAMPLES, deadline=DEADLINE,
                    database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def run_bounded(target: str, *args: str, ci_seconds: int, tmp_path: Path) -> None:
    """Run `target(*args)` of this module in a subprocess under MEMORY_LIMIT; fail on any error or timeout."""
    code = (f"import resource, sys; resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_LIMIT}, {MEMORY_LIMIT}))\n"
            f"from tests.test_fuzz import {target}; {target}(*sys.argv[1:])")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "HYPOTHESIS_STORAGE_DIRECTORY": str(tmp_path / "hypothesis")}   # nothing written into the checkout
    timeout = ci_seconds if not FUZZ_EXAMPLES else 60 + FUZZ_EXAMPLES * DEADLINE.total_seconds()
    try:
        res = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{target} ran longer than {timeout:.0f} s (a hang?)")
    assert res.returncode == 0, f"{target} failed:\n{res.stdout[-3000:]}\n{res.stderr[-6000:]}"


def assert_peak_rss() -> None:
    # VmHWM is this process's own peak: ru_maxrss would also count the forking pytest process's memory
    with open("/proc/self/status") as status:
        peak = int(next(line for line in status if line.startswith("VmHWM")).split()[1]) * 1024
    assert peak < PEAK_RSS_LIMIT, f"peak resident memory {peak / 2**20:.0f} MiB"


def assert_own_error(exc: BaseException) -> None:
    """A one-line message, and no MemoryError behind it (a caught allocation failure is a memory bomb)."""
    assert str(exc) and "\n" not in str(exc), repr(exc)
    cause = exc.__context__
    while cause is not None:
        assert not isinstance(cause, MemoryError), f"memory bomb behind {exc}"
        cause = cause.__context__


@st.composite
def mutated_bytes(draw, data: bytes, max_ops: int = 3) -> bytes:
    """`data` truncated, with bytes flipped, inserted or overwritten (0 to `max_ops` times)."""
    for _ in range(draw(st.integers(0, max_ops))):
        op = draw(st.sampled_from(("truncate", "flip", "insert", "overwrite")))
        pos = draw(st.integers(0, len(data)))
        if op == "truncate":
            data = data[:pos]
        elif op == "flip" and pos < len(data):
            data = data[:pos] + bytes([data[pos] ^ draw(st.integers(1, 255))]) + data[pos + 1:]
        elif op == "insert":
            data = data[:pos] + draw(st.binary(max_size=64)) + data[pos:]
        else:
            chunk = draw(st.binary(min_size=1, max_size=64))
            data = data[:pos] + chunk + data[pos + len(chunk):]
    return data


# Header fields worth trying: zeros, huge and negative counts, odd fs/format/gain syntax, names of other files.
TOKENS = st.one_of(
    st.sampled_from(["0", "-1", "1", "1000000", "999999999999", "nan", "inf", "1e9", "500/0", "0.5", "16x0",
                     "16x99999", "212", "16+999999999", "8", "24", "/mV", "0(1)/uV", "1000/µV", "1000/V", "x.dat",
                     "E07500.mat", "../1.dat", "a/b", "12", "5000", ""]),
    st.integers(-2 ** 63, 2 ** 63).map(str), st.floats().map(str), st.text(max_size=12))


@st.composite
def mutated_header(draw, text: str) -> bytes:
    """Header text with tokens replaced, lines dropped, duplicated or inserted, comments added (0-2 times), then
    maybe bytes."""
    lines = text.splitlines()
    for _ in range(draw(st.integers(0, 2))):
        op = draw(st.sampled_from(("token", "token", "token", "comment", "drop", "duplicate", "insert")))
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        if op == "token" and lines:
            tokens = lines[i].split(" ")
            tokens[draw(st.integers(0, len(tokens) - 1))] = draw(TOKENS)
            lines[i] = " ".join(tokens)
        elif op == "drop" and lines:
            del lines[i]
        elif op == "duplicate" and lines:
            lines.insert(i, lines[i])
        elif op == "comment":
            lines.insert(i, "#" + draw(st.text(max_size=40)).replace("\r", "").replace("\n", ""))
        else:
            lines.insert(i, draw(st.text(max_size=40)))
    return draw(mutated_bytes("\n".join(lines).encode(), max_ops=1))


def write_signal(path: Path, data: bytes, kind: str) -> None:
    """The signal file as mutated bytes, missing, a link to /dev/zero or a FIFO (which would hang a reader)."""
    if kind == "bytes":
        path.write_bytes(data)
    elif kind == "dev_zero":
        path.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)


def fuzz_records(data_dir: str) -> None:
    """Mutated real headers and signal files -> load_record + check_record give a Record or a RecordError."""
    from ecgprint.errors import RecordError
    from ecgprint.plausibility import check_record
    from ecgprint.record import Record
    from ecgprint.sources.wfdb_source import load_record

    corpus = []
    for name in RECORDS:
        hea = Path(data_dir) / f"{name}.hea"
        if hea.exists():
            corpus.append((hea.stem, hea.read_text(), {p.name: p.read_bytes() for p in hea.parent.glob(f"{hea.stem}.*")
                                                       if p.suffix != ".hea"}))
    assert corpus, f"none of {RECORDS} in {data_dir}"

    @fuzz_settings(300)
    @given(st.data())
    def prop(data):
        stem, header, signals = data.draw(st.sampled_from(corpus))
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / f"{stem}.hea").write_bytes(data.draw(mutated_header(header)))
            for name, content in signals.items():
                kind = data.draw(st.sampled_from(("bytes",) * 6 + ("missing", "dev_zero", "fifo")))
                write_signal(Path(tmp) / name, data.draw(mutated_bytes(content)), kind)
            try:
                record = load_record(Path(tmp) / f"{stem}.hea")
                check_record(record)
            except RecordError as exc:
                assert_own_error(exc)
                return
            assert isinstance(record, Record) and np.isfinite(record.fs)

    prop()
    assert_peak_rss()


TOML_VALUES = st.recursive(
    st.one_of(st.booleans(), st.integers(-2 ** 63, 2 ** 63 - 1), st.floats(), st.text(max_size=16), st.datetimes(),
              st.dates(), st.times(),
              st.sampled_from(["../x", "/../../NAME", "..", "", "x" * 100, "3x4", "6x2", "clean", "scan", "png",
                               "jpg", "train", "synthetic", "wfdb", "folds", "one", 10 ** 9, 0, -1])),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12)


@st.composite
def mutated_recipe(draw, seeds: list[dict]) -> dict:
    """A shipped recipe with 1-3 values replaced, deleted or added anywhere in its tree."""
    recipe = copy.deepcopy(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 3))):
        node = recipe
        while True:
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            if not keys:
                break
            key = draw(st.sampled_from(keys))
            if isinstance(node[key], (dict, list)) and draw(st.integers(0, 3)):   # mostly descend
                node = node[key]
                continue
            break
        op = draw(st.sampled_from(("replace", "replace", "delete", "add")))
        if op == "replace" and keys:
            node[key] = draw(TOML_VALUES)
        elif op == "delete" and keys:
            del node[key]
        elif isinstance(node, dict):
            node[draw(st.text(max_size=10))] = draw(TOML_VALUES)
        else:
            node.append(draw(TOML_VALUES))
    return recipe


def fuzz_recipes() -> None:
    """Mutated shipped recipes and random tables -> parse_recipe; random bytes -> load_recipe: a Recipe whose
    names are all safe, or a RecipeError."""
    from ecgprint.dataset.recipe import RecipeError, load_recipe, name_problem, parse_recipe

    os.environ.setdefault("PTBXL_DIR", "/data/ptbxl")
    os.environ.setdefault("CODE15_DIR", "/data/code15")
    seeds = [tomllib.loads(p.read_text()) for p in sorted((ROOT / "data_recipes").glob("*.toml"))]
    texts = [p.read_bytes() for p in sorted((ROOT / "data_recipes").glob("*.toml"))]

    def check(parse):
        try:
            recipe = parse()
        except RecipeError as exc:
            assert_own_error(exc)
            return
        names = [recipe.name, *recipe.splits, *(s.name for s in recipe.sources), *(v.name for v in recipe.variants)]
        assert not [n for n in names if name_problem(n)] and len(recipe.sha256()) == 64

    @fuzz_settings(400)
    @given(st.one_of(*[mutated_recipe(seeds)] * 3, st.dictionaries(st.text(max_size=10), TOML_VALUES, max_size=6)))
    def prop_tables(table):
        check(lambda: parse_recipe(table, base_dir=ROOT))

    @fuzz_settings(100)
    @given(st.one_of(st.sampled_from(texts).flatmap(mutated_bytes), st.binary(max_size=200)))
    def prop_files(content):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "recipe.toml"
            path.write_bytes(content)
            check(lambda: load_recipe(path))

    prop_tables()
    prop_files()
    assert_peak_rss()


def _png_with_size(png: bytes, width: int, height: int) -> bytes:
    """`png` with its IHDR width and height replaced (and the chunk's CRC fixed, so decoders believe it)."""
    ihdr = png[12:16] + width.to_bytes(4, "big") + height.to_bytes(4, "big") + png[24:29]
    return png[:8] + png[8:12] + ihdr + zlib.crc32(ihdr).to_bytes(4, "big") + png[33:]


def _jpeg_with_size(jpeg: bytes, width: int, height: int) -> bytes:
    """`jpeg` with the frame size in its first SOF0/SOF2 marker replaced."""
    at = max(jpeg.find(b"\xff\xc0"), jpeg.find(b"\xff\xc2"))
    return jpeg[:at + 5] + height.to_bytes(2, "big") + width.to_bytes(2, "big") + jpeg[at + 9:]


def sample_images() -> dict[str, bytes]:
    """A small page-like picture as colour PNG, grey PNG, baseline and progressive JPEG."""
    import cv2
    image = np.full((60, 90, 3), 240, np.uint8)
    image[::5] = (200, 120, 120)
    cv2.polylines(image, [np.array([[0, 30], [30, 28], [35, 5], [40, 50], [89, 30]], np.int32)], False, (0, 0, 0))
    return {"png": cv2.imencode(".png", image)[1].tobytes(),
            "grey": cv2.imencode(".png", image[:, :, 0])[1].tobytes(),
            "jpeg": cv2.imencode(".jpg", image)[1].tobytes(),
            "progressive": cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])[1].tobytes()}


def fuzz_images() -> None:
    """Truncated and corrupted PNG/JPEG bytes, and bogus frame sizes -> decode_image: RGB uint8 within the pixel
    cap, or a one-line ValueError."""
    from ecgprint.image_decode import MAX_IMAGE_PIXELS, decode_image

    images = sample_images()

    @fuzz_settings(400)
    @given(st.data())
    def prop(data):
        kind = data.draw(st.sampled_from(sorted(images)))
        content = images[kind]
        if data.draw(st.booleans()):
            size = data.draw(st.tuples(st.integers(0, 2 ** 32 - 1), st.integers(0, 2 ** 32 - 1)))
            content = (_png_with_size(content, *size) if content.startswith(b"\x89PNG") else
                       _jpeg_with_size(content, size[0] % 65536, size[1] % 65536))
        content = data.draw(mutated_bytes(content))
        try:
            image = decode_image(content, "fuzz.png")
        except ValueError as exc:
            assert_own_error(exc)
            assert str(exc).startswith("fuzz.png: ")
            return
        assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
        assert image.shape[0] * image.shape[1] <= MAX_IMAGE_PIXELS

    prop()
    assert_peak_rss()


def test_record_reader_fuzz(shared_data, tmp_path):
    run_bounded("fuzz_records", str(shared_data), ci_seconds=60, tmp_path=tmp_path)


def test_recipe_loader_fuzz(tmp_path):
    run_bounded("fuzz_recipes", ci_seconds=40, tmp_path=tmp_path)


def test_image_decoder_fuzz(tmp_path):
    run_bounded("fuzz_images", ci_seconds=40, tmp_path=tmp_path)


def test_image_decoder_refuses_empty_oversized_and_other_formats(monkeypatch):
    """Fixed cases: the one-line errors a user sees for an empty file, one over the byte cap, a BMP, a pixel bomb."""
    import cv2

    from ecgprint import image_decode as read
    images = sample_images()
    with pytest.raises(ValueError, match=r"^a.png: empty image \(0 bytes\)$"):
        read.decode_image(b"", "a.png")
    monkeypatch.setattr(read, "MAX_IMAGE_BYTES", len(images["png"]) - 1)
    with pytest.raises(ValueError, match=r"^a.png: \d+ bytes exceed the \d+ byte cap for an encoded image$"):
        read.decode_image(images["png"], "a.png")
    monkeypatch.undo()
    bmp = cv2.imencode(".bmp", np.zeros((4, 4, 3), np.uint8))[1].tobytes()
    with pytest.raises(ValueError, match=r"^a.bmp: not a decodable PNG/JPEG image$"):
        read.decode_image(bmp, "a.bmp")
    with pytest.raises(ValueError, match=r"pixel cap$"):
        read.decode_image(_png_with_size(images["png"], 100_000, 100_000), "bomb.png")
    assert read.decode_image(images["jpeg"]).shape == (60, 90, 3)
