"""Mail scanners, two tabs and the SLA clock against the running local stack (issue 4).

A scanner follows the link with HEAD and GETs under headless user agents, or renders it in headless
Chromium and waits: none of it may decide or use the link. Two tabs posting at once: one decision
stands. The SLA watch fired through the dispatcher with a controlled clock reminds the reviewer once.
"""

import re
import threading
from datetime import timedelta

import pytest
import requests

from kabar.domain.clock import iso
from kabar.services import services
from kabar.usecases.staff import add_staff
from kabar_local.demo import Http
from tests.browser.conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]

SCANNER_AGENTS = [
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36",
    "Mozilla/5.0 (compatible; BingPreview/1.0b)",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)",
    "Barracuda Sentinel (EE)",
]


def _draft(submission_id: str):
    from kabar.services import services

    return services().store.get_draft("purwobinangun", submission_id, "website")


def _token_used(link: str) -> bool:
    from kabar.domain.models import Procedure
    from kabar.domain.tokens import token_hash
    from kabar.services import services
    from kabar.usecases.review import draft_link

    raw = link.rsplit("/", 1)[1]  # the activity's link: one review token per draft under it
    tokens = [services().store.get_review_token("purwobinangun", token_hash(draft_link(raw, p))) for p in Procedure]
    return any(t.used_at is not None for t in tokens if t is not None)


def test_scanners_that_fetch_or_render_the_link_change_nothing(stack, page, review_link):
    link, sid = review_link()
    for agent in SCANNER_AGENTS:
        head = requests.head(link, headers={"User-Agent": agent}, timeout=10, allow_redirects=True)
        assert head.status_code == 200 and head.headers["Cache-Control"] == "no-store"
        for _ in range(2):
            got = requests.get(link, headers={"User-Agent": agent}, timeout=10)
            assert got.status_code == 200
            assert got.headers["Referrer-Policy"] == "no-referrer" and "noindex" in got.headers["X-Robots-Tag"]
            assert "<script" not in got.text.lower()  # nothing on the page can submit by itself
    page.context.set_extra_http_headers({"User-Agent": SCANNER_AGENTS[0]})
    response = page.goto(link, wait_until="networkidle")
    assert response.status == 200
    page.wait_for_timeout(300)  # a scanner lingers; nothing on the page acts on a timer either
    stack.dispatcher.wait_idle(timeout=30)
    assert _draft(sid).status.value == "in_review" and not _token_used(link)


def test_two_tabs_posting_at_once_leave_one_decision(stack, review_link):
    link, sid = review_link()
    answers = {}

    page_token = re.search(r'name="form_token" value="([^"]+)"', requests.get(link, timeout=10).text).group(1)

    def post(decision):
        answers[decision] = requests.post(link, data={"decision": decision, "note": "catatan",
                                                      "form_token": page_token},
                                          headers={"User-Agent": PHONE}, timeout=30)

    threads = [threading.Thread(target=post, args=(d,)) for d in ("revise", "reject")]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(r.status_code for r in answers.values()) == [200, 409]
    winner = next(d for d, r in answers.items() if r.status_code == 200)
    stack.dispatcher.wait_idle(timeout=30)
    status = _draft(sid).status.value
    assert status == ("revision_requested" if winner == "revise" else "rejected")


def test_the_sla_watch_fired_with_a_controlled_clock_reminds_once(stack, review_link):
    _, sid = review_link()
    http = Http(stack.base_url)

    def reminders() -> int:
        return sum("Pengingat" in m["subject"] for m in http.outbox("ppid@purwobinangun.desa.id"))

    half = _draft(sid).created_at + timedelta(minutes=31)
    assert stack.dispatcher.fire("SlaWatchFunction", input={"at": iso(half)})["queued"] >= 1  # one per village
    stack.dispatcher.wait_idle(timeout=30)  # each village's watch, then its reminders (notices) sent
    done = reminders()
    assert done >= 1  # every draft still waiting in the village, this one included
    stack.dispatcher.fire("SlaWatchFunction", input={"at": iso(half + timedelta(minutes=1))})
    stack.dispatcher.wait_idle(timeout=30)
    assert reminders() == done
    assert _draft(sid).status.value == "in_review"


def test_a_correction_over_http_goes_back_to_the_reviewer_as_version_two(stack, review_link):
    link, sid = review_link()
    page_token = re.search(r'name="form_token" value="([^"]+)"', requests.get(link, timeout=10).text).group(1)
    assert requests.post(link, data={"decision": "revise", "note": "Tambahkan jumlah peserta",
                                     "form_token": page_token},
                         headers={"User-Agent": PHONE}, timeout=30).status_code == 200
    admin = add_staff("purwobinangun", "admin", "Admin", "admin2@purwobinangun.desa.id", svc=services())[1]
    response = requests.put(f"{stack.base_url}/drafts/{sid}/website", timeout=30,
                            headers={"Authorization": f"Bearer {admin}"},
                            json={"version": 1, "lead": "Sebanyak 60 warga membersihkan saluran irigasi."})
    assert response.status_code == 200 and response.json()["version"] == 2
    stack.dispatcher.wait_idle(timeout=60)
    newest = Http(stack.base_url).outbox("ppid@purwobinangun.desa.id")[0]
    assert "(v2)" in newest["subject"] and "Perubahan dari versi 1" in newest["html"]
    assert requests.get(link, timeout=10).status_code == 409  # the v1 link acts on nothing now


def test_a_scanner_that_presses_every_button_and_follows_every_link_decides_nothing(stack, page, review_link):
    """A scanner with a browser's user agent: it loads the page, presses every button it finds on each
    page it reaches (TERIMA's confirmation step included, its box left as it is) and follows every link."""
    link, sid = review_link()
    mails_before = len(Http(stack.base_url).outbox("sri@purwobinangun.desa.id"))
    seen_links: set[str] = set()
    for round_ in range(3):
        page.goto(link, wait_until="networkidle")
        buttons = page.locator("button")
        for i in range(buttons.count()):
            page.goto(link, wait_until="networkidle")
            page.locator("button").nth(i).click()
            page.wait_for_load_state()
            # whatever page that gave, press its buttons too (the confirmation's "Ya, TERIMA")
            for _ in range(2):
                more = page.locator("button")
                if more.count() == 0:
                    break
                more.first.click(no_wait_after=False)
                page.wait_for_load_state()
        seen_links |= {a for a in page.locator("a[href]").evaluate_all("els => els.map(e => e.href)")}
    page.goto(link, wait_until="networkidle")
    seen_links |= {a for a in page.locator("a[href]").evaluate_all("els => els.map(e => e.href)")}
    for href in seen_links:
        if href.startswith("http"):
            page.goto(href)
    # and a script that submits every form directly (no browser validation to stop it)
    page.goto(link, wait_until="networkidle")
    page.evaluate("document.querySelector('form').submit()")
    page.wait_for_load_state()
    if page.locator("form").count():
        page.evaluate("document.querySelector('form').submit()")
        page.wait_for_load_state()
    stack.dispatcher.wait_idle(timeout=30)
    assert _draft(sid).status.value == "in_review" and not _token_used(link)
    assert len(Http(stack.base_url).outbox("sri@purwobinangun.desa.id")) == mails_before  # no rejection sent
