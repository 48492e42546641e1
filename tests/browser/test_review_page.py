"""The reviewer's page in a real browser: loading it (as a mail scanner's browser would) decides nothing."""

import re

import pytest
import requests

from tests.browser.conftest import shoot

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]


def _status(stack, submission_id: str) -> str:
    from kabar.services import services

    return services().store.get_draft("purwobinangun", submission_id, "website").status.value


def test_loading_the_page_in_a_browser_changes_nothing_and_the_button_decides(stack, page, review_link):
    link, sid = review_link()
    for _ in range(2):  # a scanner that renders the page, twice, runs no script and clicks nothing
        response = page.goto(link)
        assert response.status == 200
        assert page.get_by_role("button", name="TERIMA").is_visible()
    stack.dispatcher.wait_idle(timeout=30)
    assert _status(stack, sid) == "in_review"
    page.get_by_role("button", name="TERIMA").click()
    page.wait_for_load_state()
    assert "Yakin menerbitkan" in page.content()  # the confirmation step: nothing decided yet
    stack.dispatcher.wait_idle(timeout=30)
    assert _status(stack, sid) == "in_review"
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Ya, TERIMA").click()
    page.wait_for_load_state()
    assert "Keputusan tercatat" in page.content()
    stack.dispatcher.wait_idle(timeout=30)
    assert _status(stack, sid) in ("approved", "published")
    page.goto(link)
    assert "sudah diputuskan" in page.content()


def test_the_page_is_in_bahasa_indonesia_and_its_english_is_shown_on_request_consuming_nothing(stack, page,
                                                                                               review_link):
    link, sid = review_link()
    page.goto(link)
    assert page.get_attribute("html", "lang") == "id"
    main = page.locator("main").inner_text()
    assert "Keputusan PPID" in main and "(PPID decision)" not in main and "English" in main
    shoot(page, "review-page-id")
    # the English link is a plain GET: a mail scanner fetching it (GET, HEAD) decides and uses nothing
    scanner = requests.get(f"{link}?lang=en", timeout=10, headers={"User-Agent": "Microsoft Office SafeLinks"})
    assert scanner.status_code == 200 and '<html lang="en">' in scanner.text
    assert requests.head(f"{link}?lang=en", timeout=10).status_code == 200
    page.click("#lang-en")
    page.wait_for_url(re.compile(r"\?lang=en$"))
    assert page.get_attribute("html", "lang") == "en"
    main = page.locator("main").inner_text()
    assert "(PPID decision)" in main and "Bahasa Indonesia" in main and "English" not in main.split("\n")[0]
    shoot(page, "review-page-en")
    stack.dispatcher.wait_idle(timeout=30)
    assert _status(stack, sid) == "in_review"
    # the page's forms post to the same address: the confirmation and the answer stay in English
    page.get_by_role("button", name="TERIMA").click()
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en" and "(Publish this?)" in page.locator("main").inner_text()
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Ya, TERIMA").click()
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en" and "Keputusan tercatat" in page.content()
    assert "(Recorded: approved, it will be published.)" in page.locator("main").inner_text()
    stack.dispatcher.wait_idle(timeout=30)
    assert _status(stack, sid) in ("approved", "published")
    page.click("#lang-id")
    assert page.get_attribute("html", "lang") == "id" and "sudah diputuskan" in page.content()
