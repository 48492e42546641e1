"""The check every test runs (tests/conftest.py) reads what people read: pages and email bodies as they are
rendered, each email's subject as it is sent, and each PDF's text as pdftotext reads it back."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from fpdf import FPDF

from kabar.domain.outbox import Change
from kabar.mail_composer import TemplateMailComposer
from kabar.usecases.notices import deliver, promised
from tests.fakes import MemoryOutbox


class Mailer:
    def __init__(self) -> None:
        self.sent: list = []

    def send(self, mail) -> str:  # noqa: ANN001
        self.sent.append(mail)
        return f"m{len(self.sent)}"


def one_mail(subject: str) -> tuple[SimpleNamespace, str]:
    store = MemoryOutbox()
    (notice,) = promised("purwobinangun", "draft_ready", f"x:{subject}", ["admin@purwobinangun.desa.id"], subject,
                         "email/channel_notice", {"channel": "facebook", "url": "https://facebook.com/1",
                                                  "submission": {"activity": {"title": "Kerja bakti"}},
                                                  "notice": "Foto kedua belum tampil.",
                                                  "village": {"name": "Purwobinangun", "id": "purwobinangun"}})
    store.commit(Change(notices=[notice]))
    return SimpleNamespace(store=store, mailer=Mailer(), mail_composer=TemplateMailComposer()), notice.notice_id


@pytest.mark.parametrize("subject", [
    "[Kabar Purwobinangun] Draf siap diperiksa (website, versi 1)",
    "[Kabar Purwobinangun] Terlambat sejak 2026-12-04T05:25:29+07:00",
    "[Kabar Purwobinangun] Keputusan: static_site"])
def test_an_email_whose_subject_shows_a_code_is_not_sent_and_fails_the_test(subject, wording_failures):
    svc, notice_id = one_mail(subject)
    with pytest.raises(AssertionError, match=r"subject: draft_ready shows raw codes"):
        deliver("purwobinangun", notice_id, svc)
    assert svc.mailer.sent == [] and len(wording_failures) == 1


def test_a_subject_in_words_is_sent():
    svc, notice_id = one_mail("[Kabar Purwobinangun] Draf siap diperiksa: Kerja bakti <RT 03> (Website, versi 1)")
    assert deliver("purwobinangun", notice_id, svc).outcome == "sent" and len(svc.mailer.sent) == 1


def pdf_saying(*lines: str) -> FPDF:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    for line in lines:
        pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT")
    return pdf


@pytest.mark.parametrize(("line", "code"), [("Dibuat 2026-12-04T05:25:29+07:00", "2026-12-04T05:25:29+07:00"),
                                             ("Gagal (social, versi 1)", "social"), ("published", "published"),
                                             ("Status: in_review", "in_review")])
def test_a_pdf_whose_text_shows_a_code_fails_the_test_that_made_it(line, code, wording_failures):
    with pytest.raises(AssertionError, match=rf"PDF: Laporan Bulanan .*{re.escape(code)}"):
        pdf_saying("Laporan Bulanan Desember 2026", line).output()
    assert len(wording_failures) == 1


def test_a_pdf_in_words_passes():
    data = pdf_saying("Laporan Bulanan Desember 2026", "Dibuat 4 Desember 2026, 05.25 WIB",
                      "Media sosial (Social media): 3 konten", "Nama <email>").output()
    assert bytes(data).startswith(b"%PDF")
