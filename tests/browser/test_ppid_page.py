"""The PPID's one page per activity, on a 360 px phone in Debian's chromium: one email for both drafts,
the decision buttons on the first screen, the draft video playing with its cover as poster, an error
after a bad POST in view with the note focused, both drafts decided from the same page, and the
decided page in plain words (no codes, no ISO times) with the links to what went online."""

from pathlib import Path

import pytest

from kabar.domain.clock import now
from kabar.domain.wording import raw_codes
from kabar.services import services
from kabar.usecases.staff import add_staff
from kabar_local.demo import Http, links_to
from kabar_local.samples import submission_payload

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]

SHOTS = Path(__file__).resolve().parents[2] / ".kabar" / "screenshots"
PPID = "ppid@purwobinangun.desa.id"


def _in_view(page, locator) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def _shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-360.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SHOTS / f"{name}-1280.png"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 740})


def test_one_page_decides_both_drafts_of_an_activity_on_a_phone(stack, page):
    # Given a hand-over for both procedures, with a video, through the local stack
    token = add_staff("purwobinangun", "submitter", "Sri", "sri@purwobinangun.desa.id", svc=services())[1]
    http = Http(stack.base_url)
    payload, blobs = submission_payload(now().date())
    created = http.post_json("/submissions", payload, token).json()
    for instruction, blob, declared in zip(created["uploads"], blobs, payload["files"], strict=True):
        assert http.upload(instruction, blob, declared["name"], declared["content_type"]).status_code == 201
    stack.dispatcher.wait_idle(timeout=120)

    # Then the PPID gets one email for the activity, its two drafts behind one link, the video's cover in it
    mails = [m for m in http.outbox(PPID) if payload["activity"]["title"] in m["subject"]]
    assert len(mails) == 1, [m["subject"] for m in mails]
    mail = mails[0]
    assert "Media Sosial" in mail["subject"] and "Website" in mail["subject"]
    assert "Sampul video" in mail["html"] and not raw_codes(mail["html"]) and not raw_codes(mail["text"])
    (link,) = links_to(mail, r"/review/")

    # When the PPID opens it on a 360 px phone
    assert page.goto(link).status == 200
    sections = page.locator("section.draft")
    assert [sections.nth(i).get_attribute("data-procedure") for i in range(sections.count())] == ["social", "website"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
    # the first draft's buttons are on the first screen, their English sub-labels readable (white, >= 12 px)
    approve = page.locator("#d-social .bar button.approve")
    assert _in_view(page, approve) and _in_view(page, page.locator("#d-social .bar button.reject"))
    sub = approve.locator(".sub")
    style = sub.evaluate("e => { const s = getComputedStyle(e); return [s.color, parseFloat(s.fontSize)]; }")
    assert style[0] == "rgb(255, 255, 255)" and style[1] >= 12
    # the page is long (the website's article, the carousel, the video) yet the buttons never leave the screen
    assert page.evaluate("document.documentElement.scrollHeight") > 2400
    page.mouse.wheel(0, 1500)
    page.wait_for_timeout(200)
    assert any(_in_view(page, page.locator(f"#d-{p} .bar button.approve")) for p in ("social", "website"))

    # the draft video plays with the cover frame as its poster
    player = page.locator("#d-social video")
    poster = player.get_attribute("poster")
    assert poster and "/files/" in poster and page.request.get(poster).headers["content-type"] == "image/jpeg"
    page.evaluate("() => { const v = document.querySelector('#d-social video');"
                  " v.muted = true; v.play().catch(() => {}); }")
    page.wait_for_function("() => { const v = document.querySelector('#d-social video');"
                           " return v.readyState >= 2 && v.currentTime > 0.3 && !v.error; }", timeout=30_000)
    page.evaluate("window.scrollTo(0, 0)")
    _shoot(page, "ppid-activity")

    # a correction without a note: the error is in view and the note field has the focus
    with page.expect_navigation():
        page.locator("#d-social .bar button.revise").click()
    error = page.locator("#error-social")
    assert error.is_visible() and _in_view(page, error)
    assert page.evaluate("document.activeElement.id") == "note-social"
    _shoot(page, "ppid-error")
    page.fill("#note-social", "Mohon tambahkan nama dusun pada keterangan.")
    with page.expect_navigation():
        page.locator("#d-social .bar button.revise").click()
    assert page.locator("#recorded").is_visible() and "KOREKSI" in page.locator("#recorded").inner_text()
    assert "KOREKSI oleh" in page.locator("#d-social").inner_text()

    # and TERIMA for the website draft on the same page (its confirmation ticked)
    with page.expect_navigation():
        page.locator("#d-website .bar button.approve").click()
    page.check("input[name=sure]")
    with page.expect_navigation():
        page.locator("button.approve").click()
    assert "TERIMA" in page.locator("#recorded").inner_text()
    stack.dispatcher.wait_idle(timeout=120)

    # Then the page says what was decided in words, with the website's live link, and nothing in codes
    response = page.goto(link)
    assert response.status == 409  # nothing left to decide on this link
    text = page.locator("main").inner_text()
    assert "KOREKSI oleh" in text and "TERIMA oleh" in text and " WIB" in text
    assert page.locator("#d-website .decided a[href]").count() >= 1
    assert raw_codes(page.content()) == [], raw_codes(page.content())
    _shoot(page, "ppid-decided")
