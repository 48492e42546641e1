"""The reviewer's page in a real browser: loading it (as a mail scanner's browser would) decides nothing."""

import pytest

from kabar.usecases.staff import add_staff
from kabar_local.demo import Http, links_to
from kabar_local.samples import submission_payload
from kabar_local.stack import LocalStack

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]


@pytest.fixture(scope="module")
def stack():
    with LocalStack(retry_delay_seconds=1, env={"POWERTOOLS_LOG_LEVEL": "WARNING"}) as running:
        yield running


def _review_link(stack) -> tuple[str, str]:
    from kabar.domain.clock import now

    token = add_staff("purwobinangun", "submitter", "Sri", "sri@purwobinangun.desa.id")[1]
    http = Http(stack.base_url)
    payload, blobs = submission_payload(now().date(), with_video=False, channels=("website",))
    created = http.post_json("/submissions", payload, token).json()
    for instruction, blob, declared in zip(created["uploads"], blobs, payload["files"], strict=True):
        assert http.upload(instruction, blob, declared["name"], declared["content_type"]).status_code == 201
    stack.dispatcher.wait_idle(timeout=60)
    newest = http.outbox("ppid@purwobinangun.desa.id")[0]
    return links_to(newest, r"/review/")[0], created["submission_id"]


def _status(stack, submission_id: str) -> str:
    from kabar.services import services

    return services().store.get_draft("purwobinangun", submission_id, "website").status.value


def test_loading_the_page_in_a_browser_changes_nothing_and_the_button_decides(stack, page):
    link, sid = _review_link(stack)
    for _ in range(2):  # a scanner that renders the page, twice, runs no script and clicks nothing
        response = page.goto(link)
        assert response.status == 200
        assert page.get_by_role("button", name="TERIMA").is_visible()
    stack.dispatcher.wait_idle(timeout=30)
    assert _status(stack, sid) == "in_review"
    page.get_by_role("button", name="TERIMA").click()
    page.wait_for_load_state()
    assert "Keputusan tercatat" in page.content()
    stack.dispatcher.wait_idle(timeout=30)
    assert _status(stack, sid) in ("approved", "published")
    page.goto(link)
    assert "sudah diputuskan" in page.content()
