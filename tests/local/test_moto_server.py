"""The local storage refuses the presigned POSTs real S3 refuses (moto alone accepts them all).

Given moto's server behind the POST-policy middleware and a presigned POST that allows exactly one
key, one content type and a size range, when a browser-style form upload breaks any of it, then the
answer is 403 with S3's XML error and nothing is stored; a conforming upload is stored.
"""

from __future__ import annotations

import threading
import uuid

import boto3
import pytest
import requests

from kabar_local.moto_server import MotoServer, PolicyRefused, check_post_policy

pytestmark = pytest.mark.xdist_group("kabar-local-moto")

REGION = "ap-southeast-3"


@pytest.fixture
def s3(moto):
    return boto3.client("s3", endpoint_url=moto.url, region_name=REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


@pytest.fixture
def bucket(s3):
    name = f"uploads-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return name


def presign(s3, bucket, key="t1/s1/photo-1.jpg", content_type="image/jpeg", size=(1, 1000), expires=300,
            extra_conditions=()):
    return s3.generate_presigned_post(
        Bucket=bucket, Key=key,
        Fields={"Content-Type": content_type, "success_action_status": "201"},
        Conditions=[{"Content-Type": content_type}, {"success_action_status": "201"},
                    ["content-length-range", *size], *extra_conditions],
        ExpiresIn=expires)


def upload(post, body=b"x" * 100, **changes):
    fields = {**post["fields"], **changes}
    return requests.post(post["url"], data=fields, files={"file": ("photo.jpg", body, "image/jpeg")}, timeout=10)


def keys(s3, bucket):
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_a_conforming_upload_is_stored(s3, bucket):
    response = upload(presign(s3, bucket))
    assert response.status_code == 201
    assert keys(s3, bucket) == ["t1/s1/photo-1.jpg"]
    assert s3.head_object(Bucket=bucket, Key="t1/s1/photo-1.jpg")["ContentType"] == "image/jpeg"


def test_without_success_action_status_s3_answers_204(s3, bucket):
    post = s3.generate_presigned_post(Bucket=bucket, Key="a/b.jpg", Conditions=[["content-length-range", 1, 10]])
    response = requests.post(post["url"], data=post["fields"], files={"file": ("b.jpg", b"12345")}, timeout=10)
    assert response.status_code == 204
    assert keys(s3, bucket) == ["a/b.jpg"]


@pytest.mark.parametrize("case", ["oversize", "undersize", "content_type", "key", "signature", "expired",
                                  "extra_field", "no_policy"])
def test_refusals(s3, bucket, case):
    post = presign(s3, bucket, size=(10, 1000), expires=-60 if case == "expired" else 300)
    body = b"x" * 100
    changes: dict[str, str] = {}
    fragment = ""
    if case == "oversize":
        body, fragment = b"x" * 2000, "EntityTooLarge"
    elif case == "undersize":
        body, fragment = b"x" * 5, "EntityTooSmall"
    elif case == "content_type":
        changes, fragment = {"Content-Type": "text/html"}, "Policy Condition failed"
    elif case == "key":
        changes, fragment = {"key": "t2/s9/photo-1.jpg"}, "Policy Condition failed"
    elif case == "signature":
        changes, fragment = {"x-amz-signature": "0" * 64}, "SignatureDoesNotMatch"
    elif case == "expired":
        fragment = "Policy expired"
    elif case == "extra_field":
        changes, fragment = {"x-amz-meta-owner": "someone"}, "Extra input fields"
    response = upload(post, body, **changes) if case != "no_policy" else requests.post(
        post["url"], data={"key": "t1/s1/photo-1.jpg"}, files={"file": ("p.jpg", body)}, timeout=10)
    assert response.status_code == 403, response.text
    assert response.headers["Content-Type"] == "application/xml"
    assert "<Error><Code>" in response.text
    if fragment:
        assert fragment in response.text
    assert keys(s3, bucket) == []


def test_starts_with_and_filename_substitution(s3, bucket):
    post = s3.generate_presigned_post(
        Bucket=bucket, Key="incoming/${filename}", Fields={"Content-Type": "image/png"},
        Conditions=[["starts-with", "$key", "incoming/"], ["starts-with", "$Content-Type", "image/"],
                    ["content-length-range", 1, 100]])
    ok = requests.post(post["url"], data=post["fields"], files={"file": ("a b.png", b"png")}, timeout=10)
    assert ok.status_code == 204
    assert keys(s3, bucket) == ["incoming/a b.png"]
    outside = requests.post(post["url"], data={**post["fields"], "key": "elsewhere/x.png"},
                            files={"file": ("x.png", b"png")}, timeout=10)
    assert outside.status_code == 403


def test_other_requests_pass_through(s3, bucket):
    s3.put_object(Bucket=bucket, Key="plain.txt", Body=b"hello")
    assert s3.get_object(Bucket=bucket, Key="plain.txt")["Body"].read() == b"hello"


def test_policy_checker_reports_which_condition():
    with pytest.raises(PolicyRefused) as err:
        check_post_policy({"key": "x"}, 1, "x", "b")
    assert err.value.code == "AccessDenied"


def test_stop_leaves_no_thread_or_port():
    before = {t.ident for t in threading.enumerate()}
    server = MotoServer().start()
    client = boto3.client("sqs", endpoint_url=server.url, region_name=REGION,
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    client.list_queues()  # a keep-alive connection holds a server thread
    port = server.port
    server.stop()
    assert {t.ident for t in threading.enumerate()} - before == set()
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))  # the port is free again
