"""Parsers for CLI option values shared by several commands (colours, lead lists, layouts)."""

from __future__ import annotations

import json
from pathlib import Path

import click

NAMED_COLOURS = {"black": (0, 0, 0), "blue": (20, 40, 160), "darkblue": (0, 0, 110), "grey": (70, 70, 70),
                 "red": (170, 0, 0), "green": (0, 100, 0)}


def parse_colour(value: str) -> tuple[int, int, int]:
    """`black`, `#1a2b3c` or `R,G,B` -> an RGB tuple."""
    text = value.strip().lower()
    if text in NAMED_COLOURS:
        return NAMED_COLOURS[text]
    try:
        if text.startswith("#") and len(text) == 7:
            return tuple(int(text[i:i + 2], 16) for i in (1, 3, 5))
        rgb = tuple(int(v) for v in text.split(","))
    except ValueError:
        rgb = ()
    if len(rgb) != 3 or not all(0 <= v <= 255 for v in rgb):
        raise click.BadParameter(f"{value!r}: expected a name ({', '.join(NAMED_COLOURS)}), #rrggbb or R,G,B")
    return rgb


def parse_leads(value: str | None) -> tuple[str, ...] | None:
    """Comma-separated lead list; `none` or an empty string means no leads; None keeps the default."""
    if value is None:
        return None
    if value.strip().lower() in ("", "none"):
        return ()
    return tuple(v.strip() for v in value.split(",") if v.strip())


def parse_layout(value: str) -> str | dict:
    """A layout name, an inline JSON description, or the path of a JSON file holding one."""
    text = value.strip()
    if text.startswith("{"):
        source = "--layout"
    elif text.endswith(".json"):
        source, text = text, _read_text(Path(text))
    else:
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"{source}: invalid JSON ({exc.msg} at line {exc.lineno})") from None


def _read_text(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as exc:
        raise click.BadParameter(f"{path}: {exc.strerror}") from None
