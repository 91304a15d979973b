"""A listed-but-not-yet-read record, so sources can be counted and resumed without reading signals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import RecordError
from ..record import Record


@dataclass(frozen=True)
class SourceItem:
    """One record of a source: `record_id` and `path` come from the listing; `load()` reads the signal.

    `load()` raises RecordError (naming the file and the problem) for unreadable or invalid input.
    """

    record_id: str
    path: str
    loader: Callable[[], Record]

    def load(self) -> Record:
        return self.loader()


def failing_item(record_id: str, error: RecordError) -> SourceItem:
    """An item that is known to be bad at listing time; loading it raises `error`."""

    def fail() -> Record:
        raise error

    return SourceItem(record_id, error.where, fail)
