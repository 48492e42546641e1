"""The monthly report job against moto: three formats in the reports bucket, records by their own date."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime

from openpyxl import load_workbook
from pypdf import PdfReader

from kabar.domain.clock import WIB
from kabar.domain.inbox import Inquiry, InquiryKind
from kabar.domain.metrics import AccountSnapshot
from kabar.domain.models import Activity, Draft, DraftStatus, Procedure, Publication, PublicationStatus, Submission
from kabar.services import services
from kabar_local.outbox import Outbox
from tests.integration.flow import VILLAGE


def _october_item_published_in_november() -> None:
    store = services().store
    created = datetime(2026, 10, 31, 9, tzinfo=WIB)
    store.create_submission(Submission(
        tenant_id=VILLAGE, submission_id="oct0000000000000001", submitter_id="st1", submitter_name="Sari",
        submitter_email="sari@example.org", procedures=[Procedure.WEBSITE], created_at=created,
        activity=Activity(title="Posyandu Balita", date=date(2026, 10, 31), location="Balai Dusun"),
        narrative="Warga membawa balita ke posyandu untuk ditimbang dan diperiksa kesehatannya."), [])
    store.put_draft(Draft(tenant_id=VILLAGE, submission_id="oct0000000000000001", procedure=Procedure.WEBSITE,
                          version=1, status=DraftStatus.PUBLISHED, title="Posyandu Balita Dusun Ngepring",
                          slug="2026-10-31-posyandu-balita-oct000", created_at=created))
    # 17:30 UTC on 31 October is 00:30 WIB on 1 November: November's publication
    store.save_publication(Publication(
        tenant_id=VILLAGE, submission_id="oct0000000000000001", procedure=Procedure.WEBSITE, version=1,
        channel="static_site", status=PublicationStatus.PUBLISHED, marker="kabar-oct-website-1-static_site",
        url="https://kabar.example/purwobinangun/berita/2026-10-31-posyandu-balita-oct000/",
        published_at=datetime(2026, 10, 31, 17, 30, tzinfo=UTC)))
    store.count_click(VILLAGE, "2026-10-31-posyandu-balita-oct000", "facebook", date(2026, 11, 3))
    # the Page's followers on 31 October and 30 November; a message at 23:30 WIB on 30 November answered next morning
    for day, followers in ((date(2026, 10, 31), 1200), (date(2026, 11, 30), 1275)):
        store.put_account_snapshot(AccountSnapshot(tenant_id=VILLAGE, channel="facebook", account_id="1234567890",
                                                   day=day, values={"followers": followers},
                                                   unavailable={"views": "(#100) metric retired"},
                                                   collected_at=created))
    msg = Inquiry(tenant_id=VILLAGE, inquiry_id="m_late_nov", kind=InquiryKind.MESSAGE, page_id="1234567890",
                  thread_id="psid-1", author_id="psid-1", text="Halo",
                  received_at=datetime(2026, 11, 30, 16, 30, tzinfo=UTC))
    store.put_inquiry(msg)
    store.mark_answered(msg, datetime(2026, 12, 1, 8, tzinfo=WIB), "m_answer")


def test_the_report_job_stores_html_pdf_and_xlsx_and_mails_links_to_all_three(aws):
    # Given an item handed over in October and published at 00:30 WIB on 1 November, read on 3 November
    _october_item_published_in_november()

    # When November's report job runs
    aws.invoke("ReportSchedulerFunction", {"month": "2026-11"})
    jobs = [j for j in aws.drain("ReportQueue") if json.loads(j["body"])["tenant_id"] == VILLAGE]
    assert aws.invoke("MonthlyReportFunction", {"Records": jobs}) == {"batchItemFailures": []}

    # Then the three documents are in the bucket, and the October item is November's content
    reports = services().reports
    base = f"{VILLAGE}/2026-11/laporan-{VILLAGE}-2026-11"
    html = reports.get(f"{base}.html").decode()
    assert "Posyandu Balita Dusun Ngepring" in html
    # follower growth from October's last count, views not available (not zero), the late-November message
    assert "1.275" in html and "+75" in html and "Tidak tersedia dari kanal" in html
    assert "Jawaban komentar dan pesan" in html and "8,5 jam" in html
    pdf = reports.get(f"{base}.pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Posyandu Balita Dusun Ngepring" in text
    wb = load_workbook(io.BytesIO(reports.get(f"{base}.xlsx")))
    assert wb["KPI konten"]["B6"].value == "Posyandu Balita Dusun Ngepring" and wb["KPI konten"]["J6"].value == 1
    # and one email carries the summary and a link to each
    mails = Outbox().list(to="lurah@purwobinangun.desa.id")
    assert len(mails) == 1
    body = json.dumps(mails[0])
    assert "Klik website" in body or "website clicks" in body
    # (durable signed links, one per format: tests/integration/test_file_links.py follows them)
    assert len([u for u in mails[0]["links"] if "/files/" in u]) == 3
    assert "Tautan berlaku 30 hari" in body

    # When the job is delivered again, nothing changes and nobody is mailed twice
    before = {ext: reports.get(f"{base}.{ext}") for ext in ("html", "pdf", "xlsx")}
    aws.invoke("MonthlyReportFunction", {"Records": jobs})
    assert {ext: reports.get(f"{base}.{ext}") for ext in ("html", "pdf", "xlsx")} == before
    assert len(Outbox().list(to="lurah@purwobinangun.desa.id")) == 1
