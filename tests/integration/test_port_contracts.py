"""The fakes of the ports other than the store (tests/fakes.py), held to the same contract as the real
adapters that run locally: S3 (moto), Secrets Manager (moto), SQS (moto) and the sealed credentials
(KMS and DynamoDB on moto). A fake may not promise what the adapter does not keep, nor the other way round."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from kabar.adapters import secrets as secrets_adapter
from kabar.adapters.credentials import CredentialUnavailable
from kabar.adapters.s3 import S3Storage
from kabar.adapters.secrets import SecretsManagerSecrets
from kabar.adapters.sqs import SqsQueue
from kabar.ports import QueuedJob
from kabar.services import services
from tests.fakes import MemoryCredentials, MemoryQueue, MemorySecrets, MemoryStorage

AT = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


@pytest.fixture
def tenant():
    return f"desa-{uuid.uuid4().hex[:8]}"


# --- object storage --------------------------------------------------------------------------------------------

@pytest.fixture(params=["memory", "s3"])
def storage(request):
    """An unversioned bucket (media)."""
    if request.param == "memory":
        return MemoryStorage("media")
    request.getfixturevalue("aws")
    return S3Storage(services().settings.media_bucket)


@pytest.fixture(params=["memory", "s3"])
def versioned(request):
    """A versioned bucket (uploads)."""
    if request.param == "memory":
        return MemoryStorage("uploads", versioned=True)
    request.getfixturevalue("aws")
    return S3Storage(services().settings.uploads_bucket)


@pytest.fixture(params=["memory", "s3"])
def locked(request):
    """The write-once bucket under Object Lock (reports)."""
    if request.param == "memory":
        return MemoryStorage("reports", versioned=True)
    request.getfixturevalue("aws")
    return S3Storage(services().settings.reports_bucket)


def test_an_object_is_read_whole_in_ranges_and_in_chunks(storage, tenant):
    key = f"{tenant}/s1/a.txt"
    assert storage.head(key) is None
    storage.put(key, b"0123456789", "text/plain")
    assert storage.get(key) == b"0123456789"
    assert storage.get_range(key, 2, 4) == b"234"  # inclusive, as an HTTP Range
    assert b"".join(storage.iter_chunks(key, chunk_size=3)) == b"0123456789"
    head = storage.head(key)
    assert head["ContentLength"] == 10 and head["ContentType"] == "text/plain"
    assert storage.put_stream(f"{tenant}/s1/b.bin", iter([b"ab", b"cd", b"e"]), "application/octet-stream") == 5
    assert storage.get(f"{tenant}/s1/b.bin") == b"abcde"


def test_an_unversioned_bucket_keeps_the_newest_and_a_delete_removes_it(storage, tenant):
    key = f"{tenant}/s1/n.txt"
    storage.put(key, b"first", "text/plain")
    storage.put(key, b"second", "text/plain")
    assert storage.get(key) == b"second"
    assert storage.head(key).get("VersionId") in (None, "null")
    storage.delete(key)
    storage.delete(key)  # gone already: no error
    assert storage.head(key) is None
    with pytest.raises(Exception):  # noqa: B017,PT011 - NoSuchKey / KeyError
        storage.get(key)


def test_every_put_is_a_version_and_a_delete_keeps_them(versioned, tenant):
    key = f"{tenant}/s1/v.txt"
    versioned.put(key, b"first", "text/plain")
    first = versioned.head(key)["VersionId"]
    versioned.put(key, b"second", "text/plain")
    assert versioned.head(key)["VersionId"] != first
    assert versioned.get(key) == b"second" and versioned.get(key, version_id=first) == b"first"
    assert versioned.head(key, version_id=first)["ContentLength"] == 5
    assert versioned.get_range(key, 0, 1, version_id=first) == b"fi"
    versioned.delete(key)
    assert versioned.head(key) is None
    with pytest.raises(Exception):  # noqa: B017,PT011 - NoSuchKey / KeyError
        versioned.get(key)
    assert versioned.get(key, version_id=first) == b"first"  # the bucket is versioned


def test_an_anchor_is_written_once_and_listed_by_prefix(locked, tenant):
    until = datetime.now(UTC) + timedelta(days=1)
    assert locked.put_locked(f"{tenant}/anchors/1.json", b"{}", "application/json", until) is True
    assert locked.put_locked(f"{tenant}/anchors/1.json", b'{"x":1}', "application/json", until) is False
    assert locked.get(f"{tenant}/anchors/1.json") == b"{}"
    locked.put_locked(f"{tenant}/anchors/2.json", b"{}", "application/json", until)
    locked.put_locked(f"{tenant}-other/anchors/1.json", b"{}", "application/json", until)
    assert locked.keys(f"{tenant}/anchors/") == [f"{tenant}/anchors/1.json", f"{tenant}/anchors/2.json"]


# --- secrets -----------------------------------------------------------------------------------------------------

@pytest.fixture(params=["memory", "secretsmanager"])
def secrets(request):
    name = f"kabar/test-{uuid.uuid4().hex[:8]}"
    value = {"app_secret": "s3cret", "verify_token": "v"}
    if request.param == "memory":
        yield MemorySecrets({name: value}), name
        return
    request.getfixturevalue("aws")
    boto3.client("secretsmanager").create_secret(Name=name, SecretString=json.dumps(value))
    secrets_adapter.forget()
    yield SecretsManagerSecrets(), name
    secrets_adapter.forget()


def test_a_secret_is_read_by_name_as_a_copy_and_an_unknown_one_fails(secrets):
    port, name = secrets
    got = port.json(name)
    assert got == {"app_secret": "s3cret", "verify_token": "v"}
    got["app_secret"] = "changed by a caller"
    assert port.json(name)["app_secret"] == "s3cret"
    with pytest.raises(Exception):  # noqa: B017,PT011 - ResourceNotFoundException / KeyError
        port.json(f"{name}-missing")


# --- job queues --------------------------------------------------------------------------------------------------

@pytest.fixture(params=["memory", "sqs"])
def queue(request):
    """The port, and how to read back what it queued: [(body, delay)]."""
    if request.param == "memory":
        fake = MemoryQueue()
        return fake, lambda: [(j.body, j.delay) for j in fake.jobs]
    request.getfixturevalue("aws")
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=f"contract-{uuid.uuid4().hex[:8]}")["QueueUrl"]

    def read() -> list[tuple[dict, int]]:
        out = []
        for _ in range(5):
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                      MessageAttributeNames=["All"]).get("Messages", [])
            out += [(json.loads(m["Body"]), -1) for m in got]
            if not got:
                break
        return out

    return SqsQueue(url), read


def test_jobs_are_queued_each_once_as_json(queue):
    port, read = queue
    jobs = [{"tenant_id": f"desa-{n}", "job": "sla-watch", "n": n} for n in range(13)]  # more than one batch
    assert port.send([QueuedJob(j) for j in jobs]) == []
    port.send_all([{"tenant_id": "desa-x", "job": "report"}])
    bodies = sorted((b for b, _ in read()), key=json.dumps)
    assert bodies == sorted([*jobs, {"tenant_id": "desa-x", "job": "report"}], key=json.dumps)


def test_the_memory_queue_keeps_each_delay_within_sqs_limits():
    fake = MemoryQueue()
    fake.send([QueuedJob({"a": 1}, 30), QueuedJob({"a": 2}, 5000), QueuedJob({"a": 3}, -4)])
    assert [j.delay for j in fake.jobs] == [30, 900, 0]
    fake.refuse = {1}
    assert fake.send([QueuedJob({"b": 1}), QueuedJob({"b": 2})]) == [1]
    with pytest.raises(RuntimeError):
        fake.send_all([{"c": 1}, {"c": 2}])


# --- channel credentials -----------------------------------------------------------------------------------------

@pytest.fixture(params=["memory", "kms"])
def credentials(request):
    if request.param == "memory":
        return MemoryCredentials()
    request.getfixturevalue("aws")
    return services().credentials


def test_a_credential_is_sealed_to_its_village_and_name_and_never_described_with_its_value(credentials, tenant):
    assert credentials.get(tenant, "facebook") is None
    credentials.put(tenant, "facebook", {"page_access_token": "EAAB-secret"}, {"account": "pg-1"}, "admin:a", AT)
    assert credentials.get(tenant, "facebook") == {"page_access_token": "EAAB-secret"}
    assert credentials.get(f"{tenant}-other", "facebook") is None
    described = credentials.describe(tenant)
    assert list(described) == ["facebook"] and described["facebook"]["about"] == {"account": "pg-1"}
    assert described["facebook"]["connected_by"] == "admin:a" and "EAAB-secret" not in json.dumps(described)
    credentials.put(tenant, "facebook", {"page_access_token": "EAAB-new"}, {"account": "pg-1"}, "admin:b", AT)
    assert credentials.get(tenant, "facebook") == {"page_access_token": "EAAB-new"}  # replaced
    sealed = credentials.seal(tenant, "youtube", {"refresh_token": "r"})
    assert b"refresh_token" not in sealed  # not readable as it rests
    assert credentials.open(tenant, "youtube", sealed) == {"refresh_token": "r"}
    with pytest.raises(CredentialUnavailable):  # sealed for another credential: does not open as this one
        credentials.open(tenant, "facebook", sealed)
    with pytest.raises(CredentialUnavailable):
        credentials.open(f"{tenant}-other", "youtube", sealed)


def test_a_connection_state_is_taken_once_before_it_expires(credentials, tenant):
    credentials.put_state(tenant, "st1", {"provider": "facebook", "by": "admin:a"}, AT + timedelta(minutes=10))
    assert credentials.take_state(f"{tenant}-other", "st1", AT) is None
    taken = credentials.take_state(tenant, "st1", AT + timedelta(minutes=1))
    assert taken["provider"] == "facebook" and taken["by"] == "admin:a"
    assert credentials.take_state(tenant, "st1", AT + timedelta(minutes=2)) is None  # used
    credentials.put_state(tenant, "st2", {"provider": "google"}, AT + timedelta(minutes=10))
    assert credentials.take_state(tenant, "st2", AT + timedelta(minutes=11)) is None  # expired
    with pytest.raises(Exception):  # noqa: B017,PT011 - a state is written once
        credentials.put_state(tenant, "st1", {"provider": "x"}, AT + timedelta(minutes=10))
