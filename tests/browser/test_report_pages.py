"""The monthly and the regency report as a person reads them: on a 360 px phone without sideways
scrolling (each table row becomes a small card, no column hidden) and on a 1280 px screen."""

from __future__ import annotations

import io
import os
from datetime import date

import pytest
from PIL import Image

from kabar.domain.metrics import AccountSnapshot, ItemSnapshot
from kabar.domain.models import Village
from kabar.domain.regency import regency_figures, render_regency_html, village_row
from kabar.domain.report import ClickCount, MonthSummary, aggregate, render_report_html, report_moment, thumbnail
from tests.unit.test_report import VILLAGE, november, wib  # noqa: F401 - fixture

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("KABAR_SCREENSHOTS")  # a folder: keep the screenshots to look at


def _picture() -> bytes:
    image = Image.new("RGB", (800, 600), (40, 120, 80))
    image.paste((230, 200, 60), (200, 150, 600, 450))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def figures(november):  # noqa: F811
    submissions, drafts, publications, clicks = november
    long = "Musyawarah Perencanaan Pembangunan Kalurahan tentang Saluran Irigasi Padukuhan Ngepring Wetan"
    drafts = [d.model_copy(update={"title": long, "graphic_key": "purwobinangun/s1/cover.jpg"})
              if d.submission_id == "s1aaaa" else d for d in drafts]
    publications = [p.model_copy(update={"remote_id": "123_456"}) if p.channel == "facebook" else p
                    for p in publications]
    village = Village.model_validate({**VILLAGE.model_dump(), "channels": {
        "social": [{"type": "facebook", "page_id": "1234567890", "name": "Pemerintah Kalurahan Purwobinangun"}]}})
    accounts = [AccountSnapshot(tenant_id=village.id, channel="facebook", account_id="1234567890",
                                day=date(2026, 11, d), values={"followers": 1200 + d, "views": 40 + d % 7},
                                collected_at=wib(2026, 12, 1)) for d in range(1, 31)]
    engagement = [ItemSnapshot(tenant_id=village.id, channel="facebook", remote_id="123_456", day=date(2026, 11, 20),
                               values={"reactions": 48, "comments": 9, "shares": 4, "views": 1200},
                               collected_at=wib(2026, 12, 1))]
    clicks = [*clicks, ClickCount(item="x", channel="whatsapp", day=date(2026, 11, 5), count=1)]
    f = aggregate(village, "2026-11", submissions, drafts, publications, clicks, as_of=report_moment("2026-11"),
                  accounts=accounts, engagement=engagement)
    f.previous = MonthSummary(month="2026-10", month_name="Oktober 2026", submissions=2, published=1,
                              published_on_time=1, publications=2, website_clicks=25)
    f.thumbnails = {"purwobinangun/s1/cover.jpg": thumbnail(_picture())}
    return village, f


def _fits(page, width: int, html: str, name: str) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.set_content(html)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} scrolls sideways at {width} px"
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)


def test_the_monthly_report_reads_on_a_phone_and_a_screen(page, figures):
    village, f = figures
    html = render_report_html(village, f)
    for width in (360, 1280):
        _fits(page, width, html, "laporan")
    # on the phone the percentage is still there, labelled, in each compliance card
    page.set_viewport_size({"width": 360, "height": 900})
    cells = page.locator("#kepatuhan td[data-label='Ketepatan']")
    assert cells.count() == 4 and cells.first.is_visible() and "%" in cells.first.inner_text()
    assert page.locator("#terbaik img").first.is_visible()
    label = page.evaluate("getComputedStyle(document.querySelector(\"#kepatuhan td[data-label='Ketepatan']\"),"
                          " '::before').content")
    assert "Ketepatan" in label


def test_the_regency_report_reads_on_a_phone_and_a_screen(page, figures):
    village, f = figures
    rows = [village_row(village, f)]
    for n, name in enumerate(("Candibinangun", "Hargobinangun")):
        other = Village.model_validate({**village.model_dump(), "id": name.lower(), "name": name})
        rows.append(village_row(other, aggregate(other, "2026-11", [], [], [], [])))
        assert n < 2
    html = render_regency_html(regency_figures("Sleman", "2026-11", rows))
    for width in (360, 1280):
        _fits(page, width, html, "kabupaten")
