"""The whole SOP once, over HTTP, against the running local stack: exactly what `make demo` does."""

import io

import pytest
import requests
from PIL import Image

from kabar.services import services
from kabar.usecases.staff import add_staff
from kabar_local.demo import REVIEWER, VILLAGE, Http, run_sop
from kabar_local.stack import LocalStack

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


@pytest.fixture(scope="module")
def stack():
    with LocalStack(retry_delay_seconds=1, env={"POWERTOOLS_LOG_LEVEL": "WARNING"}) as running:
        yield running


@pytest.fixture(scope="module")
def tokens(stack):
    return {role: add_staff(VILLAGE, role, name, email, svc=services())[1] for role, name, email in (
        ("submitter", "Sri Rahayu", "sri.rahayu@purwobinangun.desa.id"),
        ("admin", "Admin Media", "admin@purwobinangun.desa.id"),
        ("reviewer", "PPID", REVIEWER))}


@pytest.fixture(scope="module")
def run(stack, tokens):
    return run_sop(stack, tokens, say=lambda _: None)


def test_every_step_happens(run):
    assert run.decisions == [200, 200]
    assert {d["procedure"]: d["status"] for d in run.submission["drafts"]} == {
        "social": "published", "website": "published"}
    assert {p["channel"]: p["status"] for p in run.submission["publications"]} == {
        "facebook": "published", "static_site": "published"}


def test_the_news_page_is_online_with_clean_photos(stack, run):
    page = requests.get(run.news_url, timeout=10)
    assert page.status_code == 200 and "Kerja Bakti" in page.text
    photo_url = run.news_url + "foto-1.jpg"
    photo = Image.open(io.BytesIO(requests.get(photo_url, timeout=10).content))
    assert 0x8825 not in photo.getexif()  # no GPS in what the public sees


def test_the_village_news_feeds_carry_the_article(stack, run):
    import feedparser

    from tests.unit.test_feeds import parse_json

    base = run.news_url.split("/berita/")[0]
    rss = requests.get(f"{base}/berita/feed.xml", timeout=10)
    assert rss.status_code == 200 and rss.headers["Content-Type"].startswith("application/rss+xml")
    parsed = feedparser.parse(rss.content)
    assert not parsed.bozo and parsed.entries[0].link == run.news_url and "Kerja Bakti" in parsed.entries[0].title
    feed = requests.get(f"{base}/berita/feed.json", timeout=10)
    assert feed.headers["Content-Type"].startswith("application/feed+json")
    assert parse_json(feed.content).items[0].url == run.news_url


def test_the_feed_shows_the_post_with_its_link_through_the_click_counter(stack, run):
    feed = requests.get(run.feed_url, timeout=10)
    assert feed.status_code == 200 and "Kerja Bakti" in feed.text
    assert f"/r/{VILLAGE}/" in feed.text


def test_the_report_is_in_the_reports_bucket(stack, run):
    from kabar.services import services

    html = services().reports.get(run.report_key).decode()
    assert "Kerja Bakti" in html


def test_the_report_emails_durable_link_opens_the_report_over_http(stack, run):
    import time

    from kabar_local.outbox import Outbox

    links: list[str] = []
    deadline = time.monotonic() + 90
    while not links and time.monotonic() < deadline:  # the report's email is a notice, sent by the notice sender
        stack.dispatcher.wait_idle(timeout=60)
        links = [u for m in Outbox().list() if "Laporan bulanan" in m["subject"]
                 for u in m["links"] if "/files/" in u]
        if not links:
            time.sleep(0.5)
    assert links
    opened = requests.get(links[0], timeout=10)  # 302 through the gateway, then the presigned GET
    assert opened.status_code == 200 and "Kerja Bakti" in opened.text
    assert opened.history and opened.history[0].status_code == 302
    broken = requests.get(links[0][:-4] + ("AAAA" if not links[0].endswith("AAAA") else "BBBB"), timeout=10)
    assert broken.status_code == 404 and "Tautan tidak berlaku" in broken.text


def test_a_used_review_link_acts_no_more(stack, run):
    http = Http(stack.base_url)
    again = http.session.post(run.review_links[0], data={"decision": "reject", "note": "x"}, timeout=10)
    assert again.status_code == 409 and "sudah diputuskan" in again.text


def test_another_village_sees_nothing(stack, run):
    other = add_staff("candibinangun", "admin", "Admin Candibinangun", "admin@candibinangun.desa.id", svc=services())[1]
    http = Http(stack.base_url)
    assert http.get(f"/submissions/{run.submission_id}", other).status_code == 404
    register = http.get("/register", other).json()
    assert register["rows"] == []
    own = http.get("/register", add_staff(VILLAGE, "admin", "Admin 2", "admin2@purwobinangun.desa.id",
                                          svc=services())[1]).json()
    assert [r["submission_id"] for r in own["rows"]] == [run.submission_id] * 2
