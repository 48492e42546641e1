"""Intake keeps the record: what the register's SHA-256 describes stays retrievable (issue 9).

Each test reproduces one finding: a notification naming another bucket, a re-upload with a still
valid presigned POST after acceptance, and a role able to delete an accepted original.
"""

from __future__ import annotations

import hashlib
import json

import boto3
import requests

from kabar.services import services
from tests.integration.flow import VILLAGE, submitted_and_uploaded
from tests.integration.test_pipeline_handlers import s3_event


def test_a_record_naming_another_bucket_deletes_nothing_from_ours(aws):
    _, created = submitted_and_uploaded(aws)
    aws.drain("IntakeQueue")  # the real notifications are not delivered: only the forged one is
    sid = created["submission_id"]
    stray = f"{VILLAGE}/{sid}/ffffffffffffffff.jpg"
    services().uploads.put(stray, b"\xff\xd8\xff" + b"0" * 100, "image/jpeg")
    declared = created["uploads"][0]["fields"]["key"]
    for key in (stray, declared):
        result = aws.invoke("IntakeFunction", s3_event(key, bucket="someone-elses-bucket"))
        assert result == {"batchItemFailures": []}
    # nothing removed from our bucket, nothing judged on the strength of another bucket's object
    assert services().uploads.head(stray) is not None
    assert services().uploads.head(declared) is not None
    assert {a.status.value for a in services().store.list_assets(VILLAGE, sid)} == {"expected"}


def _versions(key: str) -> list[dict]:
    listed = boto3.client("s3").list_object_versions(Bucket=services().uploads.bucket, Prefix=key)
    return [v for v in listed.get("Versions", []) if v["Key"] == key]


def _tags(key: str, version_id: str) -> dict[str, str]:
    tags = boto3.client("s3").get_object_tagging(Bucket=services().uploads.bucket, Key=key, VersionId=version_id)
    return {t["Key"]: t["Value"] for t in tags["TagSet"]}


def test_a_reupload_with_the_still_valid_post_after_acceptance_never_replaces_the_record(aws):
    token, created = submitted_and_uploaded(aws)
    aws.deliver("IntakeQueue", "IntakeFunction")
    sid = created["submission_id"]
    instruction = created["uploads"][0]
    key = instruction["fields"]["key"]
    before = services().store.get_asset(VILLAGE, sid, instruction["file_id"])
    assert before.status.value == "accepted" and before.version_id
    clean_before = services().media.get(before.clean_key)
    # the same presigned POST, still within its expiry, used again with other bytes of the declared size
    other = b"\xff\xd8\xff\xe0" + b"\x00" * (before.size - 4)
    response = requests.post(instruction["url"], data=instruction["fields"],
                             files={"file": (before.name, other, before.content_type)}, timeout=30)
    assert response.status_code == 201  # the storage accepts it: the policy alone cannot tell
    assert aws.deliver("IntakeQueue", "IntakeFunction")
    after = services().store.get_asset(VILLAGE, sid, instruction["file_id"])
    assert after == before  # the register entry is unchanged
    # what the register's SHA-256 describes is still retrievable, by the version recorded
    original = services().uploads.get(key, before.version_id)
    assert hashlib.sha256(original).hexdigest() == before.sha256
    assert services().media.get(before.clean_key) == clean_before
    # the later version is handed to the lifecycle rule, never read as the record
    later = [v for v in _versions(key) if v["VersionId"] != before.version_id]
    assert len(later) == 1
    assert _tags(key, later[0]["VersionId"]) == {"kabar-intake": "discarded"}
    assert _tags(key, before.version_id) == {}
    assert services().store.get_submission(VILLAGE, sid).status.value == "complete"


def test_intake_judges_the_version_its_notification_names(aws):
    """Two uploads to one key before intake runs: S3 names each version; the first judged is the record."""
    token, created = submitted_and_uploaded(aws)
    aws.drain("IntakeQueue")
    sid = created["submission_id"]
    instruction = created["uploads"][0]
    key = instruction["fields"]["key"]
    (first,) = _versions(key)
    asset = services().store.get_asset(VILLAGE, sid, instruction["file_id"])
    other = b"\xff\xd8\xff\xe0" + b"\x00" * (asset.size - 4)
    requests.post(instruction["url"], data=instruction["fields"],
                  files={"file": (asset.name, other, asset.content_type)}, timeout=30)
    aws.drain("IntakeQueue")
    event = s3_event(key)
    body = json.loads(event["Records"][0]["body"])
    body["Records"][0]["s3"]["object"]["versionId"] = first["VersionId"]
    event["Records"][0]["body"] = json.dumps(body)
    assert aws.invoke("IntakeFunction", event) == {"batchItemFailures": []}
    recorded = services().store.get_asset(VILLAGE, sid, instruction["file_id"])
    assert recorded.status.value == "accepted" and recorded.version_id == first["VersionId"]
    assert recorded.sha256 == hashlib.sha256(services().uploads.get(key, first["VersionId"])).hexdigest()
