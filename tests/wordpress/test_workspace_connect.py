"""The village's admin connects its WordPress from the workspace (village settings) in Debian's chromium:
WordPress's own login and authorize page, back to Kabar, the application password sealed in the table,
then "Uji koneksi" checks the account may upload media, create the category and publish. Against the
fake and, under ``make test-wordpress``, a real WordPress."""

from __future__ import annotations

import re

import pytest

from kabar.adapters.channels.wordpress import WordPressSite
from kabar.services import services
from kabar.usecases.sessions import issue_sign_in_link
from kabar.usecases.staff import add_staff
from kabar_local.stack import LocalStack

from .conftest import Site, in_browser

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]

VILLAGE = "purwobinangun"
PHONE = ("Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/131.0.0.0 Mobile Safari/537.36")


@pytest.fixture(scope="module")
def stack():
    with LocalStack(retry_delay_seconds=1, env={"POWERTOOLS_LOG_LEVEL": "WARNING"}) as running:
        yield running


def test_the_admin_connects_wordpress_from_the_village_settings(wp: Site, stack) -> None:
    n = len(services().store.people(VILLAGE))
    staff, _ = add_staff(VILLAGE, "admin", f"Admin {n}", f"admin{n}@{VILLAGE}.desa.id", svc=services())
    link = issue_sign_in_link(staff, svc=services())
    username, password = wp.login("admin")

    def steps(browser) -> tuple[str, str, list[str]]:  # noqa: ANN001
        context = browser.new_context(viewport={"width": 360, "height": 800}, locale="id-ID", user_agent=PHONE)
        page = context.new_page()
        seen: list[str] = []
        page.on("request", lambda r: seen.append(r.url + " " + (r.post_data or "")))
        try:
            page.goto(link)
            page.click("#signin")
            page.wait_for_url(re.compile(rf"/app/{VILLAGE}$"))
            page.goto(f"{stack.base_url}/app/{VILLAGE}/settings")
            page.fill("#wp-site", wp.base_url)
            page.click("#connect-wordpress")
            page.wait_for_selector("#user_login")  # WordPress's own login, then its authorize page
            page.fill("#user_login", username)
            page.fill("#user_pass", password)
            page.click("#wp-submit")
            page.wait_for_selector("#approve")
            page.click("#approve")
            page.wait_for_url(re.compile(r"/settings\?ok=connected-wordpress"))
            page.locator("li[data-channel='wordpress'] button[id^='test-']").click()
            return page.locator("#tested").inner_text(), page.content(), seen
        finally:
            context.close()

    tested, html, seen = in_browser(steps)
    assert "Koneksi berhasil" in tested and "menerbitkan" in tested
    village = services().store.get_village(VILLAGE)
    config = next(c for c in village.channels["website"] if c.type == "wordpress")
    stored = services().credentials.get(VILLAGE, config.secret_name)
    assert stored["username"] == username and config.model_extra["base_url"] == wp.base_url.rstrip("/")
    # the new application password works, and was never shown on Kabar's page
    me = WordPressSite(stored["base_url"], stored["username"], stored["application_password"]).whoami()
    assert me["capabilities"].get("publish_posts")
    assert stored["application_password"] not in html
    # after WordPress handed it over, the browser never carried it to anyone but Kabar's own callback
    carriers = [u for u in seen if stored["application_password"].replace(" ", "+") in u
                or stored["application_password"] in u]
    assert carriers and all(u.startswith(f"{stack.base_url}/app/oauth/wordpress?") for u in carriers)
