"""The monthly report as PDF (printable record) and XLSX (tables with native charts), read back."""

from __future__ import annotations

import io
import time
import zipfile
from datetime import UTC, date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from kabar.domain.report import aggregate, issued_on, report_moment
from kabar.domain.report_pdf import printable, render_report_pdf
from kabar.domain.report_xlsx import render_report_xlsx
from tests.unit.test_report import OCT_SLUG, S1_SLUG, VILLAGE, november  # noqa: F401 - fixture


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_pdf_opens_and_holds_every_table(november):  # noqa: F811
    # Given November's figures
    figures = aggregate(VILLAGE, "2026-11", *november)
    # When the PDF is made
    data = render_report_pdf(VILLAGE, figures)
    # Then it opens, is dated when its figures were issued (never issued: the month's end, not the
    # build), and holds the tables in Indonesian and English
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata["/CreationDate"].startswith("D:20261201000000")
    text = pdf_text(data)
    for heading in ("Ringkasan", "Summary", "Daftar KPI konten", "KPI list of all content",
                    "Kepatuhan waktu SOP", "Klik website per berita", "Klik website per hari"):
        assert heading in text
    assert "Posyandu Oktober" in text and "Musyawarah Dusun Ngepring" in text  # KPI rows
    assert "Draf selesai ≤ 2 jam" in text and "<=" not in text  # the embedded font prints "≤"
    assert "Klik website (website clicks) 10" in text  # the summary's figure, no column for the English
    assert "Mengetahui," in text and "Lurah Purwobinangun" in text and "480/XI/LAP-KONTEN/2026" in text


def test_the_workbook_opens_with_its_tables_and_a_native_chart(november):  # noqa: F811
    figures = aggregate(VILLAGE, "2026-11", *november)
    wb = load_workbook(io.BytesIO(render_report_xlsx(VILLAGE, figures)))
    assert wb.sheetnames == ["Ringkasan", "Konten terbaik", "Terlambat", "Kinerja akun", "Akun per hari", "Keputusan",
                             "Kanal", "Kepatuhan SOP", "Jawaban", "KPI konten", "Klik per berita", "Klik per hari"]
    kpi = wb["KPI konten"]
    assert [c.value for c in kpi[4]] == ["No.", "Judul", "Prosedur", "Kanal", "Tanggal terbit", "Reaksi", "Komentar",
                                         "Dibagikan", "Tayangan", "Klik", "Tautan"]
    assert [c.value for c in kpi[5]][:2] == ["No.", "Title"]
    rows = [[c.value for c in row] for row in kpi.iter_rows(min_row=6, max_row=8)]
    assert [r[1] for r in rows] == ["Posyandu Oktober", "Musyawarah Dusun", "Musyawarah Dusun Ngepring"]
    assert [r[3] for r in rows] == ["Situs web kalurahan", "Facebook", "Situs web kalurahan"]  # names, not codes
    assert [r[9] for r in rows] == [2, 3, 8]  # numbers stay numbers; the website counts every reader
    assert rows[1][5:9] == ["–"] * 4  # no engagement collected: not measured, not zero
    per_item = wb["Klik per berita"]
    assert [(r[0].value, r[1].value) for r in per_item.iter_rows(min_row=6, max_row=8)] == [
        ("Musyawarah Dusun Ngepring", 8), ("Posyandu Oktober", 2), ("Jumlah (Total)", 10)]
    days = wb["Klik per hari"]
    assert days.max_row == 5 + 30  # every day of November, zeros included
    assert sum(r[1].value for r in days.iter_rows(min_row=6)) == 10
    assert len(days._charts) == 1  # Excel's own chart, over the sheet's cells
    # core.xml holds UTC: 1 December 00:00 WIB is 30 November 17:00 UTC
    assert wb.properties.created == report_moment("2026-11").astimezone(UTC).replace(tzinfo=None)
    assert wb.properties.created == issued_on(figures).astimezone(UTC).replace(tzinfo=None)


def test_a_rebuilt_month_gives_byte_identical_pdf_and_xlsx(november, monkeypatch):  # noqa: F811
    # Given the documents made once
    figures = aggregate(VILLAGE, "2026-11", *november)
    first = render_report_pdf(VILLAGE, figures), render_report_xlsx(VILLAGE, figures)
    # When they are made again a day later (the clock every library might read has moved on)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 86400 + 3600)
    again = render_report_pdf(VILLAGE, figures), render_report_xlsx(VILLAGE, figures)
    # Then the bytes are the same
    assert again == first
    with zipfile.ZipFile(io.BytesIO(first[1])) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_a_month_with_no_activity_still_makes_both_documents():
    figures = aggregate(VILLAGE, "2026-02", [], [], [], [])
    text = pdf_text(render_report_pdf(VILLAGE, figures))
    assert "Belum ada konten terbit pada bulan ini" in text and "Februari 2026" in text
    wb = load_workbook(io.BytesIO(render_report_xlsx(VILLAGE, figures)))
    assert wb["KPI konten"]["A6"].value.startswith("Belum ada konten terbit")
    assert wb["Klik per hari"].max_row == 5 + 28 and wb["Ringkasan"]["B6"].value == 0
    assert "Tidak ada pada bulan ini (semua hari 0)" in text  # no chart with a 0-0 axis


@pytest.mark.parametrize(("text", "printed"), [
    ("Kerja bakti – “bersih desa” ≤ 1 jam", "Kerja bakti – “bersih desa” ≤ 1 jam"),
    ("Panen raya 🌾 Dusun Ngepring", "Panen raya ? Dusun Ngepring"),
    ("Café · Année", "Café · Année"),
])
def test_titles_print_as_written_and_only_what_the_font_lacks_becomes_a_question_mark(text, printed):
    assert printable(text) == printed


def test_a_title_with_an_emoji_still_makes_a_pdf(november):  # noqa: F811
    submissions, drafts, publications, clicks = november
    drafts = [d.model_copy(update={"title": "Panen raya 🌾"}) if d.slug == S1_SLUG else d for d in drafts]
    figures = aggregate(VILLAGE, "2026-11", submissions, drafts, publications, clicks)
    assert "Panen raya ?" in pdf_text(render_report_pdf(VILLAGE, figures))


def test_clicks_per_day_cover_the_jakarta_month(november):  # noqa: F811
    figures = aggregate(VILLAGE, "2026-11", *november)
    assert figures.clicks_per_day[0].day == date(2026, 11, 1) and figures.clicks_per_day[-1].day == date(2026, 11, 30)
    assert {d.day: d.count for d in figures.clicks_per_day if d.count} == {
        date(2026, 11, 2): 2, date(2026, 11, 12): 5, date(2026, 11, 13): 3}
    assert OCT_SLUG in {i.item for i in figures.clicks_per_item}
