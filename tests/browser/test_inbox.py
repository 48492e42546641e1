"""The inbox (Kotak masuk) in Debian's chromium against the local stack and its Meta fake: comments and
messages arrive by signed webhook, the admin answers from Kabar and sees the clock stop, a conversation
past Meta's 24-hour window is refused with the reason, "tidak perlu dijawab" with one tap, a thread
given to a colleague. Screenshots at 360 px and 1280 px in ``.kabar/screenshots/``."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import timedelta

import pytest
import requests

from kabar.domain.clock import now
from kabar.domain.inbox import thread_key
from kabar.services import services
from kabar.usecases import inbox
from kabar.usecases.staff import add_staff
from kabar_local.demo import Http, links_to
from tests.browser.conftest import shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]

VILLAGE, OTHER = "purwobinangun", "candibinangun"
PAGE = "1000000001"  # the village's Page on the local stack (villages.json)
APP_SECRET = "local-meta-app-secret"  # noqa: S105 - the local stack's webhook secret


def signed(payload: dict) -> tuple[bytes, str]:
    raw = json.dumps(payload).encode()
    return raw, "sha256=" + hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()


def deliver(stack, payload: dict) -> dict:  # noqa: ANN001
    raw, signature = signed(payload)
    answer = requests.post(f"{stack.base_url}/webhooks/meta", data=raw, timeout=10,
                           headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature})
    assert answer.status_code == 200, answer.text
    return answer.json()


def a_post(stack, text: str) -> str:  # noqa: ANN001
    graph = stack.fake_graph
    with graph._lock:
        return graph._new_post(graph._pages[PAGE], text, []).id


def admin(name: str, village: str = VILLAGE):  # noqa: ANN201
    n = len(services().store.people(village))
    staff, _ = add_staff(village, "admin", name, f"admin{n}@{village}.desa.id", svc=services())
    return staff


def test_reply_to_a_comment_and_to_a_message_and_see_the_clock_stop(stack, new_page):
    graph = stack.fake_graph
    post = a_post(stack, "Kerja bakti membersihkan saluran irigasi Dusun Kemput")
    comment = graph.visitor_comment(post, "9988776655", "Sri Wahyuni", "Jam berapa kerja baktinya besok?")
    comment_id = comment["entry"][0]["changes"][0]["value"]["comment_id"]
    assert deliver(stack, comment)["recorded"] == 1
    message = graph.visitor_message(PAGE, "24000000000001", "Rina Lestari", "Apakah kantor desa buka hari Sabtu?")
    assert deliver(stack, message)["recorded"] == 1
    deliver(stack, graph.visitor_comment(post, "5566778899", "Budi", "Mantap, terima kasih! 👍"))
    page = new_page()
    sign_in(page, admin("Admin Inbox"))

    # the list: both threads new, the sender's name (not the number), the post commented on, time left
    page.click("nav.tabs >> text=Kotak masuk")
    page.wait_for_url(re.compile(r"/kotak-masuk$"))
    comment_row = page.locator(f'[data-thread="{thread_key("facebook:c:" + comment_id)}"]')
    message_row = page.locator(f'[data-thread="{thread_key(f"facebook:m:{PAGE}:24000000000001")}"]')
    assert comment_row.get_attribute("data-status") == "baru"
    assert "Kerja bakti membersihkan" in comment_row.inner_text()
    assert "sisa 23 jam" in comment_row.inner_text() or "sisa 24 jam" in comment_row.inner_text()
    assert "Rina Lestari" in message_row.inner_text() and "24000000000001" not in page.content()
    thanks = page.locator('[data-status="tidak_perlu_dijawab"]')
    assert "Budi" in thanks.first.inner_text()  # thanks only: no answer needed from the start
    shoot(page, "inbox-list")

    # When the admin opens the comment and replies under it
    comment_row.locator("a").first.click()
    assert page.locator("#status").get_attribute("data-status") == "perlu_dijawab"  # opened: no longer new
    page.locator(f'[data-reply-for="{comment_id}"] summary').click()
    page.locator(f'[data-reply-for="{comment_id}"] textarea').fill("Pukul 07.00 WIB, kumpul di balai dusun.")
    shoot(page, "inbox-thread-comment")
    page.locator(f'[data-reply-for="{comment_id}"] button[value="comment"]').click()
    # Then the thread is answered, the clock stopped, and Meta has the reply under the comment
    page.wait_for_url(re.compile(r"\?ok=sent$"))
    assert page.locator("#status").get_attribute("data-status") == "dijawab"
    assert page.locator("#answered").count() == 1 and page.locator("#left").count() == 0
    assert "Pukul 07.00 WIB" in page.locator(f'[data-answer-for="{comment_id}"]').inner_text()
    assert any(r["method"] == "POST" and r["path"].endswith(f"{comment_id}/comments") for r in graph.requests)

    # When the admin answers the message within the window
    page.goto(f"{stack.base_url}/app/{VILLAGE}/kotak-masuk/{thread_key(f'facebook:m:{PAGE}:24000000000001')}")
    page.fill("#message-text", "Sabtu kantor tutup, Bu. Buka Senin pukul 08.00.")
    page.click('#message-reply button[value="message"]')
    page.wait_for_url(re.compile(r"\?ok=sent$"))
    assert page.locator("#status").get_attribute("data-status") == "dijawab"
    assert graph.sent_messages[-1]["recipient"] == {"id": "24000000000001"}
    shoot(page, "inbox-thread-message")
    # and Meta's own deliveries of both answers (the Page's comment, the echo) change nothing
    for delivery in graph.webhooks:
        assert deliver(stack, delivery)["answered"] == 0


def test_a_message_past_the_window_is_refused_with_the_reason(stack, new_page):
    graph = stack.fake_graph
    old_at = now() - timedelta(hours=26)
    old = graph.visitor_message(PAGE, "24000000000002", "Pak Darto", "Syarat surat pindah apa saja?", at=old_at)
    raw, signature = signed(old)
    inbox.receive(raw, signature, services(), arrived=old_at)  # arrived 26 hours ago
    page = new_page()
    sign_in(page, admin("Admin Jendela"))
    page.goto(f"{stack.base_url}/app/{VILLAGE}/kotak-masuk/{thread_key(f'facebook:m:{PAGE}:24000000000002')}")
    # the page says plainly why it can no longer be answered from Kabar, and offers no message form
    closed = page.locator("#window-closed").inner_text()
    assert "24 jam" in closed and "tidak dapat dibalas" in closed
    assert page.locator("#message-text").count() == 0
    assert page.locator("#status").get_attribute("data-status") == "perlu_dijawab"
    shoot(page, "inbox-window-closed")
    # and a hand-made POST is refused with the same reason, Meta never asked
    asked = len(graph.sent_messages)
    csrf = page.locator('input[name="csrf"]').first.get_attribute("value")
    answer = page.request.post(page.url.split("?")[0] + "/balas",
                               form={"csrf": csrf, "how": "message", "text": "Silakan datang."}, max_redirects=0)
    assert answer.status == 409 and "24 jam" in answer.text()
    assert len(graph.sent_messages) == asked


def test_mark_no_answer_needed_and_assign_to_a_colleague(stack, new_page):
    graph = stack.fake_graph
    post = a_post(stack, "Posyandu balita bulan Desember")
    shared = graph.visitor_comment(post, "7788990011", "Wati", "Sudah saya bagikan ke grup RT 03")
    shared_id = shared["entry"][0]["changes"][0]["value"]["comment_id"]
    deliver(stack, shared)
    asked = graph.visitor_comment(post, "7788990012", "Yanto", "Untuk balita umur berapa saja?")
    asked_id = asked["entry"][0]["changes"][0]["value"]["comment_id"]
    deliver(stack, asked)
    colleague = admin("Dewi Anggraini")
    page = new_page(1280)
    sign_in(page, admin("Admin Tugas"))

    # one tap: no answer needed
    page.goto(f"{stack.base_url}/app/{VILLAGE}/kotak-masuk/{thread_key('facebook:c:' + shared_id)}")
    page.click("#no-answer")
    page.wait_for_url(re.compile(r"\?ok=no-answer$"))
    assert page.locator("#status").get_attribute("data-status") == "tidak_perlu_dijawab"
    assert page.locator("#no-answer").count() == 0

    # give the other thread to Dewi: she is named on it and has an email linking straight to it
    key = thread_key("facebook:c:" + asked_id)
    page.goto(f"{stack.base_url}/app/{VILLAGE}/kotak-masuk/{key}")
    page.select_option("#assignee", colleague.staff_id)
    page.click("#assign")
    page.wait_for_url(re.compile(r"\?ok=assigned$"))
    assert "Dewi Anggraini" in page.locator("#assigned").inner_text()
    shoot(page, "inbox-assigned")
    stack.dispatcher.wait_idle(timeout=60)
    (mail,) = Http(stack.base_url).outbox(colleague.email)
    assert links_to(mail, rf"/app/{VILLAGE}/kotak-masuk/{key}$")

    # a form from another site, or without its token, changes nothing
    other = page.request.post(f"{stack.base_url}/app/{VILLAGE}/kotak-masuk/{key}/tidak-perlu", form={"csrf": "x"},
                              max_redirects=0)
    assert other.status == 403
    # and another village's admin never sees this village's threads
    outsider = new_page()
    sign_in(outsider, admin("Admin Candi", OTHER))
    outsider.goto(f"{stack.base_url}/app/{VILLAGE}/kotak-masuk/{key}")
    assert "Tidak ditemukan" in outsider.content() and "Yanto" not in outsider.content()
    outsider.goto(f"{stack.base_url}/app/{OTHER}/kotak-masuk/{key}")
    assert "Yanto" not in outsider.content()
