"""`make bench`, personal-data screening: precision and recall per kind on a labelled corpus.

The corpus (``pii_corpus.json``, made by ``pii_corpus_gen.py`` from hand-written narratives and
hand-written sentences filled by a seeded generator) holds Indonesian village news with and without
personal data, each with the findings it should give. A finding counts as right when its kind and its
exact text match a labelled one. Identity and contact numbers must reach recall >= 0.95 and precision
>= 0.9; the specific kinds (aid recipients, health, addresses) are found by context and reported
apart. The hand-written narratives are also reported alone: the generated ones share their sentence
shapes with what the screening was tuned on.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

CORPUS = Path(__file__).with_name("pii_corpus.json")


def measure(corpus: Path = CORPUS, source: str | None = None) -> dict[str, Counter]:
    """True positives, false positives and false negatives, per kind and per group."""
    from kabar.domain.pii import NUMBER_KINDS, screen

    data = json.loads(corpus.read_text(encoding="utf-8"))
    office = tuple(data["office_numbers"])
    counts: dict[str, Counter] = {}
    for item in data["items"]:
        if source and item.get("source") != source:
            continue
        expected = Counter((f["kind"], f["text"]) for f in item["findings"])
        got = Counter((f.kind, item["text"][f.start:f.end]) for f in screen(item["text"], "narrative", office))
        for (kind, _), n in (got & expected).items():
            counts.setdefault(kind, Counter())["tp"] += n
        for (kind, _), n in (got - expected).items():
            counts.setdefault(kind, Counter())["fp"] += n
        for (kind, _), n in (expected - got).items():
            counts.setdefault(kind, Counter())["fn"] += n
    counts["numbers (total)"] = sum((c for k, c in counts.items() if k in NUMBER_KINDS), Counter())
    counts["specific (total)"] = sum((c for k, c in counts.items() if k not in NUMBER_KINDS and "total" not in k),
                                     Counter())
    return counts


def _ratio(a: int, b: int) -> str:
    return f"{a / b:5.2f}" if b else "  n/a"


def _table(counts: dict[str, Counter]) -> None:
    from kabar.domain.pii import NUMBER_KINDS, SPECIFIC_KINDS

    print(f"  {'kind':<17} {'tp':>4} {'fp':>4} {'fn':>4}  precision  recall")
    for kind in (*NUMBER_KINDS, "numbers (total)", *SPECIFIC_KINDS, "specific (total)"):
        c = counts.get(kind, Counter())
        print(f"  {kind:<17} {c['tp']:>4} {c['fp']:>4} {c['fn']:>4}  {_ratio(c['tp'], c['tp'] + c['fp']):>9}  "
              f"{_ratio(c['tp'], c['tp'] + c['fn']):>6}")


def print_pii_screening() -> None:
    items = json.loads(CORPUS.read_text(encoding="utf-8"))["items"]
    hand = sum(1 for i in items if i.get("source") == "handwritten")
    with_data = sum(1 for i in items if i["findings"])
    print(f"\nPersonal-data screening: precision and recall on {len(items)} labelled narratives "
          f"({with_data} with personal data; {CORPUS.name})\n")
    _table(measure())
    print(f"\n  of which the {hand} hand-written narratives alone:\n")
    _table(measure(source="handwritten"))
    _print_speed(items)


def _print_speed(items: list[dict]) -> None:
    """Screening a long article, and worst cases (no full stop, thousands of names or digit groups), as a
    ratio to one pass of a trivial regex over the same text (measured here, in this run)."""
    import re
    import time

    from kabar.domain.pii import screen

    cases = {"20,000-char article": " ".join(i["text"] for i in items)[:20000],
             "3,000 honorifics, no full stop": "Bapak " * 3000, "5,000 digit groups": "1 " * 5000}
    print("\n  screening time against one regex pass over the same text (ratio, same run):")
    for name, text in cases.items():
        start = time.perf_counter()
        for _ in range(20):
            re.findall(r"\w+", text)
        base = (time.perf_counter() - start) / 20
        start = time.perf_counter()
        screen(text, "article")
        took = time.perf_counter() - start
        print(f"  {name:<32} {took * 1000:8.1f} ms  x{took / base:6.0f}")
