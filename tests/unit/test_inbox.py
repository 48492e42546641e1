"""SOP A5: comments and messages answered within 1 day. Signature, handshake, parsing, answers, the clock."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from kabar.domain.clock import WIB
from kabar.domain.inbox import (
    Answer,
    ClockState,
    Inquiry,
    InquiryKind,
    answer_times,
    answered_by,
    clock_state,
    handshake,
    parse_webhook,
    signature_ok,
)
from kabar.domain.report import aggregate, render_report_html
from tests.unit.test_report import VILLAGE

PAGE = "1234567890"
PAGES = {PAGE: "purwobinangun"}
ARRIVED = datetime(2026, 11, 27, 9, tzinfo=WIB)


def sign(raw: bytes, secret: str = "s3cret") -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def inquiry(iid: str, received: datetime, answered: datetime | None = None, kind=InquiryKind.MESSAGE,
            thread: str = "psid-1", parent: str | None = None) -> Inquiry:
    return Inquiry(tenant_id="purwobinangun", inquiry_id=iid, kind=kind, page_id=PAGE, thread_id=thread,
                   parent_id=parent, author_id=thread, received_at=received, answered_at=answered)


@pytest.mark.parametrize(("header", "ok"), [
    (None, False), ("", False), ("sha1=abc", False), ("sha256=" + "0" * 64, False), ("sha256=zz", False)])
def test_a_missing_or_wrong_signature_is_refused(header, ok):
    assert signature_ok("s3cret", b'{"object":"page"}', header) is ok


def test_the_signature_is_over_the_raw_bytes():
    raw = json.dumps({"object": "page", "text": "Terima kasih 🙏"}).encode()  # \\ud83d escaped, as Meta sends
    assert signature_ok("s3cret", raw, sign(raw))
    assert signature_ok("s3cret", raw, sign(raw).upper().replace("SHA256=", "sha256="))  # hex case
    assert not signature_ok("s3cret", json.dumps(json.loads(raw), ensure_ascii=False).encode(), sign(raw))
    assert not signature_ok("", raw, sign(raw, ""))  # no secret configured: nothing passes


def test_the_handshake():
    params = {"hub.mode": "subscribe", "hub.challenge": "42", "hub.verify_token": "tok"}
    assert handshake(params, "tok") == "42"
    assert handshake({**params, "hub.verify_token": "nope"}, "tok") is None
    assert handshake({**params, "hub.mode": "unsubscribe"}, "tok") is None
    assert handshake({**params, "hub.verify_token": ""}, "") is None


def test_parsing_comments_messages_and_the_pages_own_answers():
    payload = {"object": "page", "entry": [
        {"id": PAGE, "time": 1, "changes": [
            {"field": "feed", "value": {"item": "comment", "verb": "add", "comment_id": "c1", "post_id": "p1",
                                        "parent_id": "p1", "from": {"id": "u1", "name": "Sri"}, "message": "Kapan?"}},
            {"field": "feed", "value": {"item": "comment", "verb": "add", "comment_id": "c2", "post_id": "p1",
                                        "parent_id": "c1", "from": {"id": PAGE, "name": "Kalurahan"},
                                        "created_time": 1795486500}},
            {"field": "feed", "value": {"item": "comment", "verb": "edited", "comment_id": "c1", "post_id": "p1"}},
            {"field": "feed", "value": {"item": "reaction", "verb": "add", "post_id": "p1"}}],
         "messaging": [
            {"sender": {"id": "psid-9"}, "recipient": {"id": PAGE}, "timestamp": 1795486500000,
             "message": {"mid": "m1", "text": "Halo"}},
            {"sender": {"id": PAGE}, "recipient": {"id": "psid-9"}, "timestamp": 1795486600000,
             "message": {"mid": "m2", "text": "Halo juga", "is_echo": True}},
            {"sender": {"id": "psid-9"}, "recipient": {"id": PAGE}, "timestamp": 1, "read": {"watermark": 1}}]},
        {"id": "999-unknown-page", "changes": [{"field": "feed", "value": {
            "item": "comment", "verb": "add", "comment_id": "x", "post_id": "y", "from": {"id": "u"}}}]}]}
    found = parse_webhook(payload, PAGES, ARRIVED)
    inquiries = [f for f in found if isinstance(f, Inquiry)]
    answers = [f for f in found if isinstance(f, Answer)]
    assert [(i.inquiry_id, i.kind, i.thread_id, i.parent_id) for i in inquiries] == [
        ("c1", InquiryKind.COMMENT, "p1", None), ("m1", InquiryKind.MESSAGE, "psid-9", None)]
    assert all(i.received_at == ARRIVED for i in inquiries)  # the clock starts at arrival
    assert [(a.answer_id, a.answers, a.to) for a in answers] == [("c2", "c1", None), ("m2", None, "psid-9")]
    assert parse_webhook({"object": "instagram", "entry": []}, PAGES, ARRIVED) == []


def test_an_answer_settles_its_comment_thread_or_the_persons_messages():
    c1 = inquiry("c1", ARRIVED, kind=InquiryKind.COMMENT, thread="p1")
    c1_reply = inquiry("c3", ARRIVED + timedelta(minutes=5), kind=InquiryKind.COMMENT, thread="p1", parent="c1")
    other = inquiry("c4", ARRIVED, kind=InquiryKind.COMMENT, thread="p1")
    m_before = inquiry("m1", ARRIVED)
    m_after = inquiry("m5", ARRIVED + timedelta(hours=3))
    someone_else = inquiry("m6", ARRIVED, thread="psid-2")
    reply = Answer(tenant_id="purwobinangun", kind=InquiryKind.COMMENT, page_id=PAGE, answer_id="c2", answers="c1",
                   at=ARRIVED + timedelta(hours=1))
    echo = Answer(tenant_id="purwobinangun", kind=InquiryKind.MESSAGE, page_id=PAGE, answer_id="m2", to="psid-1",
                  at=ARRIVED + timedelta(hours=1))
    everything = [c1, c1_reply, other, m_before, m_after, someone_else]
    assert [i.inquiry_id for i in answered_by(reply, everything)] == ["c1", "c3"]
    assert [i.inquiry_id for i in answered_by(echo, everything)] == ["m1"]


def test_the_one_day_clock():
    received = datetime(2026, 11, 27, 9, tzinfo=WIB)
    assert clock_state(inquiry("a", received), received + timedelta(hours=10)) is ClockState.OPEN
    assert clock_state(inquiry("a", received), received + timedelta(hours=19)) is ClockState.NEAR_LIMIT
    assert clock_state(inquiry("a", received), received + timedelta(hours=25)) is ClockState.OVERDUE
    assert clock_state(inquiry("a", received, received + timedelta(hours=23)), received) is ClockState.ANSWERED
    assert clock_state(inquiry("a", received, received + timedelta(hours=25)), received) is ClockState.ANSWERED_LATE


def test_answer_times_of_a_month_in_jakarta_time():
    # 23:30 WIB on 30 November (16:30 UTC) is November's; 00:30 WIB on 1 December is December's
    late_nov = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)
    early_dec = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)
    items = [inquiry("a", late_nov, late_nov + timedelta(hours=2)),
             inquiry("b", datetime(2026, 11, 10, 8, tzinfo=WIB), datetime(2026, 11, 11, 12, tzinfo=WIB)),
             inquiry("c", datetime(2026, 11, 29, 8, tzinfo=WIB)),
             inquiry("d", early_dec, early_dec + timedelta(hours=1))]
    nov = answer_times(items, "2026-11")
    assert (nov.received, nov.met, nov.missed, nov.pending, nov.rate, nov.median_hours) == (3, 1, 1, 1, 33, 15.0)
    # made on 1 December at 07:00 WIB: the open one is past its limit, so missed
    as_of = datetime(2026, 12, 1, 7, tzinfo=WIB)
    assert (answer_times(items, "2026-11", as_of).missed, answer_times(items, "2026-11", as_of).pending) == (2, 0)
    assert answer_times(items, "2026-12").received == 1


def test_the_report_shows_answer_times_and_says_when_there_were_none():
    items = [inquiry("a", datetime(2026, 11, 10, 8, tzinfo=WIB), datetime(2026, 11, 10, 9, 30, tzinfo=WIB))]
    html = render_report_html(VILLAGE, aggregate(VILLAGE, "2026-11", [], [], [], [], inquiries=items))
    assert "Jawaban komentar dan pesan" in html and "1,5 jam" in html
    empty = render_report_html(VILLAGE, aggregate(VILLAGE, "2026-11", [], [], [], []))
    assert "Tidak ada komentar atau pesan tercatat pada bulan ini" in empty
