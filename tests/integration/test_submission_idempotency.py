"""POST /submissions with an Idempotency-Key: a retry over a lossy connection never makes two entries."""

from __future__ import annotations

import json
import threading
from datetime import date

from kabar.domain.clock import month_of, now
from kabar.services import services
from kabar_local import samples
from tests.integration.flow import VILLAGE, api_event, staff, upload_all


def _post(aws, token: str, payload: dict, key: str | None) -> tuple[int, dict, dict]:
    event = api_event("POST", "/submissions", "/submissions", token, payload)
    if key is not None:
        event["headers"]["idempotency-key"] = key
    result = aws.invoke("SubmissionsApiFunction", event)
    return result["statusCode"], json.loads(result["body"]), result.get("headers") or {}


def _entries(title: str) -> list:
    return [s for s in services().store.submissions_in_month(VILLAGE, month_of(now()))
            if s.activity.title == title]


def test_a_retried_post_with_the_same_key_answers_the_same_submission(aws):
    token = staff("submitter")
    payload, blobs = samples.submission_payload(date.today())
    payload["activity"]["title"] = "Kerja Bakti idempoten"
    key = "5d1f0c1e-8c3a-4f51-9a55-2b7f6f0e9a11"
    status, first, _ = _post(aws, token, payload, key)
    assert status == 201 and len(first["uploads"]) == 6
    # the answer was lost on the way; the phone sends the very same request again
    status, again, headers = _post(aws, token, payload, key)
    assert status == 201 and headers.get("Idempotent-Replayed") == "true"
    assert again["submission_id"] == first["submission_id"]
    assert [u["file_id"] for u in again["uploads"]] == [u["file_id"] for u in first["uploads"]]
    assert len(_entries("Kerja Bakti idempoten")) == 1
    # two files arrive and intake accepts them: a third send only names what is still missing
    payload_two = {**payload, "files": payload["files"][:2]}
    upload_all({"uploads": first["uploads"][:2]}, blobs[:2], payload_two)
    aws.deliver("IntakeQueue", "IntakeFunction")
    status, third, _ = _post(aws, token, payload, key)
    assert status == 201 and third["submission_id"] == first["submission_id"]
    assert [u["file_id"] for u in third["uploads"]] == [u["file_id"] for u in first["uploads"][2:]]
    assert third["uploads"][0]["fields"]["key"] == first["uploads"][2]["fields"]["key"]
    # one register entry, one audit entry for it
    items = services().store.submission_items(VILLAGE, first["submission_id"])
    assert [a.action for a in items["audit"]].count("submitted") == 1
    assert len(_entries("Kerja Bakti idempoten")) == 1


def test_a_different_body_under_the_same_key_is_refused_in_both_languages(aws):
    token = staff("submitter")
    payload, _ = samples.submission_payload(date.today())
    key = "kunci-pengajuan-0001"
    assert _post(aws, token, payload, key)[0] == 201
    changed = {**payload, "narrative": payload["narrative"] + " Tambahan."}
    status, body, _ = _post(aws, token, changed, key)
    assert status == 422
    (field,) = body["error"]["fields"]
    assert field["code"] == "idempotency_key_reused"
    assert "kunci baru" in field["message"] and "new key" in field["message_en"]


def test_the_key_belongs_to_one_submitter_and_one_village(aws):
    payload, _ = samples.submission_payload(date.today())
    payload["activity"]["title"] = "Dua pengirim satu kunci"
    key = "shared-key-00000001"
    a = _post(aws, staff("submitter"), payload, key)[1]
    b = _post(aws, staff("submitter"), payload, key)[1]
    assert a["submission_id"] != b["submission_id"]
    assert len(_entries("Dua pengirim satu kunci")) == 2


def test_two_sends_crossing_make_one_register_entry(aws):
    token = staff("submitter")
    payload, _ = samples.submission_payload(date.today())
    payload["activity"]["title"] = "Dua kiriman bersilang"
    key = "crossing-0000000001"
    answers: list = []
    threads = [threading.Thread(target=lambda: answers.append(_post(aws, token, payload, key))) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert [a[0] for a in answers] == [201, 201]
    assert answers[0][1]["submission_id"] == answers[1][1]["submission_id"]
    assert len(_entries("Dua kiriman bersilang")) == 1


def test_an_unusable_key_is_refused_and_no_key_keeps_the_old_behaviour(aws):
    token = staff("submitter")
    payload, _ = samples.submission_payload(date.today())
    status, body, _ = _post(aws, token, payload, "x")
    assert status == 422 and body["error"]["fields"][0]["code"] == "idempotency_key_invalid"
    assert _post(aws, token, payload, None)[1]["submission_id"] != _post(aws, token, payload, None)[1]["submission_id"]
