"""`make bench`, personal-data screening: precision and recall on a labelled corpus of narratives.

The corpus (``pii_corpus.json``) holds realistic Indonesian activity narratives with money amounts,
regulation numbers, dates and the office's public numbers, each with the findings it should give.
A finding counts as right when its kind and its exact text match a labelled one.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

CORPUS = Path(__file__).with_name("pii_corpus.json")


def measure(corpus: Path = CORPUS) -> dict[str, Counter]:
    """True positives, false positives and false negatives, per kind and in total."""
    from kabar.domain.pii import screen

    data = json.loads(corpus.read_text(encoding="utf-8"))
    office = tuple(data["office_numbers"])
    counts: dict[str, Counter] = {}
    for item in data["items"]:
        expected = Counter((f["kind"], f["text"]) for f in item["findings"])
        got = Counter((f.kind, item["text"][f.start:f.end]) for f in screen(item["text"], "narrative", office))
        for (kind, _), n in (got & expected).items():
            counts.setdefault(kind, Counter())["tp"] += n
        for (kind, _), n in (got - expected).items():
            counts.setdefault(kind, Counter())["fp"] += n
        for (kind, _), n in (expected - got).items():
            counts.setdefault(kind, Counter())["fn"] += n
    counts["total"] = sum(counts.values(), Counter())
    return counts


def _ratio(a: int, b: int) -> str:
    return f"{a / b:5.2f}" if b else "  n/a"


def print_pii_screening() -> None:
    counts = measure()
    items = len(json.loads(CORPUS.read_text(encoding="utf-8"))["items"])
    print(f"\nPersonal-data screening: precision and recall on {items} labelled narratives ({CORPUS.name})\n")
    print(f"  {'kind':<13} {'tp':>3} {'fp':>3} {'fn':>3}  precision  recall")
    for kind in sorted(counts, key=lambda k: (k == "total", k)):
        c = counts[kind]
        print(f"  {kind:<13} {c['tp']:>3} {c['fp']:>3} {c['fn']:>3}  {_ratio(c['tp'], c['tp'] + c['fp']):>9}  "
              f"{_ratio(c['tp'], c['tp'] + c['fn']):>6}")
