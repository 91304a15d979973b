"""Record validation at construction: shape, lead aliases and order, derived limb leads, NaN, duration."""

import numpy as np
import pytest

from ecgprint.errors import RecordError
from ecgprint.leads import STANDARD_LEADS, normalize_lead_name
from ecgprint.record import Record

PRECORDIAL = ("V1", "V2", "V3", "V4", "V5", "V6")


def signal(n=5000, leads=12, seed=0):
    return np.random.default_rng(seed).normal(size=(n, leads))


@pytest.mark.parametrize("alias", ["AVR", "aVR", "avr", " aVr "])
def test_lead_aliases_are_normalised(alias):
    assert normalize_lead_name(alias) == "aVR"


def test_columns_are_reordered_to_standard_order():
    names = tuple(reversed(STANDARD_LEADS))
    data = signal()
    rec = Record(data, 500, leads=tuple(n.upper() for n in names))
    assert rec.leads == STANDARD_LEADS and rec.signal.dtype == np.float32
    np.testing.assert_allclose(rec.lead("V6"), data[:, 0], rtol=1e-6)
    np.testing.assert_allclose(rec.lead("I"), data[:, 11], rtol=1e-6)


def test_missing_limb_leads_are_derived_from_i_and_ii():
    data = signal(leads=8)
    rec = Record(data, 500, leads=("I", "II", *PRECORDIAL))
    i, ii = data[:, 0], data[:, 1]
    for name, expected in {"III": ii - i, "aVR": -(i + ii) / 2, "aVL": i - ii / 2, "aVF": ii - i / 2}.items():
        np.testing.assert_allclose(rec.lead(name), expected, atol=1e-5)


def test_given_limb_leads_are_kept_not_rederived():
    data = signal()
    data[:, 2] = 7.0
    assert (Record(data, 500).lead("III") == 7.0).all()


@pytest.mark.parametrize("kwargs, message", [
    ({"signal": np.zeros(5000)}, "2-D"),
    ({"leads": STANDARD_LEADS[:11]}, "11 lead names for 12"),
    ({"fs": 0}, "sampling frequency"),
    ({"signal": signal(n=1000)}, "shorter than 2.5 s"),
    ({"leads": ("I", "II", "V1", "X", "V3", "V4", "V5", "V6", "III", "aVR", "aVL", "aVF")}, "unknown lead"),
    ({"leads": ("I", "I", *STANDARD_LEADS[2:])}, "duplicate"),
    ({"labels": {"MI"}}, "unknown label"),
])
def test_invalid_records_raise_record_error_naming_the_record(kwargs, message):
    args = {"signal": signal(), "fs": 500, "leads": STANDARD_LEADS, "record_id": "rec42", **kwargs}
    with pytest.raises(RecordError, match=message) as info:
        Record(**args)
    assert str(info.value).startswith("rec42: ") and "\n" not in str(info.value)


def test_nan_needs_permission_and_all_nan_lead_is_never_valid():
    data = signal()
    data[100:200, 3] = np.nan
    with pytest.raises(RecordError, match="NaN in lead"):
        Record(data, 500, path="/x/a.hea")
    assert np.isnan(Record(data, 500, allow_nan=True).lead("aVR")).sum() == 100
    data[:, 7] = np.nan
    with pytest.raises(RecordError, match=r"V2.*all NaN"):
        Record(data, 500, allow_nan=True)


def test_error_names_the_file_when_known():
    with pytest.raises(RecordError, match=r"^/data/r\.hea: ") as info:
        Record(signal(n=100), 500, path="/data/r.hea", record_id="r")
    assert info.value.where == "/data/r.hea"
