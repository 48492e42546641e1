"""The submitter's side of issue 11: a refused file replaced in an open submission, and their history
from the server for their personal link (who it belongs to; an invalid link refused)."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import requests

from kabar.services import services
from kabar_local import samples
from tests.integration.flow import OTHER, VILLAGE, api_event, staff, submit


def _replace(aws, token: str, sid: str, file_id: str, body: dict) -> tuple[int, dict]:
    route = "/submissions/{id}/files/{file_id}/replace"
    result = aws.invoke("SubmissionsApiFunction", api_event(
        "POST", f"/submissions/{sid}/files/{file_id}/replace", route, token, body,
        path_params={"id": sid, "file_id": file_id}))
    return result["statusCode"], json.loads(result["body"])


def _post(instruction: dict, blob: bytes, name: str, content_type: str) -> None:
    response = requests.post(instruction["url"], data=instruction["fields"],
                             files={"file": (name, blob, content_type)}, timeout=30)
    assert response.status_code == 201, response.text


def _refused_submission(aws) -> tuple[str, dict, dict, list[bytes]]:
    """A hand-over whose first photo is refused (its bytes are not a photo); the others accepted."""
    token = staff("submitter")
    payload, blobs = samples.submission_payload(date.today())
    status, created = submit(aws, token, payload)
    assert status == 201
    bad = b"<html>not a photo</html>".ljust(len(blobs[0]), b" ")
    for instruction, blob, declared in zip(created["uploads"], [bad, *blobs[1:]], payload["files"], strict=True):
        _post(instruction, blob, declared["name"], declared["content_type"])
    aws.deliver("IntakeQueue", "IntakeFunction")
    return token, created, payload, blobs


def test_a_refused_file_is_replaced_and_the_submission_then_completes(aws):
    token, created, payload, blobs = _refused_submission(aws)
    sid, file_id = created["submission_id"], created["uploads"][0]["file_id"]
    refused = services().store.get_asset(VILLAGE, sid, file_id)
    assert refused.status.value == "rejected"
    assert services().store.get_submission(VILLAGE, sid).status.value == "receiving"
    # the submitter sends another photo, of another size and type, in its place
    photo = samples.photo(9, size=(640, 480))
    status, body = _replace(aws, token, sid, file_id, {"name": "IMG_0009.jpg",
                                                       "content_type": "image/jpeg", "size": len(photo)})
    assert status == 200, body
    instruction = body["upload"]
    assert instruction["file_id"] == file_id and instruction["size"] == len(photo)
    assert instruction["fields"]["key"] == refused.key
    _post(instruction, photo, "IMG_0009.jpg", "image/jpeg")
    aws.deliver("IntakeQueue", "IntakeFunction")
    accepted = services().store.get_asset(VILLAGE, sid, file_id)
    assert accepted.status.value == "accepted"
    assert accepted.sha256 == hashlib.sha256(photo).hexdigest()
    assert services().store.get_submission(VILLAGE, sid).status.value == "complete"
    # the refused one is kept in the record, and its bytes stay retrievable by their version
    (kept,) = accepted.refused_before
    assert kept.problem == refused.problem and kept.version_id == refused.version_id
    assert services().uploads.get(refused.key, kept.version_id).startswith(b"<html>")
    actions = [a.action for a in services().store.submission_items(VILLAGE, sid)["audit"]]
    assert "file_replaced" in actions and actions.count("completed") == 1
    assert [json.loads(r["body"])["detail-type"] for r in aws.drain("DraftingQueue")] == ["SubmissionCompleted"]


def test_only_a_refused_file_of_an_open_submission_of_ones_own_can_be_replaced(aws):
    token, created, payload, _ = _refused_submission(aws)
    sid = created["submission_id"]
    refused_id, accepted_id = created["uploads"][0]["file_id"], created["uploads"][1]["file_id"]
    body = {"name": "a.jpg", "content_type": "image/jpeg", "size": 1000}
    status, answer = _replace(aws, token, sid, accepted_id, body)
    assert status == 409 and answer["error"]["fields"][0]["code"] == "file_accepted"
    assert _replace(aws, staff("submitter"), sid, refused_id, body)[0] == 404  # another submitter's
    assert _replace(aws, staff("submitter", OTHER), sid, refused_id, body)[0] == 404  # another village's
    status, answer = _replace(aws, token, sid, refused_id, {**body, "content_type": "image/svg+xml"})
    assert status == 422 and answer["error"]["fields"][0]["code"] == "type_not_allowed"
    assert "Jenis berkas" in answer["error"]["fields"][0]["message"]
    # once replaced, the same file is expected: a second replacement is not needed
    assert _replace(aws, token, sid, refused_id, body)[0] == 200
    status, answer = _replace(aws, token, sid, refused_id, body)
    assert status == 409 and answer["error"]["fields"][0]["code"] == "file_expected"


def test_the_history_comes_from_the_server_and_says_whose_link_it_is(aws):
    token, created, _, _ = _refused_submission(aws)
    mine = aws.invoke("SubmissionsApiFunction", api_event("GET", "/submissions", "/submissions", token))
    assert mine["statusCode"] == 200
    body = json.loads(mine["body"])
    assert body["you"] == {"name": "Submitter purwobinangun", "role": "submitter", "village": VILLAGE,
                           "village_name": "Purwobinangun"}
    (entry,) = body["submissions"]
    assert entry["submission_id"] == created["submission_id"]
    refused = [f for f in entry["files"] if f["status"] == "rejected"]
    assert len(refused) == 1 and refused[0]["replaceable"] is True
    # another submitter of the same village sees only their own; a bad link is refused
    other = json.loads(aws.invoke("SubmissionsApiFunction", api_event(
        "GET", "/submissions", "/submissions", staff("submitter")))["body"])
    assert other["submissions"] == []
    bad = aws.invoke("SubmissionsApiFunction", api_event("GET", "/submissions", "/submissions",
                                                         "purwobinangun." + "x" * 43))
    assert bad["statusCode"] == 401
