"""End to end through the local stack, with a real WordPress as the village's website: the admin connects
it by logging in (the local stack's ``/_local/connect/wordpress``), a submission goes through drafting and
the PPID's approval, WordPress dies with a PHP fatal error right after storing the post, and the retry
finds it: exactly one post, and its page shows what the PPID approved."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
import requests

from kabar.domain.clock import now
from kabar.domain.models import Procedure
from kabar.services import services
from kabar.usecases.staff import add_staff
from kabar.usecases.villages import list_villages
from kabar_local.demo import Http, approve_as_a_person, links_to
from kabar_local.samples import submission_payload
from kabar_local.stack import LocalStack

from .conftest import Site, in_browser

VILLAGE = "purwobinangun"
PPID = "ppid@purwobinangun.desa.id"

pytestmark = [pytest.mark.wordpress, pytest.mark.e2e, pytest.mark.browser]


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(retry_delay_seconds=1, env={"POWERTOOLS_LOG_LEVEL": "WARNING"}) as running:
        yield running


def connect(stack: LocalStack, wp: Site) -> None:
    def steps(browser) -> str:
        page = browser.new_page()
        page.goto(f"{stack.base_url}/_local/connect/wordpress?village={VILLAGE}&site={wp.base_url}")
        username, password = wp.login("admin")
        page.fill("#user_login", username)
        page.fill("#user_pass", password)
        page.click("#wp-submit")
        page.click("#approve")
        page.wait_for_url(f"{stack.base_url}/_local/connect/wordpress/callback?*")
        return page.inner_text("body")

    shown = in_browser(steps)
    assert "WordPress tersambung" in shown, shown


def test_approved_once_published_once_after_a_php_fatal(stack: LocalStack, real_wordpress: Site):
    wp = real_wordpress
    # Given the village's admin connected its WordPress by logging in
    connect(stack, wp)
    (village,) = [v for v in list_villages(svc=services()) if v.id == VILLAGE]
    assert [c.type for c in village.channels[Procedure.WEBSITE]] == ["static_site", "wordpress"]
    # and a website submission waiting for the PPID
    submitter = add_staff(VILLAGE, "submitter", "Sri Rahayu", "sri@purwobinangun.desa.id", svc=services())[1]
    admin = add_staff(VILLAGE, "admin", "Admin Media", "admin@purwobinangun.desa.id", svc=services())[1]
    http = Http(stack.base_url)
    payload, blobs = submission_payload(now().date(), with_video=False, channels=("website",))
    created = http.post_json("/submissions", payload, submitter).json()
    for instruction, blob, declared in zip(created["uploads"], blobs, payload["files"], strict=True):
        assert http.upload(instruction, blob, declared["name"], declared["content_type"]).status_code == 201
    stack.dispatcher.wait_idle(timeout=120)
    (link,) = links_to(http.outbox(PPID)[0], r"/review/")
    # When WordPress stores the post and then dies (and stays down for the adapter's own look)
    wp.fatal_after_publish(then_requests=1)
    shown = http.session.get(link, timeout=30)
    assert shown.status_code == 200
    assert approve_as_a_person(http, link, shown.text).status_code == 200  # TERIMA, ticked and confirmed
    stack.dispatcher.wait_idle(timeout=120)
    wp.clear_faults()
    # Then the retry found the post: the publication is done, and WordPress holds exactly one post
    status = requests.get(f"{stack.base_url}/submissions/{created['submission_id']}", timeout=30,
                          headers={"Authorization": f"Bearer {admin}"}).json()
    pubs = {p["channel"]: p for p in status["publications"]}
    assert pubs["wordpress"]["status"] == "published" and pubs["static_site"]["status"] == "published"
    marker = (f"kabar-{VILLAGE}-{created['submission_id']}-website-v1-wordpress")
    found = wp.rest("GET", "/wp/v2/posts", params={"search": marker, "context": "edit",
                                                   "status": "publish,future,draft,pending,private"}).json()
    assert [p["link"] for p in found] == [pubs["wordpress"]["url"]]
    assert found[0]["status"] == "publish"
    # and its page, as readers get it, shows what the PPID approved
    draft = requests.get(f"{stack.base_url}/drafts/{created['submission_id']}/website", timeout=30,
                         headers={"Authorization": f"Bearer {admin}"}).json()
    page = requests.get(pubs["wordpress"]["url"], timeout=30)
    assert page.status_code == 200
    shown = re.sub("[\u201c\u201d]", '"', html.unescape(page.text)).replace("\u2019", "'")
    assert draft["dateline"] in shown and draft["lead"] in shown.replace("\u2019", "'")
    for paragraph in re.findall(r"<p>(.*?)</p>", draft["article_html"]):
        assert html.unescape(paragraph) in shown
    photos = len(payload["files"])
    captions = re.findall(r"<figcaption[^>]*>(.*?)</figcaption>", page.text, re.S)
    assert len(captions) == photos
    for n in range(1, photos + 1):
        words = f"Dokumentasi {draft['title']}, Kalurahan Purwobinangun ({n}/{photos})"
        assert words in shown
        assert f'alt="{html.escape(words)}"' in page.text or f'alt="{words}"' in shown
    media = wp.rest("GET", "/wp/v2/media", params={"parent": found[0]["id"], "per_page": "100"}).json()
    assert len(media) == photos
