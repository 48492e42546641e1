"""SOP step 6 (social) / 5 (website): the monthly report's figures and its page."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from kabar.domain import sop
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
from kabar.domain.report import ClickCount, aggregate, render_report_html

SOCIAL, WEBSITE = Procedure.SOCIAL, Procedure.WEBSITE
VILLAGE = Village(id="purwobinangun", name="Purwobinangun", kapanewon="Pakem", kabupaten="Sleman",
                  reviewers=[{"name": "PPID", "email": "ppid@example.org"}],
                  admins=[{"name": "Admin", "email": "admin@example.org"}])


def wib(y, mo, d, h=0, mi=0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=WIB)


def sub(sid: str, created: datetime, activity: date, completed: datetime | None, procedures,
        title: str | None = None, tenant: str = "purwobinangun") -> Submission:
    return Submission(
        tenant_id=tenant, submission_id=sid, submitter_id="st1", submitter_name="Sari",
        submitter_email="sari@example.org",
        activity=Activity(title=title or f"Kegiatan {sid}", date=activity, location="Balai Kalurahan"),
        narrative="Warga berkumpul di balai kalurahan untuk bermusyawarah bersama.", procedures=procedures,
        created_at=created, completed_at=completed, late=created > sop.batas_penyerahan(activity))


def draft(sid: str, procedure: Procedure, version: int, created: datetime, status=DraftStatus.IN_REVIEW,
          decided: datetime | None = None, title: str | None = None, slug: str = "") -> Draft:
    return Draft(tenant_id="purwobinangun", submission_id=sid, procedure=procedure, version=version,
                 status=status, title=title or f"Berita {sid}", slug=slug, created_at=created, decided_at=decided)


def pub(sid: str, procedure: Procedure, channel: str, at: datetime | None, version: int = 1,
        status=PublicationStatus.PUBLISHED, url: str | None = None) -> Publication:
    return Publication(tenant_id="purwobinangun", submission_id=sid, procedure=procedure, version=version,
                       channel=channel, status=status, marker=f"kabar-{sid}-{procedure}-{version}-{channel}",
                       url=url, published_at=at)


S1_SLUG = "2026-11-10-musyawarah-dusun-s1aaaa"
OCT_SLUG = "2026-10-30-posyandu-oct111"


@pytest.fixture
def november():
    """A month of records, with their SOP clocks chosen to land on each side of each limit."""
    submissions = [
        # S1: on time; social fully on time; website drafted late, decided late on v2, published late
        sub("s1aaaa", wib(2026, 11, 10, 9), date(2026, 11, 10), wib(2026, 11, 10, 9, 30), [SOCIAL, WEBSITE],
            title="Musyawarah Dusun"),
        # S2: handed over the day after the activity (late); website draft rejected
        sub("s2bbbb", wib(2026, 11, 21, 8), date(2026, 11, 20), wib(2026, 11, 21, 8, 10), [WEBSITE]),
        # S3: 23:30 WIB on 30 November is 16:30 UTC: November; files still arriving
        sub("s3cccc", datetime(2026, 11, 30, 16, 30, tzinfo=UTC), date(2026, 11, 30), None, [SOCIAL]),
        # S4: 00:30 WIB on 1 December is still 30 November in UTC: December
        sub("s4dddd", datetime(2026, 11, 30, 17, 30, tzinfo=UTC), date(2026, 12, 1), None, [SOCIAL]),
        # S5: drafted on time, still waiting for the reviewer
        sub("s5eeee", wib(2026, 11, 25, 10), date(2026, 11, 25), wib(2026, 11, 25, 10, 5), [SOCIAL]),
        # October's item, published on 1 November; another village's item
        sub("oct111", wib(2026, 10, 30, 9), date(2026, 10, 30), wib(2026, 10, 30, 9, 10), [WEBSITE]),
        sub("zz9999", wib(2026, 11, 12, 9), date(2026, 11, 12), wib(2026, 11, 12, 9, 10), [WEBSITE],
            tenant="sumberrejo"),
    ]
    drafts = [
        draft("s1aaaa", SOCIAL, 1, wib(2026, 11, 10, 10), DraftStatus.PUBLISHED, wib(2026, 11, 10, 10, 30),
              title="Musyawarah Dusun", slug=S1_SLUG),
        draft("s1aaaa", WEBSITE, 1, wib(2026, 11, 10, 13), DraftStatus.SUPERSEDED, wib(2026, 11, 10, 13, 30),
              title="Musyawarah Dusun", slug=S1_SLUG),
        draft("s1aaaa", WEBSITE, 2, wib(2026, 11, 10, 15), DraftStatus.PUBLISHED, wib(2026, 11, 10, 17),
              title="Musyawarah Dusun Ngepring", slug=S1_SLUG),
        draft("s2bbbb", WEBSITE, 1, wib(2026, 11, 21, 9), DraftStatus.REJECTED, wib(2026, 11, 21, 9, 20)),
        draft("s5eeee", SOCIAL, 1, wib(2026, 11, 25, 11)),
        draft("oct111", WEBSITE, 1, wib(2026, 10, 30, 10), DraftStatus.PUBLISHED, wib(2026, 10, 30, 10, 20),
              title="Posyandu Oktober", slug=OCT_SLUG),
    ]
    publications = [
        pub("s1aaaa", SOCIAL, "facebook", wib(2026, 11, 11, 8), url="https://www.facebook.com/123_456"),
        pub("s1aaaa", WEBSITE, "static_site", wib(2026, 11, 12, 9), version=2,
            url=f"https://kabar.example/purwobinangun/berita/{S1_SLUG}/"),
        # 17:30 UTC on 31 October is 00:30 WIB on 1 November
        pub("oct111", WEBSITE, "static_site", datetime(2026, 10, 31, 17, 30, tzinfo=UTC),
            url=f"https://kabar.example/purwobinangun/berita/{OCT_SLUG}/"),
        pub("s5eeee", SOCIAL, "facebook", None, status=PublicationStatus.FAILED),
        pub("s3cccc", SOCIAL, "facebook", datetime(2026, 11, 30, 17, 30, tzinfo=UTC)),  # 1 Dec WIB
    ]
    clicks = [
        ClickCount(item=S1_SLUG, channel="direct", day=date(2026, 11, 12), count=5),
        ClickCount(item=S1_SLUG, channel="facebook", day=date(2026, 11, 13), count=3),
        ClickCount(item=S1_SLUG, channel="direct", day=date(2026, 12, 1), count=7),
        ClickCount(item=OCT_SLUG, channel="direct", day=date(2026, 11, 2), count=2),
    ]
    return submissions, drafts, publications, clicks


def test_a_submission_belongs_to_its_month_in_jakarta_time():
    # Given one hand-over at 23:30 WIB on 30 November (16:30 UTC) and one at 00:30 WIB on 1 December
    late_nov = sub("a11111", datetime(2026, 11, 30, 16, 30, tzinfo=UTC), date(2026, 11, 30), None, [SOCIAL])
    early_dec = sub("b22222", datetime(2026, 11, 30, 17, 30, tzinfo=UTC), date(2026, 12, 1), None, [SOCIAL])
    # When each month is aggregated
    nov = aggregate(VILLAGE, "2026-11", [late_nov, early_dec], [], [], [])
    dec = aggregate(VILLAGE, "2026-12", [late_nov, early_dec], [], [], [])
    # Then the first is November's, the second December's, although both are 30 November in UTC
    assert (nov.submissions, dec.submissions) == (1, 1)
    assert [c.met for c in nov.compliance if c.key == "penyerahan"] == [1]
    assert nov.month_name == "November 2026" and dec.month_name == "Desember 2026"


def test_counts_of_the_month(november):
    figures = aggregate(VILLAGE, "2026-11", *november)
    assert (figures.submissions, figures.complete, figures.late_submissions) == (4, 3, 1)
    assert figures.drafts_made == {SOCIAL: 2, WEBSITE: 3}
    assert figures.decisions[SOCIAL].model_dump() == {"approved": 1, "rejected": 0, "revision_requested": 0}
    assert figures.decisions[WEBSITE].model_dump() == {"approved": 1, "rejected": 1, "revision_requested": 1}
    assert figures.decisions_total.total == 4
    # publications by their own date: October's item published 00:30 WIB on 1 November counts,
    # S3's published 00:30 WIB on 1 December does not, nor does a failed one
    assert figures.publications_per_channel == {"facebook": 1, "static_site": 2}


def test_sop_compliance_per_time_standard(november):
    figures = aggregate(VILLAGE, "2026-11", *november)
    got = {c.key: (c.met, c.missed, c.pending) for c in figures.compliance}
    assert list(got) == ["penyerahan", "draf", "keputusan", "unggah"]
    assert got["penyerahan"] == (3, 1, 0)  # S2 handed over on H+1
    assert got["draf"] == (3, 1, 0)  # S1 website drafted 3.5 h after completion; S3 not complete yet
    assert got["keputusan"] == (3, 1, 1)  # S1 website v2 took 2 h; S5 still in review
    assert got["unggah"] == (1, 1, 0)  # S1 website online on H+2
    rates = {c.key: c.rate for c in figures.compliance}
    assert rates == {"penyerahan": 75, "draf": 75, "keputusan": 75, "unggah": 50}


def test_as_of_turns_overdue_open_steps_into_misses(november):
    figures = aggregate(VILLAGE, "2026-11", *november, as_of=wib(2026, 12, 1, 8))
    keputusan = next(c for c in figures.compliance if c.key == "keputusan")
    assert (keputusan.met, keputusan.missed, keputusan.pending) == (3, 2, 0)


def test_kpi_list_and_website_clicks(november):
    figures = aggregate(VILLAGE, "2026-11", *november)
    rows = [(r.title, r.procedure, r.channel, r.published_date, r.clicks) for r in figures.kpi]
    assert rows == [
        ("Posyandu Oktober", WEBSITE, "static_site", date(2026, 11, 1), 2),
        ("Musyawarah Dusun", SOCIAL, "facebook", date(2026, 11, 11), 3),  # readers who came from the post
        ("Musyawarah Dusun Ngepring", WEBSITE, "static_site", date(2026, 11, 12), 8),  # the published version
    ]
    assert figures.website_clicks_total == 10  # December's 7 clicks left out
    assert [(i.item, i.title, i.clicks, i.by_channel) for i in figures.clicks_per_item] == [
        (S1_SLUG, "Musyawarah Dusun Ngepring", 8, {"direct": 5, "facebook": 3}),
        (OCT_SLUG, "Posyandu Oktober", 2, {"direct": 2}),
    ]


def test_a_social_channel_without_click_data_shows_no_number(november):
    submissions, drafts, publications, _ = november
    figures = aggregate(VILLAGE, "2026-11", submissions, drafts, publications, [])
    assert [r.clicks for r in figures.kpi] == [0, None, 0]


def test_aggregation_does_not_depend_on_input_order(november):
    forward = aggregate(VILLAGE, "2026-11", *november)
    backward = aggregate(VILLAGE, "2026-11", *(list(reversed(x)) for x in november))
    assert forward == backward


def test_report_page_is_escaped_and_rebuilt_byte_identical(november):
    # Given a title and a link that try to inject markup
    submissions, drafts, publications, clicks = november
    drafts = [d.model_copy(update={"title": "<script>alert('x')</script> & Co"})
              if d.procedure is SOCIAL and d.submission_id == "s1aaaa" else d for d in drafts]
    publications = [p.model_copy(update={"url": "javascript:alert(1)"}) if p.channel == "facebook" else p
                    for p in publications]
    # When the report is rendered twice, from records given in another order the second time
    first = render_report_html(VILLAGE, aggregate(VILLAGE, "2026-11", submissions, drafts, publications, clicks))
    again = render_report_html(VILLAGE, aggregate(VILLAGE, "2026-11", submissions[::-1], drafts[::-1],
                                                  publications[::-1], clicks[::-1]))
    # Then the bytes are identical, and nothing injected is live
    assert first.encode() == again.encode()
    assert "<script>alert" not in first
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co" in first
    assert 'href="javascript:' not in first and "javascript:alert(1)" in first
    assert 'href="https://kabar.example/purwobinangun/berita/' in first


def test_report_page_reads_in_indonesian_with_english_beneath(november):
    html = render_report_html(VILLAGE, aggregate(VILLAGE, "2026-11", *november))
    assert html.startswith("<!doctype html>") and '<html lang="id">' in html
    assert "Laporan Bulanan Konten Media Sosial dan Website" in html and "Monthly report" in html
    assert "November 2026" in html and "7 Desember 2026" in html  # the SOP's week-1 deadline
    assert "Kepatuhan waktu SOP" in html and "Penyerahan dokumentasi hari H" in html
    assert "Posyandu Oktober" in html and "1 November 2026" in html
    # self-contained and printable: no external asset, a print stylesheet, a phone viewport
    assert not re.search(r"""(src|href)=["']?(https?:)?//(?!kabar\.example|www\.facebook)""", html)
    assert "<link" not in html and "<script" not in html
    assert "@media print" in html and 'name="viewport"' in html


def test_an_empty_month_still_makes_a_report():
    figures = aggregate(VILLAGE, "2027-01", [], [], [], [])
    html = render_report_html(VILLAGE, figures)
    assert figures.submissions == 0 and all(c.rate is None for c in figures.compliance)
    assert "Januari 2027" in html and "Belum ada konten terbit" in html
