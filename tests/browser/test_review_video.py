"""The PPID watches the draft video on the review page, in Debian's chromium: an iPhone's HEVC video
(which this chromium cannot play) arrives as the published H.264/AAC copy, with the cover as poster."""

from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from kabar.domain.clock import now
from kabar.services import services
from kabar.usecases.staff import add_staff
from kabar_local import video_samples as clips
from kabar_local.demo import Http, links_to
from kabar_local.samples import submission_payload

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]

SHOTS = Path(__file__).resolve().parents[2] / ".kabar" / "screenshots"


def test_the_review_page_plays_the_draft_video_with_the_cover_as_poster(stack, browser, tmp_path):
    token = add_staff("purwobinangun", "submitter", "Sri", "sri@purwobinangun.desa.id", svc=services())[1]
    http = Http(stack.base_url)
    payload, blobs = submission_payload(now().date(), channels=("social",))
    video = clips.iphone_hevc(tmp_path / "IMG_0042.MOV", seconds=4, size="640x360").read_bytes()
    payload["files"][-1] = {"name": "IMG_0042.MOV", "kind": "video", "content_type": "video/quicktime",
                            "size": len(video)}
    blobs[-1] = video
    created = http.post_json("/submissions", payload, token).json()
    for instruction, blob, declared in zip(created["uploads"], blobs, payload["files"], strict=True):
        assert http.upload(instruction, blob, declared["name"], declared["content_type"]).status_code == 201
    stack.dispatcher.wait_idle(timeout=120)
    mail = next(m for m in http.outbox("ppid@purwobinangun.desa.id") if "Media Sosial" in m["subject"])
    link = links_to(mail, r"/review/")[0]

    page = browser.new_page(viewport={"width": 360, "height": 740}, locale="id-ID")
    assert page.goto(link).status == 200
    player = page.locator("video")
    assert player.count() == 1
    poster = player.get_attribute("poster")
    assert poster and "/files/" in poster
    cover = page.request.get(poster)
    assert cover.status == 200 and cover.headers["content-type"] == "image/jpeg"
    # H.264 + AAC is what this chromium decodes ("probably"); the phone's HEVC is not
    assert page.evaluate("document.createElement('video').canPlayType('video/mp4; codecs=\"avc1.64001F, mp4a.40.2\"')"
                         ) == "probably"
    assert page.evaluate("document.createElement('video').canPlayType('video/mp4; codecs=\"hvc1\"')") == ""
    # start playing (muted: no user gesture needed); the promise is not awaited, the state is polled
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; v.play().catch(() => {}); }")
    try:
        page.wait_for_function("() => { const v = document.querySelector('video');"
                               " return v.readyState >= 3 && v.currentTime > 1.0 && !v.error; }", timeout=30_000)
    except PlaywrightTimeout:
        detail = page.evaluate("() => { const v = document.querySelector('video'); return {ready: v.readyState,"
                               " network: v.networkState, error: v.error && v.error.message, t: v.currentTime}; }")
        raise AssertionError(f"the video did not play: {detail}") from None
    state = page.evaluate("() => { const v = document.querySelector('video');"
                          " return {w: v.videoWidth, h: v.videoHeight, d: v.duration, played: v.played.length}; }")
    assert (state["w"], state["h"]) == (640, 360) and 3.5 < state["d"] < 4.5 and state["played"] >= 1
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "review-video-360.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SHOTS / "review-video-1280.png"), full_page=True)
    page.close()
