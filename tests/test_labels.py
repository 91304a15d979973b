"""Label mapping from each source's label system to the six project labels, including the look-alikes."""

import numpy as np
import pytest

from ecgprint.labels import (
    LABELS,
    from_multi_hot,
    labels_from_cpsc,
    labels_from_dx,
    labels_from_scp,
    labels_from_snomed,
    labels_from_text,
    to_multi_hot,
    validate_labels,
)


@pytest.mark.parametrize("line, expected", [
    ("Complete right bundle branch block.", {"RBBB"}),
    ("Incomplete right bundle branch block.", set()),
    ("Complete left bundle branch block.", {"LBBB"}),
    ("Incomplete left bundle branch block.", set()),
    ("Rhythm: Atrial fibrillation.", {"AF"}),
    ("Rhythm: Atrial flutter, typical.", set()),
    ("Rhythm: Sinus bradycardia.", {"SB"}),
    ("Rhythm: Sinus tachycardia.", {"ST"}),
    ("Rhythm: Sinus rhythm.", set()),
    ("I degree AV block.", {"1dAVb"}),
    ("#I degree AV block.", {"1dAVb"}),
    ("II degree AV block, type Mobitz I.", set()),
    ("Left ventricular hypertrophy.", set()),
])
def test_ludb_text_lines(line, expected):
    assert labels_from_text([line]) == expected


def test_ludb_text_several_lines():
    lines = ["Rhythm: Sinus bradycardia.", "I degree AV block.", "Complete left bundle branch block.",
             "Incomplete right bundle branch block."]
    assert labels_from_text(lines) == {"SB", "1dAVb", "LBBB"}


@pytest.mark.parametrize("dx, expected", [
    ("164889003,59118001,164934002", {"AF", "RBBB"}),   # JS00001: AF, RBBB, T-wave abnormality
    ("713427006", {"RBBB"}),                             # complete RBBB (second code)
    ("713426002", set()),                                # incomplete RBBB
    ("164890007", set()),                                # atrial flutter
    ("733534002, 164909002", {"LBBB"}),                  # spaces, two codes for one label
    ("270492004,426177001,427084000", {"1dAVb", "SB", "ST"}),
    ("426783006", set()),                                # sinus rhythm
    ("AF,RBBB", {"AF", "RBBB"}),                         # CPSC 2018 abbreviations
    ("I-AVB", {"1dAVb"}),
    ("Normal", set()),
    ("PAC,PVC,STD,STE", set()),
    ("", set()),
])
def test_challenge_dx(dx, expected):
    assert labels_from_dx(dx) == expected


def test_snomed_and_cpsc_lists():
    assert labels_from_snomed([" 164889003 ", "59118001"]) == {"AF", "RBBB"}
    assert labels_from_cpsc(["LBBB", "AF"]) == {"LBBB", "AF"}
    assert labels_from_cpsc(["RBBB"]) == {"RBBB"} and labels_from_cpsc(["IRBBB"]) == set()


def test_ptbxl_scp_codes():
    assert labels_from_scp({"NORM": 100.0, "SR": 0.0}) == set()
    assert labels_from_scp({"CRBBB": 100.0, "AFIB": 0.0, "1AVB": 100.0}) == {"RBBB", "AF", "1dAVb"}
    assert labels_from_scp({"IRBBB": 100.0, "AFLT": 0.0, "ILBBB": 100.0}) == set()
    assert labels_from_scp({"CLBBB": 100.0, "SBRAD": 0.0, "STACH": 0.0}) == {"LBBB", "SB", "ST"}
    assert labels_from_scp({"CLBBB": 50.0, "CRBBB": 100.0}, min_likelihood=80) == {"RBBB"}


def test_multi_hot_round_trip_in_fixed_order():
    vector = to_multi_hot({"ST", "1dAVb"})
    assert vector.dtype == np.int8 and vector.tolist() == [1, 0, 0, 0, 0, 1]
    assert from_multi_hot(vector) == {"ST", "1dAVb"}
    assert LABELS == ("1dAVb", "RBBB", "LBBB", "SB", "AF", "ST")


def test_unknown_label_is_rejected():
    with pytest.raises(ValueError, match="unknown label"):
        validate_labels({"AF", "AFL"})
