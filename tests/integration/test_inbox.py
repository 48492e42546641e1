"""The Meta webhook and the inbox digest against moto: signatures on the raw body, dedup, answers, the 1-day clock."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta

import pytest

from kabar.adapters import secrets
from kabar.domain.clock import WIB
from kabar.services import services
from kabar.usecases import inbox
from kabar_local.outbox import Outbox
from tests.integration.flow import VILLAGE, meta_connected
from tests.support import load_event

PAGE_ID, APP_SECRET, VERIFY = "1234567890", "test-app-secret-5f1c", "kabar-verify-7d2e"


@pytest.fixture
def meta(aws):
    meta_connected(PAGE_ID, APP_SECRET, VERIFY)
    yield
    inbox.forget_pages()
    secrets.forget()


def comment(comment_id: str, text: str, author: tuple[str, str] = ("9988776655", "Sri Wahyuni"),
            parent: str | None = None) -> bytes:
    post = f"{PAGE_ID}_111"
    value = {"item": "comment", "verb": "add", "comment_id": comment_id, "post_id": post, "parent_id": parent or post,
             "from": {"id": author[0], "name": author[1]}, "message": text, "created_time": 1795486490}
    body = {"object": "page", "entry": [{"id": PAGE_ID, "time": 1795486500,
                                         "changes": [{"field": "feed", "value": value}]}]}
    return json.dumps(body).encode()  # json.dumps escapes non-ASCII, as Meta does


def signed(raw: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def post_event(raw: bytes, signature: str | None) -> dict:
    event = load_event("meta_webhook/post_comment")
    event["body"] = raw.decode()
    if signature is None:
        event["headers"].pop("x-hub-signature-256")
    else:
        event["headers"]["x-hub-signature-256"] = signature
    return event


def test_the_handshake_echoes_the_challenge_only_with_the_verify_token(aws, meta):
    ok = aws.invoke("MetaWebhookFunction", load_event("meta_webhook/get_handshake", REPLACE_WITH_VERIFY_TOKEN=VERIFY))
    assert ok["statusCode"] == 200 and ok["body"] == "1158201444"
    wrong = aws.invoke("MetaWebhookFunction", load_event("meta_webhook/get_handshake",
                                                         REPLACE_WITH_VERIFY_TOKEN="guess"))
    assert wrong["statusCode"] == 403


def test_unsigned_or_wrongly_signed_deliveries_are_refused_and_record_nothing(aws, meta):
    raw = comment(f"{PAGE_ID}_111_201", "Apakah ada posyandu besok? 🙏")
    for signature in (None, signed(raw, "another-secret"), "sha1=" + "0" * 40,
                      signed(raw.replace(b"posyandu", b"POSYANDU"))):
        assert aws.invoke("MetaWebhookFunction", post_event(raw, signature))["statusCode"] == 403
    # re-serialising the JSON (non-ASCII no longer escaped) changes the bytes: the signature of the original fails
    reserialised = json.dumps(json.loads(raw), ensure_ascii=False).encode()
    assert aws.invoke("MetaWebhookFunction", post_event(reserialised, signed(raw)))["statusCode"] == 403
    assert services().store.get_inquiry(VILLAGE, f"{PAGE_ID}_111_201") is None


def test_a_comment_is_recorded_once_and_the_pages_reply_answers_it(aws, meta):
    # Given a signed comment (with an emoji), delivered twice
    raw = comment(f"{PAGE_ID}_111_301", "Jam berapa posyandu besok? 🙏")
    first = aws.invoke("MetaWebhookFunction", post_event(raw, signed(raw)))
    again = aws.invoke("MetaWebhookFunction", post_event(raw, signed(raw)))
    assert (first["statusCode"], again["statusCode"]) == (200, 200)
    assert json.loads(first["body"])["recorded"] == 1 and json.loads(again["body"]) == {
        "recorded": 0, "duplicates": 1, "answered": 0}
    inq = services().store.get_inquiry(VILLAGE, f"{PAGE_ID}_111_301")
    assert inq.text == "Jam berapa posyandu besok? 🙏" and inq.answered_at is None
    # When the Page replies under it
    reply = comment(f"{PAGE_ID}_111_302", "Pukul 08.00 WIB di balai dusun.", author=(PAGE_ID, "Kalurahan"),
                    parent=f"{PAGE_ID}_111_301")
    answered = aws.invoke("MetaWebhookFunction", post_event(reply, signed(reply)))
    # Then the comment is answered (and the Page's own reply is not a question)
    assert json.loads(answered["body"]) == {"recorded": 0, "duplicates": 0, "answered": 1}
    assert services().store.get_inquiry(VILLAGE, f"{PAGE_ID}_111_301").answered_at is not None
    assert services().store.get_inquiry(VILLAGE, f"{PAGE_ID}_111_302") is None


def test_the_daily_digest_lists_what_is_unanswered_once_a_day(aws, meta):
    # Given a message that arrived 20 hours ago and a comment that arrived 30 hours ago, both unanswered
    as_of = datetime(2026, 11, 27, 7, tzinfo=WIB)
    for hours, mid in ((20, "m_recent"), (30, "m_old")):
        body = {"object": "page", "entry": [{"id": PAGE_ID, "time": 1, "messaging": [
            {"sender": {"id": f"psid-{mid}"}, "recipient": {"id": PAGE_ID}, "timestamp": 1795486500000,
             "message": {"mid": mid, "text": f"Halo, saya mau tanya ({mid})"}}]}]}
        raw = json.dumps(body).encode()
        inbox.receive(raw, signed(raw), arrived=as_of - timedelta(hours=hours), svc=services())
    # When the digest runs (twice the same day)
    assert inbox.send_digests(as_of=as_of, svc=services()) == {"sent": 1}
    assert inbox.send_digests(as_of=as_of, svc=services()) == {"sent": 0}
    aws.settle()
    # Then the admins have one email: the old one overdue, the recent one near the limit
    (mail,) = Outbox().list(to="admin@purwobinangun.desa.id")
    text = json.dumps(mail, ensure_ascii=False)
    assert "1 lewat batas" in text and "m_old" in text and "m_recent" in text
    assert text.index("m_old") < text.index("m_recent")
