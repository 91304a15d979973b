"""Standard 12-lead names, their aliases, display orders and the limb-lead identities."""

from __future__ import annotations

import numpy as np

STANDARD_LEADS: tuple[str, ...] = (
    "I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6",
)
LIMB_LEADS = STANDARD_LEADS[:6]
PRECORDIAL_LEADS = STANDARD_LEADS[6:]

# Cabrera order shows the frontal plane as a continuous sweep of axes (-30 deg ... +120 deg); aVR is
# printed inverted as "-aVR". A leading "-" in any layout lead name means "this lead, inverted".
CABRERA_LIMB_ORDER: tuple[str, ...] = ("aVL", "I", "-aVR", "II", "aVF", "III")

_ALIASES = {name.upper(): name for name in STANDARD_LEADS}
_ALIASES.update({"D1": "I", "D2": "II", "D3": "III", "DI": "I", "DII": "II", "DIII": "III",
                 "L1": "I", "L2": "II", "L3": "III", "MLII": "II"})


def normalize_lead_name(name: str) -> str:
    """Return the standard spelling of a lead name (`AVR`, `avr`, `aVR` -> `aVR`); raise KeyError if unknown."""
    key = str(name).strip().upper()
    if key in _ALIASES:
        return _ALIASES[key]
    raise KeyError(f"unknown lead name {name!r}")


def parse_lead_ref(ref: str) -> tuple[str, float]:
    """Split a layout lead reference like `-aVR` into (`aVR`, -1.0)."""
    ref = ref.strip()
    sign = -1.0 if ref.startswith("-") else 1.0
    return normalize_lead_name(ref.lstrip("-+")), sign


def derive_limb_leads(leads: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Fill missing III, aVR, aVL, aVF from I and II (Einthoven and Goldberger); returns a new dict."""
    out = dict(leads)
    if "I" not in out or "II" not in out:
        return out
    lead_i, lead_ii = out["I"], out["II"]
    derived = {
        "III": lead_ii - lead_i,
        "aVR": -(lead_i + lead_ii) / 2.0,
        "aVL": lead_i - lead_ii / 2.0,
        "aVF": lead_ii - lead_i / 2.0,
    }
    for name, values in derived.items():
        out.setdefault(name, values)
    return out
