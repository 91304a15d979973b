"""PhysioNet Challenge 2024 layout: per split folder, one WFDB record per distinct stored signal of a source record
(written by the project's write_wfdb) and its page images `<record>-<k>.<fmt>`, named in the header by a
`# Image:` line, with the labels on a `# Labels:` line, as the Challenge's helper_code reads them."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..atomic import inside, write_atomic
from ..record import Record
from ..sources.wfdb_source import write_wfdb
from .source import Page

# The Challenge 2024 classes, in the order its data preparation writes them, and the class of each project label as
# that preparation derives it from PTB-XL (1AVB, CRBBB and CLBBB are in PTB-XL's CD superclass; AFIB -> AFIB/AFL,
# STACH -> TACHY, SBRAD -> BRADY). A record with none of the six labels gets no `# Labels:` line.
CHALLENGE_CLASSES = ("NORM", "Acute MI", "Old MI", "STTC", "CD", "HYP", "PAC", "PVC", "AFIB/AFL", "TACHY", "BRADY")
CHALLENGE_LABELS = {"1dAVb": "CD", "RBBB": "CD", "LBBB": "CD", "SB": "BRADY", "AF": "AFIB/AFL", "ST": "TACHY"}


def challenge_labels(labels: Iterable[str]) -> list[str]:
    """The Challenge classes of a set of project labels, in CHALLENGE_CLASSES order, without repeats."""
    mapped = {CHALLENGE_LABELS[label] for label in labels}
    return [name for name in CHALLENGE_CLASSES if name in mapped]


def unpadded(signal: np.ndarray) -> np.ndarray:
    """The stored signal without the symmetric zero padding the dataset adds to short records (all-zero rows:
    (n - m) // 2 before, the rest after), so sample 0 is the record's first sample again; unchanged if the zero
    rows at both ends do not have that shape."""
    nonzero = np.flatnonzero(np.any(signal != 0, axis=1))
    if nonzero.size == 0:
        return signal
    before, after = int(nonzero[0]), signal.shape[0] - 1 - int(nonzero[-1])
    return signal[before:signal.shape[0] - after] if after - before in (0, 1) and before > 0 else signal


def wfdb_name(record_id: str) -> str:
    """A WFDB record name (letters, digits, `_`, `-`) from a record id."""
    name = "".join(c if c.isascii() and (c.isalnum() or c in "_-") else "_" for c in record_id).strip("_")
    return name or "record"


@dataclass
class Held:
    """A record written to a split folder: the sha256 of its stored signal, its labels and its image files."""

    digest: str
    labels: frozenset[str]
    images: list[str] = field(default_factory=list)


def with_signal(page: Page) -> Page:
    """`page`, if it carries a stored signal (dataset rows do); ValueError naming it else."""
    if page.record is None:
        raise ValueError(f"{page.where}: a render folder has no signals; the Challenge 2024 layout needs a built "
                         f"dataset")
    return page


def record_name(held: dict[str, Held], page: Page) -> tuple[str, bool]:
    """The page's record name in its split folder and whether that record is new: pages of one source record that
    store the same signal share it; another stored signal of that record (another window) is `<name>_2`, `_3`, ..."""
    digest = hashlib.sha256(np.ascontiguousarray(page.record.signal).tobytes()).hexdigest()
    base = wfdb_name(page.record.record_id)
    for k in itertools.count(1):
        name = base if k == 1 else f"{base}_{k}"
        if name not in held:
            held[name] = Held(digest, page.record.labels)
            return name, True
        if held[name].digest == digest:
            return name, False


def split_records(pages: Iterable[Page], out: Path, folder: Path, held: dict[str, Held]) -> Iterator[Record]:
    """Write each page's image into `folder` as `<record>-<k>.<fmt>` and yield each new record (file-safe name,
    padding removed) for write_wfdb, so no more than one page is held in memory."""
    for page in pages:
        name, new = record_name(held, page)
        images = held[name].images
        images.append(f"{name}-{len(images)}.{page.fmt}")
        write_atomic(inside(out, folder / images[-1]), page.image)
        if new:
            for suffix in (".hea", ".dat"):    # write_wfdb opens these itself: same check as every other write
                inside(out, folder / f"{name}{suffix}")
            yield dataclasses.replace(page.record, record_id=name, signal=unpadded(page.record.signal))


def header_lines(held: Held) -> str:
    """The `# Labels:` (if any label maps) and `# Image:` lines added to a record's header."""
    labels = challenge_labels(held.labels)
    return (f"# Labels: {', '.join(labels)}\n" if labels else "") + f"# Image: {', '.join(held.images)}\n"


def export_challenge2024(pages: Iterable[Page], out: Path) -> int:
    """Write `<split>/<record>.hea|.dat`, `<split>/<record>-<k>.<fmt>` and `<split>/labels.csv` into `out`, one
    split after another (a dataset's rows come split by split); returns the number of pages."""
    count, done = 0, set()
    for split, of_split in itertools.groupby((with_signal(page) for page in pages), key=lambda page: page.split):
        if split in done:
            raise ValueError(f"split {split!r}: its pages are not contiguous in the source; cannot append to "
                             f"{out / split / 'labels.csv'}")
        done.add(split)
        folder, held = inside(out, out / split), {}
        inside(out, folder / "labels.csv")
        write_wfdb(split_records(of_split, out, folder, held), folder)
        for name, record in held.items():
            header = folder / f"{name}.hea"
            write_atomic(header, header.read_text().rstrip("\n") + "\n" + header_lines(record))
            count += len(record.images)
    return count
