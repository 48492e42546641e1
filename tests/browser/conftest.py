"""A real browser for pages: Debian's chromium, driven by Playwright (never a downloaded browser)."""

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from kabar.domain.clock import now
from kabar.services import services
from kabar.usecases.sessions import issue_sign_in_link
from kabar.usecases.staff import add_staff
from kabar_local.demo import Http, links_to
from kabar_local.samples import submission_payload
from kabar_local.stack import LocalStack

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = pytest.mark.browser
#: a person's phone browser: headless Chromium's own user agent says "HeadlessChrome", which the review
#: page refuses to act for (tests of scanners set it back)
PHONE = ("Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/131.0.0.0 Mobile Safari/537.36")


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID",
                                  timezone_id="Asia/Jakarta", user_agent=PHONE)
    yield context.new_page()
    context.close()


@pytest.fixture
def new_page(browser):
    """Pages of a phone's browser (``width`` px wide), each in its own context: its own cookies."""
    contexts = []

    def make(width: int = 360):
        # a phone's browser: a headless one that says so is refused decisions on the review page (issue 10)
        context = browser.new_context(viewport={"width": width, "height": 800}, locale="id-ID",
                                      timezone_id="Asia/Jakarta", user_agent=PHONE)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def stack():
    """The local stack, one per test module (a module may define its own, with other settings)."""
    with LocalStack(retry_delay_seconds=1, env={"POWERTOOLS_LOG_LEVEL": "WARNING"}) as running:
        yield running


@pytest.fixture
def review_link(stack) -> Callable[[], tuple[str, str]]:
    """Sends a website-only submission through the stack; each call gives (the PPID's newest review
    link, the submission id)."""
    def submit() -> tuple[str, str]:
        token = add_staff("purwobinangun", "submitter", "Sri", "sri@purwobinangun.desa.id", svc=services())[1]
        http = Http(stack.base_url)
        payload, blobs = submission_payload(now().date(), with_video=False, channels=("website",))
        created = http.post_json("/submissions", payload, token).json()
        for instruction, blob, declared in zip(created["uploads"], blobs, payload["files"], strict=True):
            assert http.upload(instruction, blob, declared["name"], declared["content_type"]).status_code == 201
        stack.dispatcher.wait_idle(timeout=60)
        newest = http.outbox("ppid@purwobinangun.desa.id")[0]
        return links_to(newest, r"/review/")[0], created["submission_id"]

    return submit


SHOTS = Path(".kabar/screenshots")


def sign_in(page, staff) -> None:  # noqa: ANN001
    """Into the workspace as a person does: their sign-in link, then the page's button."""
    page.goto(issue_sign_in_link(staff, svc=services()))
    page.click("#signin")
    page.wait_for_url(re.compile(rf"/app/{staff.tenant_id}$"))


def shoot(page, name: str) -> None:  # noqa: ANN001
    """The page at 360 px and at 1280 px, whole (.kabar/screenshots), back at 360 px after."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state("load")
    try:  # images settled; a request still open after 10 s is left to the page (the picture is for people)
        page.wait_for_load_state("networkidle", timeout=10_000)
    except PlaywrightTimeout:
        print(f"screenshot {name}: the page's network was still busy after 10 s; taken as it is")
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        # the whole page as one tall window, not a stitched full-page capture: Chromium leaves a sandboxed
        # frame (the website preview) blank outside the window in a stitched one
        height = min(16_000, page.evaluate("document.documentElement.scrollHeight"))
        page.set_viewport_size({"width": width, "height": max(800, height)})
        page.wait_for_timeout(100)  # the frame paints at its new size
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"))
    page.set_viewport_size({"width": 360, "height": 800})
