"""Connecting channels by logging in, in Debian's chromium against the local stack's login fakes.

Facebook + Instagram (Facebook Login, pick a Page), YouTube (Google OAuth, offline access) and
WordPress (its authorize-application page, and the manual form); a state from another session or
village refused; another village's admin can neither connect nor see; the stored credential is not
readable in the table; no token ever goes to another origin (the browser's own requests are watched).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest

from kabar.services import services
from kabar.usecases.staff import add_staff
from tests.browser.conftest import shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]

VILLAGE = "purwobinangun"
OTHER = "candibinangun"


def admin(village: str = VILLAGE):  # noqa: ANN201
    n = len(services().store.people(village))
    staff, _ = add_staff(village, "admin", f"Admin {n}", f"admin{n}@{village}.desa.id", svc=services())
    return staff


def watch(page) -> list[dict]:  # noqa: ANN001
    """Every request the browser makes: its URL and what it carried."""
    seen: list[dict] = []
    page.on("request", lambda r: seen.append({"url": r.url, "headers": r.headers, "body": r.post_data or ""}))
    return seen


def table_items(village: str) -> list[dict]:
    table = boto3.resource("dynamodb").Table(services().settings.table)
    return table.query(KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": f"T#{village}"})["Items"]


def test_connect_facebook_and_instagram_by_login(stack, new_page) -> None:
    """Given a signed-in admin, when they connect Facebook, log in at Facebook and pick the village's
    Page, then the Page and its Instagram account show as connected, the app is subscribed to the Page's
    webhooks, and the Page token is sealed in the table and never reached the browser."""
    login = stack.channel_fakes.meta_login
    page = new_page()
    requests_seen = watch(page)
    sign_in(page, admin())
    page.goto(f"{stack.base_url}/app/{VILLAGE}/settings")
    page.click("#connect-facebook")
    page.wait_for_url(re.compile(r"/facebook/v\d+\.\d+/dialog/oauth"))
    dialog = parse_qs(urlsplit(page.url).query)
    assert dialog["redirect_uri"] == [f"{stack.base_url}/app/oauth/facebook"]
    for scope in ("pages_manage_posts", "read_insights", "pages_messaging", "instagram_content_publish",
                  "instagram_manage_comments", "pages_manage_metadata"):
        assert scope in dialog["scope"][0].split(",")
    page.click("button[data-person='Admin Purwobinangun']")
    page.wait_for_selector("#pick")
    shoot(page, "connect-facebook-pick")
    assert page.locator("input[data-choice='Purwobinangun']").count() == 1
    assert page.locator("input[data-choice='Karang Taruna Purwobinangun']").count() == 1
    page.check("input[data-choice='Purwobinangun']")
    page.click("#pick-submit")
    page.wait_for_url(re.compile(r"/settings\?ok=connected-facebook"))
    shoot(page, "connect-facebook-done")

    facebook = page.locator("li[data-channel='facebook']")
    assert facebook.locator("[data-status='connected']").count() == 1
    instagram = page.locator("li[data-channel='instagram']")
    assert instagram.locator("[data-status='connected']").count() == 1
    assert "@purwobinangun" in instagram.inner_text()

    village = services().store.get_village(VILLAGE)
    social = {c.type: c for c in village.channels["social"]}
    assert social["facebook"].page_id in login.subscriptions
    assert "feed" in login.subscriptions[social["facebook"].page_id]
    assert social["instagram"].model_extra["ig_user_id"].startswith("17841")
    token = services().credentials.get(VILLAGE, social["facebook"].secret_name)["page_access_token"]

    # sealed: neither the token nor the user token is readable in the table
    raw = repr(table_items(VILLAGE))
    assert token not in raw and "EAAL" not in raw and "EAAS" not in raw
    # never shown, never sent to the browser or from it to anyone
    assert token not in page.content()
    for request in requests_seen:
        assert token not in request["url"] + request["body"] + repr(request["headers"])
        assert "client_secret" not in request["url"] + request["body"]

    # "test connection" asks Meta with the stored token
    page.goto(f"{stack.base_url}/app/{VILLAGE}/settings")
    page.locator("li[data-channel='facebook'] button[id^='test-']").click()
    assert "Koneksi berhasil" in page.locator("#tested").inner_text()


def test_facebook_login_refused_or_replayed_changes_nothing(stack, new_page) -> None:
    """A cancelled login, a replayed callback and a state from another session are refused."""
    page = new_page()
    sign_in(page, admin())
    before = services().store.get_village(VILLAGE)
    page.goto(f"{stack.base_url}/app/{VILLAGE}/settings")
    page.click("#connect-facebook")
    page.wait_for_url(re.compile(r"/dialog/oauth"))
    page.click("#cancel")
    page.wait_for_load_state()
    assert "Login Facebook dibatalkan" in page.content()
    assert services().store.get_village(VILLAGE) == before

    # a state begun by one admin's browser, finished in another admin's browser: refused
    page.goto(f"{stack.base_url}/app/{VILLAGE}/settings")
    page.click("#connect-facebook")
    page.wait_for_url(re.compile(r"/dialog/oauth"))
    page.click("button[data-person='Admin Purwobinangun']")
    page.wait_for_selector("#pick")
    callback = page.evaluate("() => performance.getEntriesByType('navigation')[0].name")
    # the same callback again (a replay) is refused
    page.goto(callback)
    assert "tidak berlaku" in page.content()
    other = new_page()
    sign_in(other, admin())
    page.goto(f"{stack.base_url}/app/{VILLAGE}/settings")
    page.click("#connect-facebook")
    page.wait_for_url(re.compile(r"/dialog/oauth"))
    state = parse_qs(urlsplit(page.url).query)["state"][0]
    other.goto(f"{stack.base_url}/app/oauth/facebook?code=anything&state={state}")
    assert "tidak berlaku" in other.content()
    # a forged state
    other.goto(f"{stack.base_url}/app/oauth/facebook?code=x&state={VILLAGE}.{'A' * 43}")
    assert "tidak berlaku" in other.content()
    assert services().store.get_village(VILLAGE) == before


def test_another_village_can_neither_connect_nor_see(stack, new_page) -> None:
    page = new_page()
    requests_seen = watch(page)
    sign_in(page, admin(OTHER))
    page.goto(f"{stack.base_url}/app/{VILLAGE}/settings")
    assert page.locator("#connect-facebook").count() == 0
    assert "Tidak ditemukan" in page.content()
    # posting the connect form to another village's settings: refused before anything is made
    csrf = page.evaluate("() => 1") and ""
    response = page.request.post(f"{stack.base_url}/app/{VILLAGE}/settings/connect/facebook",
                                 form={"csrf": csrf}, headers={"Origin": stack.base_url})
    assert response.status in (403, 404)
    # a state made for VILLAGE, opened by OTHER's admin: not found, nothing connected
    victim = new_page()
    sign_in(victim, admin())
    victim.goto(f"{stack.base_url}/app/{VILLAGE}/settings")
    victim.click("#connect-facebook")
    victim.wait_for_url(re.compile(r"/dialog/oauth"))
    state = parse_qs(urlsplit(victim.url).query)["state"][0]
    page.goto(f"{stack.base_url}/app/oauth/facebook?code=x&state={state}")
    assert "Tidak ditemukan" in page.content()
    assert not any("/dialog/oauth" in r["url"] for r in requests_seen)


def test_connect_youtube_by_google_sign_in_and_upload(stack, new_page) -> None:
    page = new_page()
    sign_in(page, admin())
    page.goto(f"{stack.base_url}/app/{VILLAGE}/settings")
    page.click("#connect-youtube")
    page.wait_for_url(re.compile(r"/google/o/oauth2/v2/auth"))
    consent = parse_qs(urlsplit(page.url).query)
    assert consent["access_type"] == ["offline"]
    assert "https://www.googleapis.com/auth/youtube.upload" in consent["scope"][0].split()
    page.click(f"button[data-account='media.{VILLAGE}@gmail.com']")
    page.wait_for_selector("#pick")
    page.click("#pick-submit")
    page.wait_for_url(re.compile(r"ok=connected-google"))
    youtube = page.locator("li[data-channel='youtube']")
    assert youtube.locator("[data-status='connected']").count() == 1
    assert "Kanal Purwobinangun" in youtube.inner_text()
    # uploads tested: "test connection" opens an upload session with the stored refresh token
    youtube.locator("button[id^='test-']").click()
    assert "Koneksi berhasil" in page.locator("#tested").inner_text()
    account = next(a for a in stack.channel_fakes.google_login.accounts if a.email == f"media.{VILLAGE}@gmail.com")
    assert any(entry["edge"] == "init" for entry in account.youtube.requests)
    refresh = account.youtube.client[2]
    assert refresh not in repr(table_items(VILLAGE))
    assert refresh not in page.content()


def test_connect_wordpress_by_authorize_application_and_by_hand(stack, new_page) -> None:
    fakes = stack.channel_fakes
    from kabar_local.fakes.channels import WP_PASSWORD, WP_USER
    from kabar_local.fakes.wordpress import FakeWordPress

    site = FakeWordPress(WP_USER, WP_PASSWORD)
    site.base_url = f"{stack.base_url}/wordpress/{VILLAGE}"
    site.users[WP_USER].login_password = "kata-sandi-admin"  # noqa: S105 - the fake site's login
    fakes.wordpress[VILLAGE] = site
    page = new_page()
    sign_in(page, admin())
    page.goto(f"{stack.base_url}/app/{VILLAGE}/settings")
    page.fill("#wp-site", site.base_url)
    page.click("#connect-wordpress")
    page.wait_for_url(re.compile(r"/wp-(login|admin)"))
    shoot(page, "connect-wordpress-authorize")
    if page.locator("#user_login").count():
        page.fill("#user_login", WP_USER)
        page.fill("#user_pass", "kata-sandi-admin")
        page.click("#wp-submit")
    page.click("#approve")
    page.wait_for_url(re.compile(r"ok=connected-wordpress"))
    wordpress = page.locator("li[data-channel='wordpress']")
    assert wordpress.locator("[data-status='connected']").count() == 1
    village = services().store.get_village(VILLAGE)
    config = next(c for c in village.channels["website"] if c.type == "wordpress")
    stored = services().credentials.get(VILLAGE, config.secret_name)
    assert stored["username"] == WP_USER and stored["application_password"] not in repr(table_items(VILLAGE))
    wordpress.locator("button[id^='test-']").click()
    assert "Koneksi berhasil" in page.locator("#tested").inner_text()

    # the manual form: a wrong password is refused with WordPress's reason, nothing replaced
    page.click("#wordpress-manual summary")
    page.fill("#wpm-site", site.base_url)
    page.fill("#wpm-user", WP_USER)
    page.fill("#wpm-pass", "salah salah salah salah")
    page.click("#connect-wordpress-manual")
    assert page.locator("p.error").count() == 1
    assert services().credentials.get(VILLAGE, config.secret_name) == stored


def test_a_dead_token_is_reconnected_from_the_emails_link(stack, new_page) -> None:
    """Given the village's Page token ended (Meta refuses it), when the daily token check runs, then the
    admins' email links to the village settings; the admin follows it, reconnects Facebook, and the
    channel works again."""
    from datetime import timedelta

    from kabar.domain.clock import now
    from kabar_local.demo import Http, links_to
    from kabar_local.fakes.channels import page_token

    token = page_token(VILLAGE)
    stack.fake_graph.set_token_expiry(token, now() - timedelta(hours=1))
    try:
        stack.invoke("TokenWatchFunction", {})
        stack.dispatcher.wait_idle(timeout=60)
        mail = next(m for m in Http(stack.base_url).outbox(f"admin@{VILLAGE}.desa.id")
                    if "tidak berlaku lagi" in m["subject"])
        (link,) = links_to(mail, r"/app/purwobinangun/settings")
        assert "secret" not in repr(mail).lower().replace("client_secret", "")
    finally:
        # Meta gives a working Page token at the next login (the fake's page keeps its token string)
        stack.fake_graph.set_token_expiry(token, None)
    page = new_page()
    sign_in(page, admin())
    page.goto(link)
    assert page.url.endswith("/app/purwobinangun/settings#kanal")
    page.click("#connect-facebook")
    page.wait_for_url(re.compile(r"/dialog/oauth"))
    page.click("button[data-person='Admin Purwobinangun']")
    page.check("input[data-choice='Purwobinangun']")
    page.click("#pick-submit")
    page.wait_for_url(re.compile(r"ok=connected-facebook"))
    page.locator("li[data-channel='facebook'] button[id^='test-']").click()
    assert "Koneksi berhasil" in page.locator("#tested").inner_text()
