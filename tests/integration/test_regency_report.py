"""The regency's report against moto: after the village reports, one job per kabupaten through the
report queue; three villages of Sleman side by side, ranked, in HTML, PDF and XLSX, and the OPML of
their news feeds; a village of another kabupaten left out."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from datetime import date, datetime

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from openpyxl import load_workbook
from pypdf import PdfReader

from kabar.domain.clock import WIB
from kabar.domain.models import (
    Activity,
    Draft,
    DraftStatus,
    Procedure,
    Publication,
    PublicationStatus,
    Submission,
    Village,
)
from kabar.services import services
from kabar.usecases.regency import build_regency_report, regency_documents
from kabar.usecases.villages import put_village

BASE = "_kabupaten/sleman/2026-11/laporan-kabupaten-sleman-2026-11"


def _village(vid: str, name: str, kabupaten: str = "Sleman") -> None:
    put_village(Village(id=vid, name=name, kapanewon="Pakem", kabupaten=kabupaten,
                        reviewers=[{"name": "PPID", "email": f"ppid@{vid}.desa.id"}],
                        admins=[{"name": "Admin", "email": f"admin@{vid}.desa.id"}],
                        channels={"website": [{"type": "static_site"}]}), svc=services())


def _published(vid: str, sid: str, day: int, handed_over: datetime, online: datetime) -> None:
    store = services().store
    store.create_submission(Submission(
        tenant_id=vid, submission_id=sid, submitter_id="st1", submitter_name="Sari",
        submitter_email="sari@example.org", procedures=[Procedure.WEBSITE], created_at=handed_over,
        completed_at=handed_over, activity=Activity(title=f"Kerja bakti {sid}", date=date(2026, 11, day),
                                                    location="Balai Dusun"),
        narrative="Warga bergotong royong membersihkan saluran irigasi di padukuhan bersama-sama."), [])
    store.put_draft(Draft(tenant_id=vid, submission_id=sid, procedure=Procedure.WEBSITE, version=1,
                          status=DraftStatus.PUBLISHED, title=f"Kerja bakti {sid}", slug=f"kerja-bakti-{sid}",
                          created_at=handed_over, decided_at=handed_over))
    store.save_publication(Publication(
        tenant_id=vid, submission_id=sid, procedure=Procedure.WEBSITE, version=1, channel="static_site",
        status=PublicationStatus.PUBLISHED, marker=f"kabar-{sid}", url=f"https://kabar.example/{vid}/berita/{sid}/",
        published_at=online))


def test_the_regency_report_follows_the_village_reports_and_ranks_who_needs_help_first(aws):
    # Given three villages of Sleman (two seeded, one more) and one of Bantul:
    # Purwobinangun publishes on time, Hargobinangun hands over late and publishes late, Candibinangun nothing
    _village("hargobinangun", "Hargobinangun")
    _village("sumbermulyo", "Sumbermulyo", kabupaten="Bantul")
    _published("purwobinangun", "p1aaaaaaaaaaaaaaaaaa", 10, datetime(2026, 11, 10, 9, tzinfo=WIB),
               datetime(2026, 11, 10, 15, tzinfo=WIB))
    _published("hargobinangun", "h1aaaaaaaaaaaaaaaaaa", 12, datetime(2026, 11, 13, 9, tzinfo=WIB),
               datetime(2026, 11, 16, 9, tzinfo=WIB))

    # When the regency's schedule fires before any village report exists
    assert aws.invoke("ReportSchedulerFunction", {"regency": True, "month": "2026-11"})["queued"] == 2
    jobs = aws.drain("ReportQueue")
    assert sorted(json.loads(j["body"])["kabupaten"] for j in jobs) == ["Bantul", "Sleman"]
    sleman = [j for j in jobs if json.loads(j["body"])["kabupaten"] == "Sleman"]
    # Then the job fails for now and is redelivered later: it waits for its villages' reports
    with pytest.raises(BatchProcessingError, match="village reports not made yet"):
        aws.invoke("MonthlyReportFunction", {"Records": sleman})

    # When the village reports are made, then the regency's job is delivered again
    aws.invoke("ReportSchedulerFunction", {"month": "2026-11"})
    aws.deliver("ReportQueue", "MonthlyReportFunction")
    assert aws.invoke("MonthlyReportFunction", {"Records": sleman}) == {"batchItemFailures": []}

    # Then the three formats lie under the regency's prefix, the villages ranked, who needs help first
    reports = services().reports
    html = reports.get(f"{BASE}.html").decode()
    assert "Kabupaten Sleman" in html and "Sumbermulyo" not in html
    order = [html.index(f"<td class=\"title\">{name}") for name in ("Candibinangun", "Hargobinangun", "Purwobinangun")]
    assert order == sorted(order)
    assert "tidak ada konten terbit" in html and "kepatuhan waktu SOP" in html
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(reports.get(f"{BASE}.pdf"))).pages)
    assert "Perbandingan kalurahan" in text and "Mengetahui," in text and "480/XI/LAP-KONTEN-KAB/2026" in text
    ws = load_workbook(io.BytesIO(reports.get(f"{BASE}.xlsx")))["Perbandingan"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=6, max_row=8)]
    assert [r[1] for r in rows] == ["Candibinangun", "Hargobinangun", "Purwobinangun"]
    assert [r[5] for r in rows] == [0, 1, 1]  # items published
    assert rows[2][3] == 100 and rows[1][3] < 80  # SOP time standards met (%)
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$4:$5"

    # and the OPML lists each Sleman village's feed on the website
    outline = ET.fromstring(services().site.get("_kabupaten/sleman/berita-kalurahan.opml"))
    urls = [o.get("xmlUrl") for o in outline.findall("body/outline")]
    assert urls == [f"{aws.env['KABAR_SITE_URL']}/{v}/berita/feed.xml"
                    for v in ("candibinangun", "hargobinangun", "purwobinangun")]

    # and a read-only page gets the stored documents; rebuilt without waiting, they are the same bytes
    stored = regency_documents("Sleman", "2026-11", svc=services())
    assert stored is not None and stored["xlsx"] == reports.get(f"{BASE}.xlsx")
    assert regency_documents("Bantul", "2026-10", svc=services()) is None
    again = build_regency_report("Sleman", "2026-11", svc=services())
    assert again.documents == stored


def test_after_three_deliveries_the_regency_report_is_built_and_names_villages_without_a_report(aws):
    # Given the regency's job delivered for the third time, and no village report of the month made
    aws.invoke("ReportSchedulerFunction", {"regency": True, "month": "2026-11"})
    (job,) = [j for j in aws.drain("ReportQueue") if json.loads(j["body"])["kabupaten"] == "Sleman"]
    job["attributes"]["ApproximateReceiveCount"] = "3"
    # When it runs, it builds with what exists
    assert aws.invoke("MonthlyReportFunction", {"Records": [job]}) == {"batchItemFailures": []}
    # Then each village is named as having no monthly report yet
    html = services().reports.get(f"{BASE}.html").decode()
    assert html.count("laporan bulanan kalurahan belum dibuat") == 2
