"""What changed between two draft versions, for the reviewer: word-level, every piece escaped."""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass

from markupsafe import Markup

_TAGS = re.compile(r"<[^>]+>")
_WORDS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class FieldDiff:
    field: str
    label: str
    html: Markup  # the new text with insertions in <ins> and deletions in <del>, escaped
    text: str  # the same for the plain-text part: [+added+] [-removed-]


def plain(article_html: str) -> str:
    """An article body's text, one paragraph a line (the body is our own escaped HTML)."""
    text = re.sub(r"</p\s*>", "\n", article_html, flags=re.I)
    return html.unescape(_TAGS.sub("", text)).strip()


def diff_text(old: str, new: str) -> tuple[Markup, str] | None:
    """Word-level differences of ``new`` against ``old``; None when they are the same."""
    if old == new:
        return None
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    out_html: list[str] = []
    out_text: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        removed, added = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            out_html.append(html.escape(added))
            out_text.append(added)
            continue
        if removed.strip():
            out_html.append(f'<del style="background:#fde2e1;color:#8a1c1c">{html.escape(removed)}</del>')
            out_text.append(f"[-{removed}-]")
        if added.strip():
            out_html.append(f'<ins style="background:#d9f5e5;color:#0b5d3b;text-decoration:none">'
                            f"{html.escape(added)}</ins>")
            out_text.append(f"[+{added}+]")
        elif added:
            out_html.append(html.escape(added))
            out_text.append(added)
    return Markup("".join(out_html)), "".join(out_text)  # noqa: S704 - every piece above is escaped


#: the fields an admin can revise, with their labels (Indonesian / English)
FIELDS = {
    "title": "Judul (title)",
    "lead": "Teras berita (lead)",
    "caption": "Keterangan (caption)",
    "article": "Isi berita (article body)",
}


def draft_changes(old: dict[str, str], new: dict[str, str]) -> list[FieldDiff]:
    """One entry per changed field; ``old``/``new`` map field names of FIELDS to their plain text."""
    out = []
    for name, label in FIELDS.items():
        got = diff_text(old.get(name, ""), new.get(name, ""))
        if got:
            out.append(FieldDiff(name, label, got[0], got[1]))
    return out
