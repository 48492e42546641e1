"""The figures `make bench` measured, kept for `make cost` (infra/kabar_local/cost.py).

`make bench` writes `.kabar/bench/results.json`; `make cost` reads it, or the figures checked in beside
this file (`bench_defaults.json`, from a run on the development machine) when no bench has run here.
Each figure is stored with the date it was measured.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / ".kabar" / "bench" / "results.json"
DEFAULTS = Path(__file__).resolve().parent / "bench_defaults.json"


def record(name: str, value: float | dict[str, float], path: Path = RESULTS) -> None:
    """Keep one measured figure (merged into what earlier sections of the same run wrote)."""
    data = _read(path) or {"figures": {}}
    data["figures"][name] = value
    data["measured_at"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%MZ")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def load(path: Path | None = None) -> tuple[dict[str, Any], str]:
    """The figures and where they came from: this machine's last `make bench`, else the checked-in defaults.

    A figure missing from the results (a bench section that did not run) is taken from the defaults."""
    defaults = _read(DEFAULTS) or {"figures": {}}
    measured = _read(path or RESULTS)
    if not measured:
        return dict(defaults["figures"]), f"{DEFAULTS.relative_to(ROOT)} (measured {defaults.get('measured_at')})"
    figures = {**defaults["figures"], **measured["figures"]}
    source = f"{(path or RESULTS).relative_to(ROOT) if (path or RESULTS).is_relative_to(ROOT) else path}"
    return figures, f"{source} (measured {measured.get('measured_at')})"


def _read(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
