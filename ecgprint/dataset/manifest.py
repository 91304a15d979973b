"""`manifest.json` of a built dataset as one dataclass: what `ecgprint build` writes and every reader reads."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
SPLITS = ("train", "val", "test")   # a patient-split dataset's splits (a recipe's default split.ratios)


class ManifestError(ValueError):
    """A manifest that is missing, unreadable or not an ecgprint manifest; the message names the file."""


@dataclass(frozen=True)
class ShardEntry:
    """One Parquet shard: path relative to the dataset root, its split, and the facts verify checks."""

    file: str
    split: str
    rows: int
    bytes: int
    sha256: str


@dataclass(frozen=True)
class SplitCounts:
    """Rows, shards and rows per label (images with that label) of one split."""

    rows: int
    shards: int
    labels: dict[str, int]


@dataclass(frozen=True)
class Manifest:
    """Every shard with rows, bytes and sha256; counts per split and label; the recipe that made the dataset.
    `root` is the dataset folder the shard paths are relative to (not stored in the JSON)."""

    root: Path
    name: str
    ecgprint_version: str
    recipe: dict[str, Any]
    recipe_sha256: str
    label_order: tuple[str, ...]
    shards: tuple[ShardEntry, ...]
    splits: dict[str, SplitCounts]
    rows: int
    quarantined: int
    filtered: int

    @classmethod
    def read(cls, root: str | Path) -> Manifest:
        """The manifest of the dataset in `root`; ManifestError (one line naming the file) for anything else."""
        path = Path(root) / MANIFEST
        try:
            data = json.loads(path.read_text())
        except OSError as exc:
            raise ManifestError(f"{path}: cannot read manifest ({exc.strerror or exc})") from None
        except ValueError as exc:     # JSONDecodeError, UnicodeDecodeError
            raise ManifestError(f"{path}: not JSON ({exc})") from None
        try:
            return cls.from_dict(data, Path(root))
        except ValueError as exc:
            raise ManifestError(f"{path}: not an ecgprint manifest ({exc})") from None

    @classmethod
    def from_dict(cls, data: Any, root: Path) -> Manifest:
        """Inverse of to_dict; ValueError naming the first missing or unknown key."""
        fields = _fields(cls, data, "manifest", skip={"root"})
        fields["shards"] = tuple(ShardEntry(**_fields(ShardEntry, s, f"shards[{i}]"))
                                 for i, s in enumerate(_list(fields["shards"], "shards")))
        if not isinstance(fields["splits"], dict):
            raise ValueError("splits: not a JSON object")
        fields["splits"] = {name: SplitCounts(**_fields(SplitCounts, s, f"splits.{name}"))
                            for name, s in fields["splits"].items()}
        fields["label_order"] = tuple(_list(fields["label_order"], "label_order"))
        return cls(root=root, **fields)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready content (everything but `root`)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "root"}
        out["label_order"] = list(self.label_order)
        out["shards"] = [dataclasses.asdict(s) for s in self.shards]
        out["splits"] = {name: dataclasses.asdict(s) for name, s in self.splits.items()}
        return out

    def to_json(self) -> str:
        """The text of `manifest.json` (sorted keys, so the same build gives the same bytes)."""
        return json.dumps(self.to_dict(), indent=1, sort_keys=True) + "\n"

    def files(self, split: str) -> list[Path]:
        """Paths of the split's shards that hold rows, in manifest order."""
        return [self.root / s.file for s in self.shards if s.split == split and s.rows]

    def split_rows(self, split: str) -> int:
        """Rows of one split (0 for a split the dataset does not have)."""
        return sum(s.rows for s in self.shards if s.split == split)

    @property
    def total_bytes(self) -> int:
        return sum(s.bytes for s in self.shards)


def _list(value: Any, where: str) -> list:
    if not isinstance(value, list):
        raise ValueError(f"{where}: not a JSON list")
    return value


def _fields(cls: type, data: Any, where: str, skip: frozenset[str] | set[str] = frozenset()) -> dict[str, Any]:
    """`data` as keyword arguments of dataclass `cls`: exactly its fields (minus `skip`), else ValueError."""
    if not isinstance(data, dict):
        raise ValueError(f"{where}: not a JSON object")
    names = {f.name for f in dataclasses.fields(cls)} - set(skip)
    missing, unknown = sorted(names - set(data)), sorted(set(data) - names)
    if missing or unknown:
        raise ValueError(f"{where}: " + "; ".join(f"{what} key(s) {keys}" for what, keys in
                                                   (("missing", missing), ("unknown", unknown)) if keys))
    return dict(data)
