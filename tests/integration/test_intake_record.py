"""Intake keeps the record: what the register's SHA-256 describes stays retrievable (issue 9).

Each test reproduces one finding: a notification naming another bucket, a re-upload with a still
valid presigned POST after acceptance, and a role able to delete an accepted original.
"""

from __future__ import annotations

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
