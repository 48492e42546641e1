"""The reviewer's page in a real browser: loading it (as a mail scanner's browser would) decides nothing."""

import pytest

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
