"""Issue 10: nothing a client can send makes a 5xx. Each case of the finding answers a clear 4xx with
an Indonesian and an English message, and writes nothing."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest

from kabar.domain import sop
from kabar.domain.clock import now
from kabar_local import samples
from tests.integration.flow import api_event, review_event, staff, submit
from tests.integration.test_inbox import PAGE_ID, comment, meta, post_event, signed  # noqa: F401 - fixture

NOT_UTF8 = b"decision=approve&note=\xff\xfe\xc3\x28"


def _binary(event: dict, raw: bytes) -> dict:
    event["body"] = base64.b64encode(raw).decode()
    event["isBase64Encoded"] = True
    return event


def _bilingual_4xx(result: dict, status: int) -> dict:
    assert result["statusCode"] == status, result
    body = json.loads(result["body"])["error"]
    assert body["message"] and body["message_en"] and body["message"] != body["message_en"]
    return body



def test_invalid_utf8_in_a_review_form_even_unauthenticated_is_a_400_page(aws):
    for token in ("anything", "purwobinangun." + "a" * 43):
        event = _binary(review_event("POST", token, "", raw=True), NOT_UTF8)
        result = aws.invoke("ReviewApiFunction", event)
        assert result["statusCode"] == 400 and "tidak dapat dibaca" in result["body"]
        assert "cannot be read" in result["body"]
    broken = review_event("POST", "anything", "", raw=True)
    broken.update(body="not base64 at all!", isBase64Encoded=True)
    assert aws.invoke("ReviewApiFunction", broken)["statusCode"] == 400


def test_invalid_utf8_or_base64_in_a_json_body_is_a_400(aws):
    token = staff("submitter")
    event = _binary(api_event("POST", "/submissions", "/submissions", token), b'{"title": "\xff\xfe"}')
    assert _bilingual_4xx(aws.invoke("SubmissionsApiFunction", event), 400)["code"] == "undecodable_body"
    event = api_event("POST", "/submissions", "/submissions", token)
    event.update(body="%%%", isBase64Encoded=True)
    assert _bilingual_4xx(aws.invoke("SubmissionsApiFunction", event), 400)["code"] == "undecodable_body"


@pytest.mark.parametrize("body", [
    "[" * 100_000 + "]" * 100_000,  # deeply nested
    json.dumps({"activity": {"title": "x" * 5_000_000}}),  # huge
    json.dumps({"activity": [1, 2, 3], "narrative": 7, "channels": "social", "files": {"a": 1}}),  # wrong types
    json.dumps({"activity": {"title": "Kerja bakti", "date": "2026-02-30", "location": "Balai"}}),  # no such day
    "null", "42", '"text"', "",
])
def test_deep_huge_or_wrongly_typed_json_is_a_4xx(aws, body):
    event = api_event("POST", "/submissions", "/submissions", staff("submitter"))
    event["body"] = body
    result = aws.invoke("SubmissionsApiFunction", event)
    assert 400 <= result["statusCode"] < 500
    _bilingual_4xx(result, result["statusCode"])


@pytest.mark.parametrize("days", [-(sop.HARI_TERLAMBAT_MAKS + 1), 1, 365 * 8000])
def test_an_activity_date_far_from_today_is_refused_and_registers_nothing(aws, days):
    """The finding: 9999-12-31 was accepted and the submission then answered 500 on every GET."""
    token = staff("submitter")
    today = now().date()
    day = today + timedelta(days=days) if days < 365 * 1000 else today.replace(year=9999, month=12, day=31)
    payload, _ = samples.submission_payload(day)
    status, body = submit(aws, token, payload)
    assert status == 422 and body["error"]["fields"][0]["field"] == "activity.date", body
    assert "hari yang lalu" in body["error"]["fields"][0]["message"]


def test_the_date_window_follows_the_day_h_rule():
    at = now()
    today = at.date()
    assert sop.tanggal_kegiatan_wajar(today, at)  # day H itself
    assert sop.tanggal_kegiatan_wajar(today - timedelta(days=sop.HARI_TERLAMBAT_MAKS), at)  # late, accepted
    assert not sop.tanggal_kegiatan_wajar(today - timedelta(days=sop.HARI_TERLAMBAT_MAKS + 1), at)
    assert not sop.tanggal_kegiatan_wajar(today + timedelta(days=1), at)  # not yet happened


@pytest.mark.parametrize("payload", [
    {"object": "page", "entry": [1, "x", None]},
    {"object": "page", "entry": 5},
    {"object": "page", "entry": [{"id": PAGE_ID, "changes": ["feed"]}]},
    {"object": "page", "entry": [{"id": PAGE_ID, "changes": [{"field": "feed", "value": "comment"}]}]},
    {"object": "page", "entry": [{"id": PAGE_ID, "changes": [{"field": "feed", "value": {
        "item": "comment", "verb": "add", "comment_id": "c1", "from": "someone",
        "created_time": "not a time"}}]}]},
    {"object": "page", "entry": [{"id": PAGE_ID, "messaging": [{"message": "hi", "sender": 3}]}]},
    {"object": "page", "entry": [{"id": PAGE_ID, "messaging": [{"message": {"mid": "m1", "is_echo": True},
                                                                "timestamp": 10 ** 30, "sender": {"id": PAGE_ID}}]}]},
])
@pytest.mark.usefixtures("meta")
def test_correctly_signed_but_malformed_webhook_bodies_are_a_4xx_and_record_nothing(aws, payload):
    raw = json.dumps(payload).encode()
    result = aws.invoke("MetaWebhookFunction", post_event(raw, signed(raw)))
    assert 400 <= result["statusCode"] < 500, result
    _bilingual_4xx(result, result["statusCode"])


@pytest.mark.usefixtures("meta")
def test_a_signed_deeply_nested_or_non_utf8_webhook_body_is_a_4xx(aws):
    for raw in (b"[" * 100_000 + b"]" * 100_000, b'{"object": "page", "entry": "\xff"}'):
        event = post_event(b"", signed(raw))
        _binary(event, raw)
        result = aws.invoke("MetaWebhookFunction", event)
        assert 400 <= result["statusCode"] < 500 or json.loads(result["body"]) == {
            "recorded": 0, "duplicates": 0, "answered": 0}, result
    # a well-formed comment still records after all that
    good = comment(f"{PAGE_ID}_111_901", "Kapan posyandu?")
    assert aws.invoke("MetaWebhookFunction", post_event(good, signed(good)))["statusCode"] == 200
