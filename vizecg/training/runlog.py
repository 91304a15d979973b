"""Per-epoch metrics of a training run as metrics.jsonl and metrics.csv, rewritten atomically after every epoch."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

from ecgprint.atomic import write_atomic

JSONL, CSV = "metrics.jsonl", "metrics.csv"


class RunLog:
    """Rows of one run; on resume, rows of epochs after the checkpoint being resumed are dropped."""

    def __init__(self, folder: Path, through_epoch: int = 0):
        self.folder = folder
        path = folder / JSONL
        rows = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
        self.rows: list[dict[str, Any]] = [r for r in rows if r["epoch"] <= through_epoch]

    def append(self, row: dict[str, Any]) -> None:
        """Add an epoch's row (NaN metrics, e.g. for labels without positives, are stored as null)."""
        self.rows.append({k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()})
        write_atomic(self.folder / JSONL, "".join(json.dumps(r) + "\n" for r in self.rows))
        columns = list(dict.fromkeys(key for r in self.rows for key in r))
        text = io.StringIO()
        writer = csv.DictWriter(text, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        write_atomic(self.folder / CSV, text.getvalue())
