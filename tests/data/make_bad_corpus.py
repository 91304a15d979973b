"""Regenerate tests/data/bad/: small WFDB inputs that are broken in the ways real files are.

    python tests/data/make_bad_corpus.py

The 2-hour record is too big to keep in the repo; tests write it with `write_long_record`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import wfdb

HERE = Path(__file__).resolve().parent / "bad"
LEADS = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]
FS = 500


def _signal(n: int, n_leads: int = 12) -> np.ndarray:
    t = np.arange(n) / FS
    return np.stack([0.5 * np.sin(2 * np.pi * (1 + k / 10) * t) for k in range(n_leads)], axis=1)


def write(name: str, signal: np.ndarray, leads: list[str], folder: Path = HERE) -> None:
    wfdb.wrsamp(name, fs=FS, units=["mV"] * len(leads), sig_name=leads, p_signal=signal, fmt=["16"] * len(leads),
                adc_gain=[1000.0] * len(leads), baseline=[0] * len(leads), write_dir=str(folder))


def write_long_record(folder: Path, hours: float = 2.0) -> None:
    """A valid-looking 12-lead record of `hours` (a Holter-length file a 12-lead build must refuse)."""
    n = int(hours * 3600 * FS)
    digital = np.zeros((n, 12), np.int16)
    digital[::FS] = 500
    wfdb.wrsamp("two_hours", fs=FS, units=["mV"] * 12, sig_name=LEADS, d_signal=digital, fmt=["16"] * 12,
                adc_gain=[1000.0] * 12, baseline=[0] * 12, write_dir=str(folder))


def main() -> None:
    HERE.mkdir(exist_ok=True)
    write("truncated_dat", _signal(5000), LEADS)
    dat = HERE / "truncated_dat.dat"
    dat.write_bytes(dat.read_bytes()[: 12 * 2 * 1733 + 5])        # cut mid-frame

    write("wrong_sample_count", _signal(5000), LEADS)
    hea = HERE / "wrong_sample_count.hea"
    hea.write_text(hea.read_text().replace(" 5000", " 9000", 1))   # header claims more than the file holds

    nan_lead = _signal(5000)
    nan_lead[:, 7] = np.nan                                         # written as WFDB's missing-sample marker
    write("nan_only_lead", nan_lead, LEADS)

    write("three_leads", _signal(5000, 3), ["I", "II", "V1"])

    (HERE / "zero_length.hea").write_text("zero_length 12 500 0\n" + "".join(
        f"zero_length.dat 16 1000/mV 16 0 0 0 0 {lead}\n" for lead in LEADS))
    (HERE / "zero_length.dat").write_bytes(b"")

    write("non_numeric_header", _signal(5000), LEADS)
    hea = HERE / "non_numeric_header.hea"
    hea.write_text(hea.read_text().replace(" 500 5000", " fivehundred 5000", 1))

    write("missing_signal", _signal(5000), LEADS)
    (HERE / "missing_signal.dat").unlink()

    (HERE / "binary_junk.hea").write_bytes(bytes(range(256)) * 4)


if __name__ == "__main__":
    main()
