"""Upload instructions against moto: multipart for big videos (resume, complete, abort), fresh instructions,
and the bad inputs a phone can send. Each refusal is bilingual; nothing already accepted is lost."""

from __future__ import annotations

import json
from datetime import date

import pytest
import requests

from kabar_local import samples
from tests.integration.flow import OTHER, VILLAGE, api_event, staff, submit, upload_all

MIB = 1024 * 1024
VIDEO_SIZE = 10 * MIB + 12345  # three parts of 5 MiB, 5 MiB and the rest


@pytest.fixture
def multipart(aws, monkeypatch):
    """Videos over 5 MiB go multipart, in parts of 5 MiB (S3's smallest), so the tests stay small."""
    from kabar.services import reset

    monkeypatch.setenv("KABAR_MULTIPART_THRESHOLD_BYTES", str(5 * MIB))
    monkeypatch.setenv("KABAR_MULTIPART_PART_BYTES", str(5 * MIB))
    reset()
    yield aws
    reset()


def big_video() -> bytes:
    """A real MP4's head (its ftyp box is what intake checks) grown to more than one part."""
    head = samples.video()
    return head + b"\0" * (VIDEO_SIZE - len(head))


def hand_over(aws, token: str, video: bytes) -> tuple[dict, dict, list[bytes]]:
    payload, blobs = samples.submission_payload(date.today(), with_video=False)
    payload["files"].append({"name": "VID_besar.mp4", "kind": "video", "content_type": "video/mp4",
                             "size": len(video)})
    status, created = submit(aws, token, payload)
    assert status == 201, created
    return payload, created, blobs


def call(aws, method: str, token: str, sid: str, fid: str, action: str) -> tuple[int, dict]:
    route = "/submissions/{id}/files/{file_id}/" + action
    result = aws.invoke("SubmissionsApiFunction", api_event(
        method, f"/submissions/{sid}/files/{fid}/{action}", route, token, path_params={"id": sid, "file_id": fid}))
    return result["statusCode"], json.loads(result["body"] or "{}")


def put_part(part: dict, data: bytes) -> None:
    response = requests.put(part["url"], data=data, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["ETag"]


def chunk(video: bytes, number: int) -> bytes:
    return video[(number - 1) * 5 * MIB: number * 5 * MIB]


def test_a_big_video_goes_in_parts_resumes_after_a_break_and_is_taken_in_once(multipart):
    aws = multipart
    token, video = staff("submitter"), big_video()
    payload, created, blobs = hand_over(aws, token, video)
    sid = created["submission_id"]
    photos, instruction = created["uploads"][:-1], created["uploads"][-1]
    assert all(p["method"] == "POST" for p in photos)
    assert instruction["method"] == "MULTIPART" and instruction["part_count"] == 3
    assert [p["part_number"] for p in instruction["parts"]] == [1, 2, 3]
    upload_all({"uploads": photos}, blobs, {"files": payload["files"][:-1]})

    # Given the connection breaks after the first part
    put_part(instruction["parts"][0], chunk(video, 1))
    # When the page reloads and asks where it stands
    status, listed = call(aws, "GET", token, sid, instruction["file_id"], "parts")
    assert status == 200 and [p["part_number"] for p in listed["parts"]] == [1]
    assert listed["stored_bytes"] == 5 * MIB
    status, fresh = call(aws, "POST", token, sid, instruction["file_id"], "upload")
    # Then only the missing parts are to be sent, into the same upload
    assert status == 200 and fresh["upload"]["upload_id"] == instruction["upload_id"]
    assert [p["part_number"] for p in fresh["upload"]["parts"]] == [2, 3]
    assert fresh["expires_at"].endswith("+07:00")
    # and completing early is refused with what is missing
    status, early = call(aws, "POST", token, sid, instruction["file_id"], "complete")
    assert status == 409 and early["error"]["fields"][0]["missing"] == [2, 3]
    assert "belum lengkap" in early["error"]["message"] and "not complete" in early["error"]["message_en"]

    for part in fresh["upload"]["parts"]:
        put_part(part, chunk(video, part["part_number"]))
    status, done = call(aws, "POST", token, sid, instruction["file_id"], "complete")
    assert status == 200 and done["size"] == len(video)

    # moto (like S3 may) announces a multipart object twice: one record per file all the same
    records = aws.deliver("IntakeQueue", "IntakeFunction")
    assert len(records) >= len(payload["files"]) + 1
    aws.deliver("IntakeQueue", "IntakeFunction")
    view = call(aws, "GET", token, sid, instruction["file_id"], "parts")
    assert view[0] == 409  # nothing open any more
    status, again = call(aws, "POST", token, sid, instruction["file_id"], "upload")
    assert status == 409 and again["error"]["fields"][0]["code"] == "file_accepted"
    detail = aws.invoke("SubmissionsApiFunction", api_event("GET", f"/submissions/{sid}", "/submissions/{id}",
                                                            token, path_params={"id": sid}))
    body = json.loads(detail["body"])
    assert body["status"] == "complete"
    assert [f["status"] for f in body["files"]].count("accepted") == len(payload["files"])
    from kabar.services import services

    audit = services().store.submission_items(VILLAGE, sid)["audit"]
    assert [a.subject for a in audit].count(f"file:{instruction['file_id']}") == 1


def test_a_lying_total_is_not_completed_and_the_file_can_still_be_sent(multipart):
    aws = multipart
    token, video = staff("submitter"), big_video()
    _, created, _ = hand_over(aws, token, video)
    sid, instruction = created["submission_id"], created["uploads"][-1]
    fid = instruction["file_id"]
    put_part(instruction["parts"][0], chunk(video, 1))
    put_part(instruction["parts"][1], chunk(video, 2))
    put_part(instruction["parts"][2], chunk(video, 3) + b"\0" * MIB)  # a megabyte more than declared
    status, refused = call(aws, "POST", token, sid, fid, "complete")
    assert status == 422 and refused["error"]["fields"][0]["code"] == "size_exceeds_declared"
    assert "lebih dari ukuran yang dinyatakan" in refused["error"]["message"]
    assert "more than the declared size" in refused["error"]["message_en"]
    bodies = [json.loads(r["body"]) for r in aws.drain("IntakeQueue")]
    assert not [b for b in bodies if b.get("Records")]  # no object was made (only S3's test event)
    # The same part number sent again with the right bytes replaces the lying one
    status, fresh = call(aws, "POST", token, sid, fid, "upload")
    assert [p["part_number"] for p in fresh["upload"]["parts"]] == [3]
    put_part(fresh["upload"]["parts"][0], chunk(video, 3))
    assert call(aws, "POST", token, sid, fid, "complete")[0] == 200


def test_an_abandoned_upload_is_aborted_and_starts_afresh(multipart):
    aws = multipart
    token, video = staff("submitter"), big_video()
    _, created, _ = hand_over(aws, token, video)
    sid, instruction = created["submission_id"], created["uploads"][-1]
    fid = instruction["file_id"]
    put_part(instruction["parts"][0], chunk(video, 1))
    assert call(aws, "DELETE", token, sid, fid, "upload")[0] == 204
    assert call(aws, "GET", token, sid, fid, "parts")[0] == 409
    # The next day (or after the lifecycle rule aborted it) the page asks again: a new upload, all parts
    status, fresh = call(aws, "POST", token, sid, fid, "upload")
    assert status == 200 and fresh["upload"]["upload_id"] != instruction["upload_id"]
    assert [p["part_number"] for p in fresh["upload"]["parts"]] == [1, 2, 3]
    assert fresh["upload"]["stored_parts"] == []


def test_a_fresh_instruction_replaces_an_expired_one_for_its_owner_only(aws):
    token = staff("submitter")
    payload, blobs = samples.submission_payload(date.today(), with_video=False, channels=("website",))
    status, created = submit(aws, token, payload)
    sid, first = created["submission_id"], created["uploads"][0]
    status, fresh = call(aws, "POST", token, sid, first["file_id"], "upload")
    assert status == 200 and fresh["upload"]["method"] == "POST"
    assert fresh["upload"]["fields"]["key"] == first["fields"]["key"]
    response = requests.post(fresh["upload"]["url"], data=fresh["upload"]["fields"],
                             files={"file": ("a.jpg", blobs[0], "image/jpeg")}, timeout=30)
    assert response.status_code == 201
    # another submitter of the same village, or anyone of another village: not found, nothing leaks
    for intruder in (staff("submitter"), staff("admin", OTHER), staff("submitter", OTHER)):
        status, body = call(aws, "POST", intruder, sid, first["file_id"], "upload")
        assert status == 404 and "fields" not in body["error"]
    assert call(aws, "POST", token, sid, "0" * 16, "upload")[0] == 404
    assert call(aws, "POST", token, "../" + sid, first["file_id"], "upload")[0] == 404
    # a photo has no multipart upload to resume
    assert call(aws, "GET", token, sid, first["file_id"], "parts")[0] == 404


@pytest.mark.parametrize(("size", "code"), [(0, "greater_than"), (31 * MIB, "too_large")])
def test_zero_byte_and_oversized_files_are_refused_before_any_upload(aws, size, code):
    token = staff("submitter")
    payload, _ = samples.submission_payload(date.today())
    payload["files"][1]["size"] = size
    status, body = submit(aws, token, payload)
    assert status == 422
    field = next(f for f in body["error"]["fields"] if f["field"] == "files[1].size")
    assert field["code"] == code and field["message"] and field["message_en"]
    assert field["message"] != field["message_en"]


@pytest.mark.parametrize("name", ["../../etc/passwd.jpg", "C:\\Users\\sri\\DCIM\\foto.jpg", "foto\x00\x1b[31m.jpg",
                                  "x" * 250 + ".jpg", "gotong royong 🇮🇩🙏.jpg"])
def test_odd_filenames_become_safe_display_names_and_never_reach_the_key(aws, name):
    token = staff("submitter")
    payload, _ = samples.submission_payload(date.today())
    payload["files"][0]["name"] = name
    status, created = submit(aws, token, payload)
    assert status == 201
    shown, key = created["uploads"][0]["name"], created["uploads"][0]["fields"]["key"]
    assert "/" not in shown and "\\" not in shown and shown.isprintable() and len(shown) <= 120
    assert key.startswith(f"{VILLAGE}/{created['submission_id']}/") and key.endswith(".jpg")
    assert ".." not in key and name not in key
