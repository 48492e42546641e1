"""The submitter told, through the outbox: a receipt with the register number when the hand-over is
complete, "sudah terbit" with the links once online; one state per hand-over that never contradicts
itself; and a file the hand-over did not declare, added through the same upload flow."""

from __future__ import annotations

import json
from datetime import date

import requests

from kabar.domain.wording import raw_codes
from kabar.services import services
from kabar_local import samples
from kabar_local.outbox import Outbox
from tests.integration.flow import VILLAGE, api_event, drafted, review_event, review_links, staff, submit

SUBMITTER = "submitter@purwobinangun.desa.id"


def _state(aws, token: str, sid: str) -> dict:
    result = aws.invoke("SubmissionsApiFunction", api_event("GET", f"/submissions/{sid}", "/submissions/{id}", token,
                                                            path_params={"id": sid}))
    assert result["statusCode"] == 200, result["body"]
    return json.loads(result["body"])


def _mails(subject_part: str) -> list[dict]:
    return [m for m in Outbox().list(to=SUBMITTER) if subject_part in m["subject"]]


def test_receipt_then_online_notice_and_one_state_throughout(aws):
    # Given a hand-over made complete by intake, and its drafts made
    token, created = drafted(aws)
    sid = created["submission_id"]
    aws.settle()
    # Then the submitter has one receipt with the register number, in words (no codes, no ISO times)
    (receipt,) = _mails("Diterima:")
    assert sid in receipt["subject"] and f"Nomor register: {sid}" in receipt["text"]
    assert " WIB" in receipt["text"] and not raw_codes(receipt["html"]) and not raw_codes(receipt["text"])
    seen = [_state(aws, token, sid)["state"]["code"]]
    assert seen == ["with_ppid"]

    # When the PPID approves both drafts and they are published
    for link in review_links(aws):
        assert aws.invoke("ReviewApiFunction", review_event("POST", link.rsplit("/", 1)[1],
                                                            "decision=approve"))["statusCode"] == 200
    seen.append(_state(aws, token, sid)["state"]["code"])
    aws.deliver("PublicationQueue", "PublicationFunction")
    aws.settle()
    view = _state(aws, token, sid)
    seen.append(view["state"]["code"])

    # Then "sudah terbit" for the draft online on every channel (here the website: this village's social
    # procedure has no channel configured), with its live link; the one state says what is online
    (online,) = _mails("Sudah terbit:")
    urls = {p["url"] for p in view["publications"] if p["status"] == "published"}
    assert urls and all(u in online["text"] and u in online["html"] for u in urls)
    assert not raw_codes(online["html"]) and not raw_codes(online["text"])
    assert seen == ["with_ppid", "approved", "partly_online"]
    assert view["state"]["id"] == "terbit: Website; Media sosial masih diproses"
    assert "ditolak" not in view["state"]["id"] and "diproses admin" not in view["state"]["id"]

    # A redelivered publication tells nobody twice
    aws.deliver("PublicationQueue", "PublicationFunction")
    aws.settle()
    assert len(_mails("Sudah terbit:")) == 1 and len(_mails("Diterima:")) == 1


def test_a_new_file_is_added_to_an_open_hand_over_through_the_same_upload_flow(aws):
    # Given a complete hand-over
    token = staff("submitter")
    payload, blobs = samples.submission_payload(date.today(), with_video=False, channels=("website",))
    status, created = submit(aws, token, payload)
    assert status == 201
    for instruction, blob, declared in zip(created["uploads"], blobs, payload["files"], strict=True):
        requests.post(instruction["url"], data=instruction["fields"],
                      files={"file": (declared["name"], blob, declared["content_type"])}, timeout=30)
    aws.deliver("IntakeQueue", "IntakeFunction")
    sid = created["submission_id"]
    assert services().store.get_submission(VILLAGE, sid).status.value == "complete"

    # When the submitter adds a photo they forgot
    photo = samples.photo(11, size=(800, 600))
    route = "/submissions/{id}/files"
    result = aws.invoke("SubmissionsApiFunction", api_event(
        "POST", f"/submissions/{sid}/files", route, token,
        {"name": "IMG_lupa.jpg", "kind": "photo", "content_type": "image/jpeg", "size": len(photo)},
        path_params={"id": sid}))
    assert result["statusCode"] == 201, result["body"]
    upload = json.loads(result["body"])["upload"]
    response = requests.post(upload["url"], data=upload["fields"],
                             files={"file": ("IMG_lupa.jpg", photo, "image/jpeg")}, timeout=30)
    assert response.status_code == 201
    aws.deliver("IntakeQueue", "IntakeFunction")

    # Then intake checked it like the others: it is in the record, accepted, after the declared files
    view = _state(aws, token, sid)
    assert [f["name"] for f in view["files"]][-1] == "IMG_lupa.jpg"
    assert view["files"][-1]["status"] == "accepted"
    assert "file_added" in [a.action for a in services().store.submission_items(VILLAGE, sid)["audit"]]
    # another submitter cannot add to it; a file of a type never accepted is refused with a reason
    other = aws.invoke("SubmissionsApiFunction", api_event(
        "POST", f"/submissions/{sid}/files", route, staff("submitter"),
        {"name": "x.jpg", "kind": "photo", "content_type": "image/jpeg", "size": 10}, path_params={"id": sid}))
    assert other["statusCode"] == 404
    bad = aws.invoke("SubmissionsApiFunction", api_event(
        "POST", f"/submissions/{sid}/files", route, token,
        {"name": "x.exe", "kind": "photo", "content_type": "application/x-msdownload", "size": 10},
        path_params={"id": sid}))
    assert bad["statusCode"] == 422
