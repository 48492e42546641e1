"""The SOP's time limits that people read come from the rules in ``domain/sop.py``, never from literals."""

import ast
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from kabar.domain import sop
from kabar.domain.clock import WIB
from kabar.web import render

ROOT = Path(__file__).resolve().parents[2]
TEXTS = sorted((ROOT / "shared" / "kabar" / "templates").rglob("*.*")) + sorted(
    (ROOT / "shared" / "kabar" / "usecases").glob("*.py"))
# a limit of the SOP written as words: "2 jam", "1 hari", "H+1", "within 1 hour", "2 hours"...
LITERAL = re.compile(r"\b\d+ (jam|hari|hours?|days?)\b|\bH\+\d\b|within a day")


def test_the_limits_in_words_follow_the_rules():
    start = datetime(2026, 12, 3, 9, 0, tzinfo=WIB)
    assert sop.batas_draf(start) - start == sop.WAKTU_PROSES_DRAF
    assert (sop.BATAS_WAKTU["draf"].id, sop.BATAS_WAKTU["draf"].en) == ("2 jam", "2 hours")
    assert (sop.BATAS_WAKTU["keputusan"].id, sop.BATAS_WAKTU["keputusan"].en) == ("1 jam", "1 hour")
    assert (sop.BATAS_WAKTU["jawaban"].id, sop.BATAS_WAKTU["jawaban"].en) == ("1 hari", "1 day")
    assert sop.batas_unggah(date(2026, 12, 3)).date() == date(2026, 12, 3) + timedelta(days=sop.HARI_UNGGAH)
    assert sop.BATAS_WAKTU["unggah"].id == f"H+{sop.HARI_UNGGAH}"


@pytest.mark.parametrize(("span", "words"), [
    (timedelta(hours=2), ("2 jam", "2 hours")), (timedelta(hours=1), ("1 jam", "1 hour")),
    (timedelta(days=1), ("1 hari", "1 day")), (timedelta(days=3), ("3 hari", "3 days")),
    (timedelta(minutes=90), ("90 menit", "90 minutes")), (timedelta(seconds=5), ("5 detik", "5 seconds"))])
def test_a_limit_is_said_in_a_village_office_s_words(span, words):
    said = sop.lama(span)
    assert (said.id, said.en) == words


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: str(p.relative_to(ROOT / "shared" / "kabar")))
def test_no_text_writes_an_sop_limit_as_a_literal(path):
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py":  # only what people read: the strings, not the comments and docstrings
        text = "\n".join(strings_people_read(text))
    found = [m.group(0) for m in LITERAL.finditer(text)]
    assert found == []


def strings_people_read(source: str) -> list[str]:
    tree = ast.parse(source)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef) and node.body
                  and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings]


def test_the_literal_finder_finds_a_limit_in_a_string_and_not_in_a_docstring():
    source = '''"""Answered within 1 day."""\n\ndef f():\n    return t("Batas 2 jam", "x")\n'''
    assert [m.group(0) for m in LITERAL.finditer("\n".join(strings_people_read(source)))] == ["2 jam"]


def test_an_email_says_the_limit_the_rules_keep(monkeypatch):
    monkeypatch.setitem(sop.BATAS_WAKTU, "keputusan", sop.lama(timedelta(minutes=45)))
    text = render("email/review.txt", **REVIEW_MAIL)
    assert "SOP: 45 menit / 45 minutes" in text


REVIEW_MAIL = {
    "drafts": [{"procedure_label": "Media sosial", "version": 1, "changes": [], "procedure": "social",
                "caption": "Kerja bakti", "poster_url": None, "findings": []}],
    "submission": {"activity": {"title": "Kerja bakti", "location": "Balai"}, "submitter_name": "Sri"},
    "activity_date": "3 Desember 2026", "due": "3 Desember 2026, 10.00 WIB", "findings": [], "pii_fields": {},
    "link": "https://kabar.example/review/x", "reviewer": {"name": "Bu PPID"},
}

