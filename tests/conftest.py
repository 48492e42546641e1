"""Every page and email a test renders is read as a person would read it: one date style
("2 Desember 2026, 09.44 WIB") and no raw codes (``social``, ``static_site``, ``published``, ISO times).

What is read: each page and email body as it is rendered, each email's subject as it is sent, and the
text of each PDF Kabar makes (the monthly and regency reports), read back with Debian's pdftotext as a
reader's tools would. A page that shows one fails the test that rendered it, naming the template (or
"subject: ...", "PDF: ...") and what was seen. ``KABAR_WORDING_LOG=<file>`` writes what was seen to the
file instead (a survey of the whole suite).
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess

import pytest

from kabar import web
from kabar.domain.wording import raw_codes

#: what was seen during the current test: a render in a local stack's thread raises where no test sees
#: it (a handler's retry), so the test is failed at its end as well
_seen_wrong: list[str] = []


def _check(name: str, output: str) -> None:
    if name.startswith("subject: "):
        output = html.escape(output, quote=False)  # plain text, not markup: "<" in it is read as written
    found = raw_codes(output)
    if not found:
        return
    log = os.environ.get("KABAR_WORDING_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            test = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0]
            f.write(f"{name}\t{sorted(set(found))}\t{test}\n")
        return
    said = f"{name} shows raw codes or ISO times to its reader: {sorted(set(found))}"
    _seen_wrong.append(said)
    raise AssertionError(said)


def pdf_text(data: bytes) -> str:
    """A PDF's text as Debian's pdftotext reads it (``make poppler`` installs it)."""
    if not shutil.which("pdftotext"):
        raise AssertionError("pdftotext is missing: `make poppler` installs Debian's poppler-utils")
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, check=True, capture_output=True,
                          timeout=60).stdout.decode("utf-8")


def _check_pdf(data: bytes) -> None:
    text = pdf_text(data)
    title = text.strip().split("\n", 1)[0].strip()[:80]
    # plain text, not markup: escaped so that "<" in it is read as written
    _check(f"PDF: {title}", html.escape(text, quote=False))


@pytest.fixture(autouse=True)
def _words_people_read():
    _seen_wrong.clear()
    web.observers.append(_check)
    yield
    web.observers.remove(_check)
    wrong, _seen_wrong[:] = list(dict.fromkeys(_seen_wrong)), []
    assert not wrong, "\n".join(wrong)


@pytest.fixture
def wording_failures():
    """What the checks found during a test that means to show them one (the checks' own tests): those are
    not held against the test at its end."""
    yield _seen_wrong
    _seen_wrong.clear()


@pytest.fixture(scope="session", autouse=True)
def _pdfs_people_read():
    """Every PDF made (fpdf2's ``output``, whichever renderer called it) is read back and checked."""
    from fpdf import FPDF

    made = FPDF.output

    def output(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        data = made(self, *args, **kwargs)
        if isinstance(data, bytes | bytearray) and web.observers:  # into memory (no file name given)
            _check_pdf(bytes(data))
        return data

    FPDF.output = output
    yield
    FPDF.output = made
