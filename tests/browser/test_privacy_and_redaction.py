"""The privacy notice and the PPID's one-tap masking, in Debian's chromium over the local stack."""

from __future__ import annotations

import pytest

from kabar.domain.clock import now
from kabar.services import services
from kabar.usecases.staff import add_staff
from kabar_local.demo import Http, links_to
from kabar_local.samples import submission_payload

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]


def test_the_privacy_notice_is_indonesian_first_with_a_remembered_english_switch(stack, page, tmp_path):
    page.goto(f"{stack.base_url}/upload")
    page.click("text=Pemberitahuan privasi")
    assert page.url.endswith("/privasi")
    assert page.locator("h1").inner_text() == "Pemberitahuan privasi" and page.get_attribute("html", "lang") == "id"
    assert "UU 27/2022" in page.content() and "Hak Anda" in page.content()
    page.screenshot(path=str(tmp_path / "privasi-360.png"), full_page=True)
    page.click("#lang")
    assert page.locator("h1").inner_text() == "Privacy notice" and "Your rights" in page.content()
    assert page.get_attribute("html", "lang") == "en"  # a screen reader reads it as English
    # remembered: opening the notice again comes back in English
    page.goto(f"{stack.base_url}/privasi?desa=purwobinangun")
    assert page.locator("h1").inner_text() == "Privacy notice"
    assert "Kalurahan Purwobinangun" in page.content() and "ppid@purwobinangun.desa.id" in page.content()
    page.click("#lang")
    assert page.locator("h1").inner_text() == "Pemberitahuan privasi"


def _submit_with_personal_data(stack) -> str:
    token = add_staff("purwobinangun", "submitter", "Sri", "sri@purwobinangun.desa.id", svc=services())[1]
    http = Http(stack.base_url)
    payload, blobs = submission_payload(now().date(), with_video=False, channels=("website",))
    payload["narrative"] += " Bantuan diserahkan kepada warga dengan NIK 3404014508900002 di balai."
    created = http.post_json("/submissions", payload, token).json()
    for instruction, blob, declared in zip(created["uploads"], blobs, payload["files"], strict=True):
        assert http.upload(instruction, blob, declared["name"], declared["content_type"]).status_code == 201
    stack.dispatcher.wait_idle(timeout=60)
    return links_to(http.outbox("ppid@purwobinangun.desa.id")[0], r"/review/")[0]


def test_the_ppid_masks_a_finding_with_one_tap(stack, browser, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID", timezone_id="Asia/Jakarta")
    page = context.new_page()
    page.goto(_submit_with_personal_data(stack))
    findings = page.locator("[role=note]")
    assert "************0002" in findings.inner_text() and "3404014508900002" not in findings.inner_text()
    page.screenshot(path=str(tmp_path / "review-findings-1280.png"), full_page=True)
    page.locator("button:has-text('Samarkan')").first.click()
    assert "Data pribadi disamarkan" in page.locator("h1").inner_text()
    assert "versi 2" in page.content() and "[NIK disamarkan]" in page.content()
    stack.dispatcher.wait_idle(timeout=60)
    newest = Http(stack.base_url).outbox("ppid@purwobinangun.desa.id")[0]
    assert "(v2)" in newest["subject"]
    context.close()
