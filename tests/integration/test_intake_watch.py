"""A hand-over whose files never all arrived: after the configured time its submitter is told, once,
which files are missing or refused and what to do; a complete one is left alone."""

from __future__ import annotations

from datetime import date, timedelta

import requests

from kabar.domain.clock import now
from kabar.services import services
from kabar_local import samples
from kabar_local.outbox import Outbox
from tests.integration.flow import VILLAGE, staff, submit, submitted_and_uploaded

SUBMITTER = f"submitter@{VILLAGE}.desa.id"


def _watch(aws, hours: float) -> dict:
    done = aws.run_job("IntakeWatchFunction", {"at": (now() + timedelta(hours=hours)).isoformat()},
                       "IntakeWatchQueue")
    return {"told": done["told"]}


def test_the_submitter_is_told_once_what_is_missing_and_a_complete_hand_over_is_left_alone(aws):
    token = staff("submitter")
    payload, blobs = samples.submission_payload(date.today())
    blobs[1] = b"<html>bukan foto</html>".ljust(len(blobs[1]), b" ")  # refused at intake
    status, created = submit(aws, token, payload)
    assert status == 201
    for instruction, blob, declared in list(zip(created["uploads"], blobs, payload["files"], strict=True))[:3]:
        requests.post(instruction["url"], data=instruction["fields"],
                      files={"file": (declared["name"], blob, declared["content_type"])}, timeout=30)
    submitted_and_uploaded(aws)  # another, complete hand-over of the same submitter
    aws.deliver("IntakeQueue", "IntakeFunction")

    # Given the configured 6 hours have not passed, nobody is told anything
    assert _watch(aws, 5) == {"told": 0}
    assert _not_receipts() == []
    # When they have, the submitter of the incomplete one gets one email, the complete one none
    assert _watch(aws, 7) == {"told": 1}
    assert _watch(aws, 8) == {"told": 0}
    (mail,) = _not_receipts()
    assert "belum lengkap" in mail["subject"] and payload["activity"]["title"] in mail["subject"]
    text = mail["text"]
    for declared in payload["files"][3:]:
        assert declared["name"] in text
    assert f"{payload['files'][1]['name']} (photo): ditolak" in text and "refused" in text
    assert payload["files"][0]["name"] not in text and payload["files"][2]["name"] not in text
    assert "(files still missing)" in text
    audit = services().store.submission_items(VILLAGE, created["submission_id"])["audit"]
    assert [a.action for a in audit].count("marked_incomplete") == 1


def _not_receipts() -> list[dict]:
    """The submitter's emails but the receipt of a hand-over made complete (its own notice)."""
    return [m for m in Outbox().list(to=SUBMITTER) if "Diterima:" not in m["subject"]]
