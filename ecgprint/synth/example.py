"""The built-in example record of `ecgprint render --example`, named "example": synthetic record 0 of seed 2024
(10 s, 500 Hz, normal sinus rhythm), read from the copy shipped beside this module (example_record.npz).

Generating it needs scipy.signal, whose import (~0.5 s) costs more than the whole render of the page; reading the
copy takes ~1 ms. The copy holds a fingerprint of the generator's source: when the generator has changed since
(or the file is missing), the record is generated instead, so it is always the generator's record, only slower.
tests/test_cli_imports.py checks that the copy is current and equal; re-make it with
`python -c "from ecgprint.synth.example import write_example; write_example()"`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import numpy as np

from ..record import Record
from .config import SynthConfig

EXAMPLE_SEED = 2024
EXAMPLE_CONFIG = SynthConfig(fs=500.0, duration=10.0, seed=EXAMPLE_SEED, labels=frozenset())
EXAMPLE_FILE = Path(__file__).with_name("example_record.npz")


def generator_fingerprint() -> str:
    """sha256 of the source the example record depends on: this package's modules (but this one) and Record."""
    here = Path(__file__).parent
    files = sorted(p for p in here.glob("*.py") if p.name != "example.py") + [here.parent / "record.py"]
    return hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()


def example_record(path: str | Path = EXAMPLE_FILE) -> Record:
    """The example record (a fresh copy each call): the stored copy if it is current, else generated."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            fields = json.loads(str(stored["fields"]))
            signal = stored["signal"]
    except (OSError, KeyError, ValueError):
        return generated_example()
    if fields.pop("generator") != generator_fingerprint():
        return generated_example()
    return Record(signal=signal, **{**fields, "leads": tuple(fields["leads"]), "labels": frozenset(fields["labels"])})


def generated_example() -> Record:
    """The example record made by the generator (imports scipy.signal), named "example": its pages print
    "ID: example" and its files are example.*."""
    from .generate import synth_record
    record = synth_record(0, EXAMPLE_CONFIG)
    metadata = {k: v for k, v in record.metadata.items() if k != "printed_id"}
    return dataclasses.replace(record, record_id="example", metadata=metadata)


def write_example(path: str | Path = EXAMPLE_FILE) -> None:
    """Generate the example record and store it as example_record reads it: the float32 signal, and the other
    fields and the generator's fingerprint as JSON."""
    record = generated_example()
    fields = {f.name: getattr(record, f.name) for f in dataclasses.fields(record) if f.name != "signal"}
    fields.update(leads=list(record.leads), labels=sorted(record.labels), generator=generator_fingerprint())
    np.savez_compressed(path, signal=record.signal, fields=np.array(json.dumps(fields)))
