"""The report's opening in plain words, the late items named with their SOP step, names instead of
ids, a reply rate that counts open questions, and the documents' print setup, read back."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from kabar.domain.clock import WIB
from kabar.domain.inbox import Inquiry, InquiryKind
from kabar.domain.models import DraftStatus, PublicationStatus, Village
from kabar.domain.report import (
    aggregate,
    duration_id,
    issued_on,
    narrative,
    render_report_html,
    report_moment,
)
from kabar.domain.report_pdf import count_axis, render_report_pdf
from kabar.domain.report_xlsx import render_report_xlsx
from kabar.usecases.register import COLUMNS, register_csv
from tests.unit.test_report import SOCIAL, VILLAGE, WEBSITE, draft, pub, sub, wib


def one_item(sid: str, day: int, title: str = "Kerja Bakti", late_hand_over: bool = False, month: int = 11):
    """One website item handed over (on day H or the day after), drafted, approved and online on H+1."""
    activity = date(2026, month, day)
    handed = wib(2026, month, day + (1 if late_hand_over else 0), 9)
    return ([sub(sid, handed, activity, handed + timedelta(minutes=5), [WEBSITE], title=title)],
            [draft(sid, WEBSITE, 1, handed + timedelta(minutes=30), DraftStatus.PUBLISHED,
                   handed + timedelta(minutes=50), title=title, slug=f"{sid}-slug")],
            [pub(sid, WEBSITE, "static_site", handed + timedelta(hours=3), url=f"https://kabar.example/b/{sid}/")])


def records(*items):
    out = ([], [], [])
    for s, d, p in items:
        out[0].extend(s), out[1].extend(d), out[2].extend(p)
    return out


def test_a_month_with_no_activity_says_so_in_one_sentence():
    f = aggregate(VILLAGE, "2026-02", [], [], [], [])
    lines = narrative(f)
    assert lines[0].id == ("Bulan ini tidak ada dokumentasi kegiatan yang diserahkan dan tidak ada konten "
                           "yang terbit.")
    assert lines[-1].id == "Belum ada data bulan sebelumnya untuk dibandingkan."
    html = render_report_html(VILLAGE, f)
    assert lines[0].id in html and "Tidak ada langkah yang terlambat" in html


def test_one_late_hand_over_is_named_with_its_sop_step_and_times():
    s, d, p = records(one_item("a1", 10), one_item("b2", 20, title="Posyandu Balita", late_hand_over=True))
    f = aggregate(VILLAGE, "2026-11", s, d, p, [], as_of=report_moment("2026-11"))
    lines = [line.id for line in narrative(f)]
    assert lines[0] == ("Bulan ini 2 konten terbit, semuanya tepat waktu (paling lambat H+1); "
                        "2 dokumentasi kegiatan diserahkan.")
    assert lines[1] == ("1 dokumentasi diserahkan terlambat: Posyandu Balita (kegiatan 20 November 2026, "
                        "diserahkan 21 November 2026, 09.00 WIB).")
    (late,) = f.late_items
    assert (late.step, late.sop_step, late.title) == ("penyerahan", "B1", "Posyandu Balita")
    html = render_report_html(VILLAGE, f)
    assert "Posyandu Balita: penyerahan dokumentasi terlambat — langkah B1, batas 20 November 2026, 23.59 WIB" in html


def test_a_busier_month_than_the_last_says_how_much_and_shows_the_change():
    october = aggregate(VILLAGE, "2026-10", *records(one_item("o1", 5, month=10)), [])
    s, d, p = records(one_item("n1", 3), one_item("n2", 9), one_item("n3", 17))
    f = aggregate(VILLAGE, "2026-11", s, d, p, [])
    f.previous = october.summary
    last = narrative(f)[-1]
    assert last.id == ("Dibanding Oktober 2026: konten terbit naik dari 1 menjadi 3; dokumentasi diserahkan naik "
                       "dari 1 menjadi 3.")
    assert last.en.startswith("Against Oktober 2026: items published up from 1 to 3")
    html = render_report_html(VILLAGE, f)
    assert "▲ +2 dari 1 bulan lalu" in html
    wb = load_workbook(io.BytesIO(render_report_xlsx(VILLAGE, f)))
    published = next(r for r in wb["Ringkasan"].iter_rows(min_row=6, values_only=True)
                     if r[0].startswith("Konten terbit"))
    assert published == ("Konten terbit (items published)", 3, 1, 2)


def test_open_questions_are_not_answered_and_minutes_are_not_zero_hours():
    def inquiry(n: int, answered_after: timedelta | None) -> Inquiry:
        at = wib(2026, 11, 10 + n, 9)
        return Inquiry(tenant_id=VILLAGE.id, inquiry_id=f"i{n}", kind=InquiryKind.COMMENT, page_id="1",
                       thread_id="t", author_id="a", received_at=at,
                       answered_at=at + answered_after if answered_after else None)
    # one answered in 3 minutes, two still open (one past its day at the month's end)
    items = [inquiry(0, timedelta(minutes=3)), inquiry(1, None), inquiry(20, None)]
    f = aggregate(VILLAGE, "2026-11", [], [], [], [], inquiries=items, as_of=datetime(2026, 11, 30, 20, tzinfo=WIB))
    assert (f.answers.received, f.answers.met, f.answers.rate) == (3, 1, 33)  # not 100%
    html = render_report_html(VILLAGE, f)
    assert "33%" in html and "3 menit" in html and "0,0 jam" not in html
    assert "3 komentar/pesan diterima, 1 dijawab dalam 1 hari, 2 belum dijawab." in html
    assert duration_id(None) is None and duration_id(0.001).id == "kurang dari 1 menit"
    assert duration_id(26.5).id == "26,5 jam" and duration_id(72).id == "3 hari"


def test_names_not_ids_channels_in_words_and_identical_titles_told_apart():
    village = Village.model_validate({**VILLAGE.model_dump(), "channels": {
        "social": [{"type": "facebook", "page_id": "1234567890", "name": "Pemerintah Kalurahan Purwobinangun"}],
        "website": [{"type": "static_site"}]}})
    s, d, p = records(one_item("x1", 3, title="Rapat RT"), one_item("x2", 9, title="Rapat RT"))
    from kabar.domain.metrics import AccountSnapshot
    accounts = [AccountSnapshot(tenant_id=VILLAGE.id, channel="facebook", account_id="1234567890",
                                day=date(2026, 11, n), values={"followers": 100 + n}, collected_at=wib(2026, 12, 1))
                for n in (1, 30)]
    f = aggregate(village, "2026-11", s, d, p, [], accounts=accounts)
    assert [r.title for r in f.kpi] == ["Rapat RT (3 November 2026)", "Rapat RT (9 November 2026)"]
    html = render_report_html(village, f)
    assert "1234567890" not in html and "Pemerintah Kalurahan Purwobinangun" in html
    assert "Situs web kalurahan" in html and "static_site" not in html and ">facebook<" not in html
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(render_report_pdf(village, f))).pages)
    assert "1234567890" not in text and "static_site" not in text and "Situs web kalurahan" in text


def test_the_sign_off_block_and_the_issued_date():
    f = aggregate(VILLAGE, "2026-11", [], [], [], [])
    f.issued_at = datetime(2026, 12, 1, 7, 3, tzinfo=WIB)
    assert issued_on(f) == f.issued_at
    html = render_report_html(VILLAGE, f)
    assert "Mengetahui," in html and "Lurah Purwobinangun" in html and "480/XI/LAP-KONTEN/2026" in html
    assert "Purwobinangun, 1 Desember 2026" in html
    reader = PdfReader(io.BytesIO(render_report_pdf(VILLAGE, f)))
    assert reader.metadata["/CreationDate"].startswith("D:20261201070300+07")
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Mengetahui," in text and "Nama jelas, tanda tangan dan cap" in text


@pytest.mark.parametrize(("peak", "axis"), [(0, (1, 1)), (1, (1, 1)), (3, (3, 1)), (5, (5, 1)), (6, (6, 2)),
                                            (9, (10, 2)), (23, (25, 5)), (180, (200, 50))])
def test_count_axes_step_in_whole_numbers_from_zero_and_never_end_at_zero(peak, axis):
    assert count_axis(peak) == axis


def test_the_workbook_prints_landscape_fit_to_width_with_repeated_headings_and_integer_axes():
    s, d, p = records(one_item("a1", 10))
    from kabar.domain.report import ClickCount
    clicks = [ClickCount(item="a1-slug", channel="direct", day=date(2026, 11, 11), count=1)]
    wb = load_workbook(io.BytesIO(render_report_xlsx(VILLAGE, aggregate(VILLAGE, "2026-11", s, d, p, clicks))))
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9  # A4
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert ws.print_title_rows == "$4:$5"
    (chart,) = wb["Klik per hari"]._charts
    assert (chart.y_axis.scaling.min, chart.y_axis.scaling.max, chart.y_axis.majorUnit) == (0, 1, 1)
    assert chart.y_axis.number_format.formatCode == "0"


def test_cells_that_would_run_as_formulas_are_written_as_text():
    s, d, p = records(one_item("f1", 10, title='=HYPERLINK("http://x","klik")'))
    f = aggregate(VILLAGE, "2026-11", s, d, p, [])
    wb = load_workbook(io.BytesIO(render_report_xlsx(VILLAGE, f)))
    cell = wb["KPI konten"]["B6"]
    assert cell.value == '=HYPERLINK("http://x","klik")' and cell.data_type == "s"
    row = {**dict.fromkeys(COLUMNS, ""), "title": "=1+1", "submitter": "@SUM(A1)", "location": "-2+3",
           "urls": "+62 812"}
    out = list(csv.reader(io.StringIO(register_csv([row]))))
    body = dict(zip(out[0], out[1], strict=True))
    assert (body["title"], body["submitter"], body["location"], body["urls"]) == ("'=1+1", "'@SUM(A1)", "'-2+3",
                                                                                   "'+62 812")


def test_records_of_another_status_are_not_published_items():
    s, d, p = records(one_item("a1", 10))
    p = [x.model_copy(update={"status": PublicationStatus.FAILED}) for x in p]
    f = aggregate(VILLAGE, "2026-11", s, d, p, [])
    assert (f.published, f.publications_total) == (0, 0)
    assert narrative(f)[0].id.startswith("Bulan ini belum ada konten yang terbit")
    assert SOCIAL  # (the fixture module's names are shared)
