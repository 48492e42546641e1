"""The submitter's upload page in a real browser at 360 px: what the SOP still lacks, progress bars,
photos straight to storage, a big video in parts that survives a broken connection and a reload."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kabar.services import services
from kabar.usecases.staff import add_staff
from kabar_local import samples
from kabar_local.stack import LocalStack

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]

MIB = 1024 * 1024
SHOTS = Path(__file__).resolve().parents[2] / ".kabar" / "screenshots"
SHOTS.mkdir(parents=True, exist_ok=True)
VIDEO_SIZE = 5 * MIB + 200_000  # two parts: 5 MiB (the smallest S3 allows) and the rest


@pytest.fixture(scope="module")
def stack():
    env = {"POWERTOOLS_LOG_LEVEL": "WARNING", "KABAR_MULTIPART_THRESHOLD_BYTES": str(5 * MIB),
           "KABAR_MULTIPART_PART_BYTES": str(5 * MIB)}
    with LocalStack(retry_delay_seconds=1, env=env) as running:
        yield running


def _photo(n: int) -> dict:
    return {"name": f"IMG_{n:04d}.jpg", "mimeType": "image/jpeg", "buffer": samples.photo(n, size=(800, 600))}


@pytest.fixture(scope="module")
def video_file(tmp_path_factory):
    """On disk: the browser reads a path itself (a buffer would cross the driver's pipe, base64-encoded)."""
    head = samples.video()
    path = tmp_path_factory.mktemp("video") / "VID_kerja_bakti.mp4"
    path.write_bytes(head + b"\0" * (VIDEO_SIZE - len(head)))
    return path


def _open(stack, page) -> None:
    token = add_staff("purwobinangun", "submitter", "Sri", "sri@purwobinangun.desa.id", svc=services())[1]
    page.goto(f"{stack.base_url}/upload#token={token}")
    assert "token=" not in page.url  # the token leaves the address bar (and the history)


def _fill(page, photos: int, video=None) -> None:  # noqa: ANN001 - a path
    page.fill("#title", "Kerja Bakti Saluran Irigasi")
    page.fill("#date", "2026-11-27")
    page.fill("#location", "Dusun Ngepring")
    page.fill("#narrative", samples.NARRATIVE)
    if photos:
        page.set_input_files("#photos", [_photo(i) for i in range(1, photos + 1)])
    if video:
        page.set_input_files("#video", video)


def _sid(page) -> str:
    return page.evaluate("JSON.parse(localStorage.getItem('kabar-history'))[0].sid")


def test_the_page_says_what_the_sop_still_lacks_in_either_language(stack, page):
    _open(stack, page)
    _fill(page, photos=2)
    missing = page.locator("#missing")
    assert "Kurang 2 foto" in missing.inner_text()
    assert "Video wajib untuk media sosial" in missing.inner_text()
    page.click("#lang")
    assert "2 photo(s) missing" in missing.inner_text()
    assert page.get_by_text("Upload an activity's documentation").is_visible()
    page.click("#lang")
    page.uncheck("input[value=social]")  # the website needs no video
    assert "Video wajib" not in missing.inner_text()
    page.set_input_files("#photos", [_photo(i) for i in range(1, 5)])
    assert not missing.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # one thumb, no sideways scrolling


def test_photos_upload_with_progress_and_the_submission_shows_its_status(stack, page):
    _open(stack, page)
    _fill(page, photos=4)
    page.uncheck("input[value=social]")
    page.click("#send")
    expect(page.locator("#overall-pct")).to_have_text("100%", timeout=20_000)
    expect(page.locator("#status")).to_contain_text("Semua berkas terkirim")
    assert page.locator("#bars progress").count() == 4
    assert "Semua berkas terkirim" in page.locator("#status").inner_text()
    stack.dispatcher.wait_idle(timeout=30)
    page.reload()
    row = page.locator(f"#history-list li[data-sid='{_sid(page)}']")
    row.wait_for(timeout=10_000)
    assert "4/4 berkas diterima" in row.inner_text()


def test_a_big_video_broken_off_midway_resumes_after_a_reload_without_sending_stored_parts(stack, page, video_file):
    sent: list[int] = []
    cut = {"on": True}

    def parts(route):
        number = int(re.search(r"partNumber=(\d+)", route.request.url)[1])
        if route.request.method == "PUT":
            if cut["on"] and number == 2:
                route.abort("connectionreset")  # the phone loses the network in the middle of the video
                return
            sent.append(number)
        route.continue_()

    page.route(re.compile(r".*[?&]uploadId=.*"), parts)
    _open(stack, page)
    _fill(page, photos=4, video=video_file)
    page.click("#send")
    page.locator("#retry").wait_for(state="visible", timeout=30_000)
    assert "belum terkirim" in page.locator("#status").inner_text()
    assert sent == [1]

    cut["on"] = False
    page.reload()
    resume = page.locator("#resume")
    assert resume.is_visible() and "VID_kerja_bakti.mp4" in resume.inner_text()
    page.set_input_files("#resume-pick", video_file)
    expect(page.locator("#status")).to_contain_text("Semua berkas terkirim", timeout=30_000)
    assert sent == [1, 2]  # part 1 was not sent again
    assert page.evaluate("localStorage.getItem('kabar-pending')") is None
    stack.dispatcher.wait_idle(timeout=30)

    from kabar.services import services

    submission = services().store.get_submission("purwobinangun", _sid(page))
    assert submission.status.value == "complete"


# -- the submitter's side of issue 11 ------------------------------------------------------------


def test_an_invalid_link_is_refused_on_load_and_a_valid_one_says_whose_it_is(stack, page):
    page.goto(f"{stack.base_url}/upload#token=purwobinangun.{'x' * 43}")
    who = page.locator("#who")
    expect(who).to_contain_text("Tautan ini tidak sah", timeout=10_000)
    assert not page.locator("#form").is_visible()  # refused before anything is filled in
    page.click("#lang")
    expect(who).to_contain_text("This link is not valid")
    page.click("#lang")
    token = add_staff("purwobinangun", "submitter", "Sri Rahayu", "sri@purwobinangun.desa.id", svc=services())[1]
    page.goto(f"{stack.base_url}/upload#token={token}")
    page.reload()  # the token was moved out of the address bar into this tab's session
    expect(who).to_contain_text("Tautan pribadi Sri Rahayu (pengirim dokumentasi, Kalurahan Purwobinangun)",
                                timeout=10_000)
    assert page.locator("#form").is_visible()
    page.screenshot(path=str(SHOTS / "upload-who-360.png"), full_page=True)


def test_a_refused_file_is_replaced_from_the_page_and_the_history_comes_from_the_server(stack, page):
    from kabar.domain.clock import now
    from kabar_local.demo import Http

    token = add_staff("purwobinangun", "submitter", "Sri", "sri@purwobinangun.desa.id", svc=services())[1]
    http = Http(stack.base_url)
    payload, blobs = samples.submission_payload(now().date(), with_video=False, channels=("website",))
    created = http.post_json("/submissions", payload, token).json()
    bad = b"<html>bukan foto</html>".ljust(len(blobs[0]), b" ")
    for instruction, blob, declared in zip(created["uploads"], [bad, *blobs[1:]], payload["files"], strict=True):
        assert http.upload(instruction, blob, declared["name"], declared["content_type"]).status_code == 201
    stack.dispatcher.wait_idle(timeout=60)
    sid = created["submission_id"]
    # a new browser (nothing in its storage) shows the submission from the server, the refused file first
    page.goto(f"{stack.base_url}/upload#token={token}")
    row = page.locator(f"#history-list li[data-sid='{sid}']")
    row.wait_for(timeout=10_000)
    assert page.evaluate("localStorage.getItem('kabar-history')") is None
    assert "menunggu berkas" in row.inner_text() and "4/5 berkas diterima" in row.inner_text()
    expect(row.locator("label.replace")).to_contain_text(f"Ganti berkas {payload['files'][0]['name']}")
    page.screenshot(path=str(SHOTS / "upload-replace-360.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SHOTS / "upload-replace-1280.png"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 740})
    # the right photo goes in its place, and the submission completes
    row.locator("label.replace input[type=file]").set_input_files(_photo(7))
    expect(page.locator("#bars")).to_contain_text("Terkirim", timeout=20_000)
    stack.dispatcher.wait_idle(timeout=60)
    page.reload()
    row = page.locator(f"#history-list li[data-sid='{sid}']")
    expect(row).to_contain_text("5/5 berkas diterima", timeout=10_000)
    # one state, from the server: no longer waiting for files, never "lengkap, diproses admin" beside a draft's
    assert row.locator("[data-state]").get_attribute("data-state") in ("drafting", "with_ppid")
    assert "menunggu berkas" not in row.inner_text() and row.locator("label.replace").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # a photo the hand-over did not declare is added from the same row, through the same upload flow
    row.locator("label.add input[type=file]").set_input_files(_photo(8))
    expect(page.locator("#bars")).to_contain_text("Terkirim", timeout=20_000)
    stack.dispatcher.wait_idle(timeout=60)
    page.reload()
    row = page.locator(f"#history-list li[data-sid='{sid}']")
    expect(row).to_contain_text("6/6 berkas diterima", timeout=10_000)
    page.screenshot(path=str(SHOTS / "upload-added-360.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SHOTS / "upload-added-1280.png"), full_page=True)
