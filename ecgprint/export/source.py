"""The pages to export, from a built dataset (through the dataset reader) or from a folder of `ecgprint render`
outputs (`<name>.png|jpg` + `<name>.json`), each checked against its truth before anything is written."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from ..dataset.manifest import MANIFEST, Manifest
from ..dataset.read import read_render_truth, row_record, row_truth, stored_signals
from ..errors import RecordError
from ..image_decode import MAX_IMAGE_BYTES, decode_image
from ..record import Record
from ..regular_file import read_capped
from ..render import IMAGE_FORMATS, safe_name
from ..truth import Truth

RENDER_SPLIT = "train"     # a render folder has no splits: every page is exported as this one
TRUTH_SUFFIXES = (".json", ".npz")   # what `ecgprint render --truth json|npz` writes next to a page


@dataclass(frozen=True)
class Page:
    """One page: a file-safe unique `name`, its split, the encoded image as stored (`fmt` png|jpg), its truth,
    `where` it came from (for messages), for a dataset row the stored signal as a Record, and the `--mask` label
    image (uint8, k = lead STANDARD_LEADS[k-1]) when a render folder holds `<name>_mask.png`."""

    name: str
    split: str
    image: bytes
    fmt: str
    truth: Truth
    where: str
    record: Record | None = None
    labels: np.ndarray | None = None


def iter_pages(source: str | Path) -> Iterator[Page]:
    """Every page of a dataset folder (one with manifest.json) or a render folder, checked (check_page);
    ValueError (one line naming the file) for a source with no pages or a page that does not match its truth."""
    root = Path(source)
    if not root.is_dir():
        raise ValueError(f"{root}: not a folder (give a built dataset or a folder of `ecgprint render` outputs)")
    pages = dataset_pages(root) if (root / MANIFEST).is_file() else folder_pages(root)
    names: set[str] = set()
    for page in pages:
        if page.name in names:
            raise ValueError(f"{page.where}: a second page named {page.name!r}; not overwriting the first")
        names.add(page.name)
        yield check_page(page)
    if not names:
        raise ValueError(f"{root}: no pages (no <name>.png|jpg with its <name>.json|npz truth, and no {MANIFEST})")


def check_page(page: Page) -> Page:
    """`page` if its image decodes (byte and pixel caps) to the size its truth gives; ValueError naming it else."""
    height, width = decode_image(page.image, page.where).shape[:2]
    if (width, height) != (page.truth.width, page.truth.height):
        raise ValueError(f"{page.where}: image is {width}x{height} px but its truth is for "
                         f"{page.truth.width}x{page.truth.height} px; not the truth of this image")
    if page.labels is not None and page.labels.shape != (height, width):
        raise ValueError(f"{page.where}: its mask is {page.labels.shape[1]}x{page.labels.shape[0]} px but the image "
                         f"is {width}x{height} px")
    if page.truth.line_px <= 0:
        raise ValueError(f"{page.where}: truth has no trace width (line_px), so masks cannot be drawn")
    return page


def dataset_pages(root: Path) -> Iterator[Page]:
    """The rows of every shard in manifest order, one row group at a time."""
    manifest = Manifest.read(root)
    for path in (manifest.root / shard.file for shard in manifest.shards if shard.rows):
        parquet = pq.ParquetFile(path, memory_map=True)
        for group in range(parquet.num_row_groups):
            table = parquet.read_row_group(group)
            signals = stored_signals(table)
            for k, row in enumerate(table.drop_columns(["signal"]).to_pylist()):
                where = f"{path}: row {row['id']}"
                try:
                    truth = row_truth(row["truth"])
                    record = dataclasses.replace(row_record(row, signals[k]), patient_id=row["patient_id"],
                                                 source=row["source"])
                except (RecordError, ValueError, KeyError, TypeError) as exc:
                    raise ValueError(f"{where}: {exc}") from None
                yield Page(safe_name(row["id"].replace("/", "__")), row["split"], row["image"]["bytes"],
                           row["image_format"], truth, where, record)


def folder_pages(root: Path) -> Iterator[Page]:
    """`<name>.png|jpg` with its `<name>.json` (or `.npz`) truth, in name order; `<name>_mask.png` files are the
    pages' label images, not pages."""
    images = sorted(p for p in root.iterdir() if p.suffix.lower().lstrip(".") in IMAGE_FORMATS
                    and not p.stem.endswith("_mask"))
    truths = sorted(p for suffix in TRUTH_SUFFIXES for p in root.glob(f"*{suffix}"))
    orphans = [p for p in truths if p.stem not in {image.stem for image in images}]
    if orphans:
        raise ValueError(f"{orphans[0]}: no image {orphans[0].stem}.png or .jpg next to this truth")
    for path in images:
        truth_path = next((path.with_suffix(s) for s in TRUTH_SUFFIXES if path.with_suffix(s).is_file()), None)
        if truth_path is None:
            raise ValueError(f"{path}: no truth {path.stem}.json or {path.stem}.npz next to this image")
        labels = read_labels(path.with_name(f"{path.stem}_mask.png"))
        yield Page(path.stem, RENDER_SPLIT, read_image(path), path.suffix.lower().lstrip("."),
                   read_render_truth(truth_path), str(path), labels=labels)


def read_image(path: Path) -> bytes:
    """The encoded bytes of an image file (regular files only, with the image byte cap)."""
    try:
        return read_capped(path, MAX_IMAGE_BYTES, "image")
    except RecordError as exc:
        raise ValueError(str(exc)) from None


def read_labels(path: Path) -> np.ndarray | None:
    """The `--mask` label image at `path` as uint8 (H, W), or None when there is none."""
    return decode_image(read_image(path), str(path))[:, :, 0] if path.is_file() else None
