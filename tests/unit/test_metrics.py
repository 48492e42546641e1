"""SOP A6 metrics: follower growth and views of a month from daily snapshots, engagement per item."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from openpyxl import load_workbook

from kabar.domain.clock import WIB
from kabar.domain.metrics import AccountSnapshot, ItemSnapshot, account_month, collection_day
from kabar.domain.report import aggregate, render_report_html
from kabar.domain.report_pdf import render_report_pdf
from kabar.domain.report_xlsx import render_report_xlsx
from tests.unit.test_report import VILLAGE, november  # noqa: F401 - fixture

AT = datetime(2026, 12, 1, 6, tzinfo=WIB)


def acct(day: date, followers: int | None = None, views: int | None = None, retired: tuple[str, ...] = (),
         tenant: str = "purwobinangun") -> AccountSnapshot:
    values = {k: v for k, v in (("followers", followers), ("views", views)) if v is not None}
    return AccountSnapshot(tenant_id=tenant, channel="facebook", account_id="1234567890", day=day, values=values,
                           unavailable={name: "(#100) The value must be a valid insights metric" for name in retired},
                           collected_at=AT)


def test_the_collection_reads_the_complete_jakarta_day_before():
    # 06:00 WIB on 1 December is 23:00 UTC on 30 November: the day read is 30 November
    assert collection_day(datetime(2026, 11, 30, 23, tzinfo=UTC)) == date(2026, 11, 30)
    # 23:30 WIB on 30 November (16:30 UTC) still reads 29 November
    assert collection_day(datetime(2026, 11, 30, 16, 30, tzinfo=UTC)) == date(2026, 11, 29)


def test_growth_starts_from_the_last_count_of_the_month_before():
    # Given October's last day and three November days (views retired on the last one)
    snaps = [acct(date(2026, 10, 31), 1000, 50), acct(date(2026, 11, 1), 1010, 70), acct(date(2026, 11, 15), 1100, 90),
             acct(date(2026, 11, 30), 1150, retired=("views",)), acct(date(2026, 12, 1), 1400, 999)]
    # When November is summed up
    (month,) = account_month(snaps, "2026-11")
    # Then growth is from 1,000 (31 Oct) to 1,150 (30 Nov), views are November's days only,
    # and the retired metric is named, not counted as zero
    assert (month.followers_start, month.followers_end, month.growth) == (1000, 1150, 150)
    assert month.views == 160 and month.days_measured == 3 and month.unavailable == ["views"]


def test_without_a_count_before_the_month_growth_starts_on_its_first_measured_day():
    (month,) = account_month([acct(date(2026, 11, 3), 10, 1), acct(date(2026, 11, 9), 14, 2)], "2026-11")
    assert (month.followers_start, month.growth, month.views) == (10, 4, 3)


def test_a_metric_retired_all_month_is_not_available_rather_than_zero():
    snaps = [acct(date(2026, 11, d), 500 + d, retired=("views",)) for d in (1, 2, 3)]
    (month,) = account_month(snaps, "2026-11")
    assert month.views is None and month.unavailable == ["views"]
    html = render_report_html(VILLAGE, aggregate(VILLAGE, "2026-11", [], [], [], [], accounts=snaps))
    assert "t.t." in html and "Tidak tersedia dari kanal" in html and "views" in html


def test_a_month_with_no_snapshots_says_so():
    figures = aggregate(VILLAGE, "2026-11", [], [], [], [], accounts=[acct(date(2026, 10, 31), 1000, 5)])
    assert figures.accounts == []
    assert "Belum ada data metrik akun" in render_report_html(VILLAGE, figures)


def test_kpi_rows_carry_the_latest_engagement_of_the_month(november):  # noqa: F811
    submissions, drafts, publications, clicks = november
    publications = [p.model_copy(update={"remote_id": "123_456"}) if p.channel == "facebook" else p
                    for p in publications]
    engagement = [
        ItemSnapshot(tenant_id="purwobinangun", channel="facebook", remote_id="123_456", day=date(2026, 11, 20),
                     values={"reactions": 5, "comments": 1, "shares": 0, "views": 80}, collected_at=AT),
        ItemSnapshot(tenant_id="purwobinangun", channel="facebook", remote_id="123_456", day=date(2026, 11, 30),
                     values={"reactions": 9, "comments": 2, "shares": 1}, unavailable={"views": "retired"},
                     collected_at=AT),
        ItemSnapshot(tenant_id="purwobinangun", channel="facebook", remote_id="123_456", day=date(2026, 12, 2),
                     values={"reactions": 99, "comments": 9, "shares": 9, "views": 9}, collected_at=AT),
    ]
    figures = aggregate(VILLAGE, "2026-11", submissions, drafts, publications, clicks, engagement=engagement)
    row = next(r for r in figures.kpi if r.channel == "facebook")
    assert row.engagement == {"reactions": 9, "comments": 2, "shares": 1} and row.unavailable == ["views"]
    kpi = load_workbook(io.BytesIO(render_report_xlsx(VILLAGE, figures)))["KPI konten"]
    values = next([c.value for c in r] for r in kpi.iter_rows(min_row=6) if r[3].value == "Facebook")
    assert values[5:9] == [9, 2, 1, "t.t."]


def test_the_workbook_charts_followers_and_views_and_the_pdf_prints_them():
    snaps = [acct(date(2026, 11, d), 1000 + 3 * d, 20 * d) for d in range(1, 31)]
    figures = aggregate(VILLAGE, "2026-11", [], [], [], [], accounts=snaps)
    wb = load_workbook(io.BytesIO(render_report_xlsx(VILLAGE, figures)))
    # the account by name (the Page's id is never shown), the channel in words
    assert [c.value for c in wb["Kinerja akun"][6]][:6] == ["Facebook Kalurahan Purwobinangun", 1003, 1090, 87, 9300,
                                                            30]
    assert len(wb["Akun per hari"]._charts) == 2
    from pypdf import PdfReader

    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(render_report_pdf(VILLAGE, figures))).pages)
    assert "Kinerja akun media sosial" in text and "Tayangan per hari" in text and "9.300" in text
