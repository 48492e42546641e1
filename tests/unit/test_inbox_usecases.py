"""The inbox's use cases on the in-memory store (no AWS, no Meta): the signed webhook records each comment
or message once and settles what the Page answered; the daily digest is promised once a day; answering,
hiding, settling and assigning from Kabar change each thing once, audited; one village never sees
another's inquiries.

The same flows against DynamoDB and the Meta fakes over HTTP: tests/integration/test_inbox.py and
test_inbox_threads.py."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta

import pytest

from kabar.domain.clock import WIB
from kabar.domain.errors import InvalidInput, NotFound
from kabar.domain.models import ChannelConfig, Contact, Procedure, Role, Staff, Village
from kabar.ports import TransientChannelError
from kabar.usecases import inbox, inbox_threads
from tests.fakes import memory_services, settle

VILLAGE, OTHER = "purwobinangun", "candibinangun"
PAGE, OTHER_PAGE = "1234567890", "5550001111"
APP_SECRET, VERIFY = "app-secret-unit", "verify-unit"
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=WIB)


def village(vid: str, page: str) -> Village:
    return Village(id=vid, name=f"Kalurahan {vid.title()}", kabupaten="Sleman",
                   reviewers=[Contact(name="PPID", email=f"ppid@{vid}.desa.id")],
                   admins=[Contact(name="Admin", email=f"admin@{vid}.desa.id")],
                   channels={Procedure.SOCIAL: [ChannelConfig(type="facebook", page_id=page, secret_name="s")]})


@pytest.fixture
def svc():
    svc = memory_services()
    svc.secrets.values[svc.settings.meta_webhook_secret] = {"app_secret": APP_SECRET, "verify_token": VERIFY}
    svc.store.put_village(village(VILLAGE, PAGE))
    svc.store.put_village(village(OTHER, OTHER_PAGE))
    inbox.forget_pages()
    yield svc
    inbox.forget_pages()


def admin(svc, vid: str = VILLAGE, sid: str = "a1b2c3d4e5f6", name: str = "Admin") -> Staff:
    person = Staff(tenant_id=vid, staff_id=sid, role=Role.ADMIN, name=name, email=f"{name.lower()}@{vid}.desa.id",
                   created_at=T0)
    svc.store.put_staff(person, f"h-{sid}")
    return person


def signed(payload: dict, secret: str = APP_SECRET) -> tuple[bytes, str]:
    raw = json.dumps(payload).encode()
    return raw, "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def comment(comment_id: str, text: str, page: str = PAGE, author: tuple[str, str] = ("998877", "Sri Wahyuni"),
            parent: str | None = None, verb: str = "add") -> dict:
    post = f"{page}_111"
    value = {"item": "comment", "verb": verb, "comment_id": comment_id, "post_id": post, "parent_id": parent or post,
             "from": {"id": author[0], "name": author[1]}, "message": text, "created_time": 1795486490}
    return {"object": "page", "entry": [{"id": page, "time": 1795486500, "changes": [{"field": "feed",
                                                                                      "value": value}]}]}


def message(mid: str, text: str, sender: str = "psid-1", page: str = PAGE) -> dict:
    return {"object": "page", "entry": [{"id": page, "time": 1, "messaging": [
        {"sender": {"id": sender}, "recipient": {"id": page}, "timestamp": 1795486500000,
         "message": {"mid": mid, "text": text}}]}]}


def receive(svc, payload: dict, at: datetime = T0) -> dict:
    raw, signature = signed(payload)
    return inbox.receive(raw, signature, svc=svc, arrived=at)


# --- the webhook --------------------------------------------------------------------------------------------

def test_the_handshake_and_the_signature_guard_the_webhook(svc):
    params = {"hub.mode": "subscribe", "hub.challenge": "42", "hub.verify_token": VERIFY}
    assert inbox.verify_subscription(params, svc=svc) == "42"
    with pytest.raises(inbox.Forbidden):
        inbox.verify_subscription({**params, "hub.verify_token": "guess"}, svc=svc)
    raw, _ = signed(comment(f"{PAGE}_111_1", "Kapan posyandu?"))
    for signature in (None, signed(comment("x", "y"))[1], "sha256=" + "0" * 64):
        with pytest.raises(inbox.Forbidden):
            inbox.receive(raw, signature, svc=svc, arrived=T0)
    assert svc.store.get_inquiry(VILLAGE, f"{PAGE}_111_1") is None


def test_a_comment_is_recorded_once_and_the_pages_reply_answers_it(svc):
    question = comment(f"{PAGE}_111_301", "Jam berapa posyandu besok? 🙏")
    assert receive(svc, question) == {"recorded": 1, "duplicates": 0, "answered": 0}
    assert receive(svc, question) == {"recorded": 0, "duplicates": 1, "answered": 0}
    reply = comment(f"{PAGE}_111_302", "Pukul 08.00 WIB.", author=(PAGE, "Kalurahan"), parent=f"{PAGE}_111_301")
    assert receive(svc, reply, T0 + timedelta(hours=1)) == {"recorded": 0, "duplicates": 0, "answered": 1}
    assert receive(svc, reply, T0 + timedelta(hours=1))["answered"] == 0  # a redelivery answers nothing twice
    inq = svc.store.get_inquiry(VILLAGE, f"{PAGE}_111_301")
    assert inq.answered_via == "meta" and inq.answered_at == T0  # Meta's time, never before it arrived
    assert svc.store.get_inquiry(VILLAGE, f"{PAGE}_111_302") is None  # the Page's own reply is no question
    assert svc.store.get_inquiry(OTHER, f"{PAGE}_111_301") is None


def test_each_village_receives_only_its_own_pages_inquiries(svc):
    receive(svc, comment(f"{OTHER_PAGE}_111_9", "Kapan pasar murah?", page=OTHER_PAGE))
    receive(svc, comment("999_111_9", "Halo?", page="999"))  # a Page of no village: recorded nowhere
    assert [i.inquiry_id for i in svc.store.inquiries_in_month(OTHER, "2026-11")] == [f"{OTHER_PAGE}_111_9"]
    assert svc.store.inquiries_in_month(VILLAGE, "2026-11") == []
    assert inbox_threads.inbox(svc.store.get_village(VILLAGE), svc.store, T0) == []


def test_thanks_need_no_answer_and_an_edit_or_removal_applies_once(svc):
    receive(svc, comment(f"{PAGE}_111_5", "Mantap, terima kasih! 👍"))
    assert svc.store.get_inquiry(VILLAGE, f"{PAGE}_111_5").no_answer == "thanks"
    receive(svc, comment(f"{PAGE}_111_6", "Kapan BLT cair"))
    edited = comment(f"{PAGE}_111_6", "Kapan BLT cair, Pak?", verb="edited")
    assert receive(svc, edited, T0 + timedelta(minutes=5))["revised"] == 1
    assert "revised" not in receive(svc, edited, T0 + timedelta(minutes=5))
    assert svc.store.get_inquiry(VILLAGE, f"{PAGE}_111_6").text == "Kapan BLT cair, Pak?"
    removed = comment(f"{PAGE}_111_6", "", verb="remove")
    assert receive(svc, removed, T0 + timedelta(minutes=9))["revised"] == 1
    assert svc.store.get_inquiry(VILLAGE, f"{PAGE}_111_6").no_answer == "deleted"


def test_the_daily_digest_is_promised_once_a_day_overdue_first(svc):
    as_of = datetime(2026, 11, 27, 7, tzinfo=WIB)
    receive(svc, message("m_recent", "Halo, saya mau tanya (m_recent)", "psid-a"), as_of - timedelta(hours=20))
    receive(svc, message("m_old", "Halo, saya mau tanya (m_old)", "psid-b"), as_of - timedelta(hours=30))
    assert inbox.send_digests(as_of=as_of, svc=svc) == {"sent": 1}
    assert inbox.send_digests(as_of=as_of + timedelta(hours=3), svc=svc) == {"sent": 0}  # the same day
    settle(svc, as_of)
    (mail,) = svc.mailer.to(f"admin@{VILLAGE}.desa.id")
    assert "1 lewat batas" in mail.subject and mail.text.index("m_old") < mail.text.index("m_recent")
    assert svc.mailer.to(f"admin@{OTHER}.desa.id") == []  # nothing waits there
    assert inbox.send_digests(as_of=as_of + timedelta(days=1), svc=svc) == {"sent": 1}  # the next day, again


# --- answering from Kabar -----------------------------------------------------------------------------------

def key_of(svc, inquiry_id: str) -> str:
    return svc.store.get_inquiry(VILLAGE, inquiry_id).thread_key


def test_a_reply_from_kabar_answers_the_comment_and_its_earlier_replies_once_audited(svc):
    boss = admin(svc)
    receive(svc, comment(f"{PAGE}_111_1", "Kapan posyandu?"))
    receive(svc, comment(f"{PAGE}_111_2", "Di mana?", parent=f"{PAGE}_111_1"), T0 + timedelta(minutes=1))
    key = key_of(svc, f"{PAGE}_111_1")
    village_ = svc.store.get_village(VILLAGE)
    replies = svc.channels.replies
    at = T0 + timedelta(hours=1)
    answer = inbox_threads.reply(boss, village_, key, "comment", "Besok 08.00 di balai.", svc.store, replies, at,
                                 inquiry_id=f"{PAGE}_111_2")
    assert replies.calls == [("reply", "facebook", f"{PAGE}_111_2", "Besok 08.00 di balai.")]
    for iid in (f"{PAGE}_111_1", f"{PAGE}_111_2"):
        got = svc.store.get_inquiry(VILLAGE, iid)
        assert (got.answer_id, got.answered_via) == (answer, "kabar")
    # Meta's echo of the same reply changes nothing
    echo = comment(answer, "Besok 08.00 di balai.", author=(PAGE, "Kalurahan"), parent=f"{PAGE}_111_2")
    assert receive(svc, echo, at)["answered"] == 0
    assert [e.action for e in svc.store.workspace_audit(VILLAGE)] == ["inbox_answered"]
    with pytest.raises(inbox_threads.NotAllowed):  # another village's admin
        inbox_threads.reply(admin(svc, OTHER, "0f0f0f0f0f0f"), village_, key, "comment", "x", svc.store, replies,
                            at, inquiry_id=f"{PAGE}_111_1")
    with pytest.raises(NotFound):  # a thread of another village is not found in this one
        inbox_threads.reply(admin(svc, OTHER, "0e0e0e0e0e0e"), svc.store.get_village(OTHER), key, "comment", "x",
                            svc.store, replies, at, inquiry_id=f"{PAGE}_111_1")


def test_a_private_reply_is_sent_once_per_comment(svc):
    boss = admin(svc)
    receive(svc, comment(f"{PAGE}_111_1", "Nomor pak kades berapa?"))
    key, village_ = key_of(svc, f"{PAGE}_111_1"), svc.store.get_village(VILLAGE)
    at = T0 + timedelta(minutes=30)
    inbox_threads.reply(boss, village_, key, "private", "Kami kirim lewat pesan.", svc.store, svc.channels.replies,
                        at, inquiry_id=f"{PAGE}_111_1")
    got = svc.store.get_inquiry(VILLAGE, f"{PAGE}_111_1")
    assert got.private_reply_id and got.answered_via == "kabar"
    with pytest.raises(inbox_threads.CannotAnswer):
        inbox_threads.reply(boss, village_, key, "private", "Lagi.", svc.store, svc.channels.replies, at,
                            inquiry_id=f"{PAGE}_111_1")
    assert [c[0] for c in svc.channels.replies.calls] == ["private"]


def test_meta_unreachable_leaves_the_comment_waiting(svc):
    boss = admin(svc)
    receive(svc, comment(f"{PAGE}_111_1", "Kapan posyandu?"))
    key = key_of(svc, f"{PAGE}_111_1")
    svc.channels.replies.fail = TransientChannelError("503")
    with pytest.raises(inbox_threads.CannotAnswer):
        inbox_threads.reply(boss, svc.store.get_village(VILLAGE), key, "comment", "Besok.", svc.store,
                            svc.channels.replies, T0, inquiry_id=f"{PAGE}_111_1")
    assert svc.store.get_inquiry(VILLAGE, f"{PAGE}_111_1").open
    assert svc.store.workspace_audit(VILLAGE) == []


def test_marking_no_answer_and_hiding_settle_what_waits_once(svc):
    boss = admin(svc)
    receive(svc, message("m1", "Halo?", "psid-9"))
    receive(svc, message("m2", "Ada orang?", "psid-9"), T0 + timedelta(minutes=2))
    village_ = svc.store.get_village(VILLAGE)
    key = key_of(svc, "m1")
    assert inbox_threads.mark_no_answer(boss, village_, key, svc.store, T0 + timedelta(hours=1)) == 2
    assert inbox_threads.mark_no_answer(boss, village_, key, svc.store, T0 + timedelta(hours=2)) == 0
    receive(svc, comment(f"{PAGE}_111_7", "Beli followers murah klik link"))
    spam = key_of(svc, f"{PAGE}_111_7")
    assert inbox_threads.hide(boss, village_, spam, f"{PAGE}_111_7", svc.store, svc.channels.replies, T0) is True
    assert inbox_threads.hide(boss, village_, spam, f"{PAGE}_111_7", svc.store, svc.channels.replies, T0) is False
    assert svc.store.get_inquiry(VILLAGE, f"{PAGE}_111_7").no_answer == "hidden"
    assert sorted(e.action for e in svc.store.workspace_audit(VILLAGE)) == ["inbox_hidden", "inbox_no_answer"]


def test_a_thread_is_given_to_an_admin_of_the_village_who_is_emailed_once(svc):
    boss, colleague = admin(svc), admin(svc, sid="bbbbbbbbbbbb", name="Dua")
    outsider = admin(svc, OTHER, "cccccccccccc", "Lain")
    receive(svc, comment(f"{PAGE}_111_1", "Kapan posyandu?"))
    key, village_ = key_of(svc, f"{PAGE}_111_1"), svc.store.get_village(VILLAGE)
    assert "seen_at" not in svc.store.inbox.thread(VILLAGE, key)
    inbox_threads.thread_view(boss, village_, key, svc.store, T0)
    assert svc.store.inbox.thread(VILLAGE, key)["seen_at"]  # opened by an admin: no longer new
    with pytest.raises(InvalidInput):
        inbox_threads.assign(boss, village_, key, outsider.staff_id, svc.store, T0, svc.settings.public_url)
    assert inbox_threads.assign(boss, village_, key, colleague.staff_id, svc.store, T0,
                                svc.settings.public_url) == "Dua"
    assert inbox_threads.assign(boss, village_, key, colleague.staff_id, svc.store, T0,
                                svc.settings.public_url) == "Dua"  # already theirs: nothing again
    assert svc.store.inbox.thread(VILLAGE, key)["assigned_to"] == colleague.staff_id
    settle(svc, T0)
    (mail,) = svc.mailer.to(str(colleague.email))
    assert f"/app/{VILLAGE}/kotak-masuk/{key}" in mail.text
    view = inbox_threads.thread_view(colleague, village_, key, svc.store, T0 + timedelta(minutes=1))
    assert view.thread.assigned_name == "Dua" and [p.staff_id for p in view.colleagues] == [
        boss.staff_id, colleague.staff_id]
