"""Connecting a WordPress by logging in, in a real browser (Debian's chromium): the site's admin logs in,
approves Kabar on WordPress's own authorize page, and Kabar stores a working application password; a
Contributor's approval is refused and stores nothing. Against the fake and a real WordPress."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from werkzeug.wrappers import Request, Response

from kabar.adapters.channels.wordpress import WordPressSite
from kabar.domain.errors import KabarError
from kabar.usecases import wordpress_connect as flow
from tests.serving import serve

from ..unit.test_wordpress_connect import Secrets, Store
from .conftest import Site, in_browser

KEY = b"connect-test-key-0123456789abcdef"

pytestmark = pytest.mark.browser


class Kabar:
    """Kabar's side of the flow, as a small web app: ``/start`` redirects to the authorize page,
    ``/callback`` runs the use case (the local stack's ``/_local/connect/wordpress`` does the same)."""

    def __init__(self, site: str) -> None:
        self.site = site
        self.store, self.secrets = Store(), Secrets()
        self.url, self.stop = serve(self.app)

    @Request.application
    def app(self, request: Request) -> Response:
        now = datetime.now(UTC)
        if request.path == "/start":
            target = flow.authorize_url("purwobinangun", self.site, f"{self.url}/callback", KEY, now)
            return Response("", status=302, headers={"Location": target})
        try:
            done = flow.connect(request.args, KEY, self.store, self.secrets,
                                lambda site, user, password: WordPressSite(site, user, password), now)
        except KabarError as err:
            return Response(f"<h1>Belum tersambung</h1><p id=why>{err.message.id}</p>", status=400,
                            mimetype="text/html")
        return Response(f"<h1>Tersambung</h1><p id=who>{done.username}</p>", mimetype="text/html")


@pytest.fixture
def kabar(wp: Site) -> Iterator[Kabar]:
    app = Kabar(wp.base_url)
    yield app
    app.stop()


def approve(wp: Site, kabar: Kabar, who: str) -> str:
    return in_browser(lambda browser: _approve(browser, wp, kabar, who))


def _approve(browser, wp: Site, kabar: Kabar, who: str) -> str:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{kabar.url}/start")
        # WordPress asks the admin to log in first, then shows its own authorize page
        page.wait_for_selector("#user_login")
        username, password = wp.login(who)
        page.fill("#user_login", username)
        page.fill("#user_pass", password)
        page.click("#wp-submit")
        page.wait_for_selector("#approve")
        page.click("#approve")
        page.wait_for_url(f"{kabar.url}/callback?*")
        page.wait_for_selector("h1")
        return page.inner_text("body")
    finally:
        context.close()


def test_the_admin_approves_and_kabar_stores_a_working_application_password(wp: Site, kabar: Kabar):
    shown = approve(wp, kabar, "admin")
    assert "Tersambung" in shown, shown
    (name,) = kabar.secrets.describe("purwobinangun")
    stored = kabar.secrets.get("purwobinangun", name)
    assert stored is not None
    assert stored["base_url"] == wp.base_url and stored["username"] == wp.login("admin")[0]
    # the stored application password works for what publishing needs
    site = WordPressSite(stored["base_url"], stored["username"], stored["application_password"])
    assert site.whoami()["capabilities"]["publish_posts"] is True
    village = kabar.store.get_village("purwobinangun")
    (channel,) = [c for c in village.channels[flow.Procedure.WEBSITE] if c.type == "wordpress"]
    assert channel.model_extra["base_url"] == wp.base_url


def test_a_contributor_approval_is_refused_and_nothing_is_stored(wp: Site, kabar: Kabar):
    shown = approve(wp, kabar, "contributor")
    assert "Belum tersambung" in shown and "publish_posts" in shown and "Editor" in shown, shown
    assert list(kabar.secrets.describe("purwobinangun")) == []
