"""A listed-but-not-yet-read record, so sources can be counted and resumed without reading signals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import RecordError
from ..record import Record


@dataclass(frozen=True)
class SourceItem:
    """One record of a source: `record_id`, `path`, `patient_id` and `fold` come from the listing (so a
    dataset build can split patient-wise before reading any signal); `load()` reads the signal.

    `load()` raises RecordError (naming the file and the problem) for unreadable or invalid input.
    `fold` is the source's own fold (PTB-XL `strat_fold`) when it has one.
    """

    record_id: str
    path: str
    loader: Callable[[], Record]
    patient_id: str = ""
    fold: int | None = None

    def __post_init__(self) -> None:
        if not self.patient_id:
            object.__setattr__(self, "patient_id", self.record_id)

    def load(self) -> Record:
        return self.loader()


def failing_item(record_id: str, error: RecordError) -> SourceItem:
    """An item that is known to be bad at listing time; loading it raises `error`."""

    def fail() -> Record:
        raise error

    return SourceItem(record_id, error.where, fail)
