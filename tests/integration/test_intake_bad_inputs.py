"""Bad inputs at intake: each refused with a clear bilingual reason, the good files of the same hand-over kept."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote_plus

import pytest
import requests
from PIL import Image

from kabar.services import services
from kabar_local import samples
from kabar_local.moto_server import PolicyRefused, check_post_policy
from tests.integration.flow import OTHER, VILLAGE, staff, submit
from tests.support import load_event


def _png_header(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return b"\x89PNG\r\n\x1a\n" + chunk + b"\0\0\0\0IEND\xaeB`\x82"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (1, 2, 3)).save(out, "PNG")
    return out.getvalue()


JPEG = samples.photo(9)
VIDEO = samples.video()
# name, declared kind and type, bytes, the code intake must give
BAD = [
    ("halaman.jpg", "photo", "image/jpeg", b"<!doctype html><html><script>alert(1)</script></html>",
     "type_not_allowed"),
    ("skrip.jpg", "photo", "image/jpeg", b"#!/bin/sh\nrm -rf /\n", "type_not_allowed"),
    ("surat.jpg", "photo", "image/jpeg", b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n", "type_not_allowed"),
    ("logo.jpg", "photo", "image/jpeg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>',
     "type_not_allowed"),
    ("terpotong.jpg", "photo", "image/jpeg", JPEG[: len(JPEG) // 3], "image_corrupt"),
    ("rusak.jpg", "photo", "image/jpeg", JPEG[:600] + b"\0" * 4000, "image_corrupt"),
    ("banjir.png", "photo", "image/png", _png_header(40_000, 40_000), "image_too_large"),
    ("sebenarnya-png.jpg", "photo", "image/jpeg", _png(), "type_mismatch"),
    ("arsip.mp4", "video", "video/mp4", b"PK\x03\x04" + b"\0" * 400, "type_not_allowed"),
    ("terputus.mp4", "video", "video/mp4", VIDEO[:-700], "video_corrupt"),
]


def test_every_bad_file_is_refused_with_its_reason_and_the_good_ones_are_kept(aws):
    token = staff("submitter")
    payload, blobs = samples.submission_payload(date.today())
    for name, kind, ctype, data, _ in BAD:
        payload["files"].append({"name": name, "kind": kind, "content_type": ctype, "size": len(data)})
        blobs.append(data)
    status, created = submit(aws, token, payload)
    assert status == 201, created
    for instruction, blob, declared in zip(created["uploads"], blobs, payload["files"], strict=True):
        response = requests.post(instruction["url"], data=instruction["fields"],
                                 files={"file": (declared["name"], blob, declared["content_type"])}, timeout=30)
        assert response.status_code == 201
    aws.deliver("IntakeQueue", "IntakeFunction")

    assets = {a.name: a for a in services().store.list_assets(VILLAGE, created["submission_id"])}
    for name, _, _, _, code in BAD:
        asset = assets[name]
        assert asset.status.value == "rejected", name
        assert asset.problem.startswith(f"{code}: "), (name, asset.problem)
        reason_id, reason_en = asset.problem.split(": ", 1)[1].rsplit(" (", 1)
        assert reason_id and reason_en and reason_id != reason_en  # Indonesian, then English
        assert asset.clean_key is None
    good = [a for a in assets.values() if a.name not in {b[0] for b in BAD}]
    assert len(good) == 6 and all(a.status.value == "accepted" and a.clean_key for a in good)
    # the originals stay as the record; nothing half-made reaches the media bucket
    assert services().uploads.head(assets["terputus.mp4"].key) is not None
    prefix = f"{VILLAGE}/{created['submission_id']}/videos/"
    import boto3

    media = boto3.client("s3").list_objects_v2(Bucket=services().media.bucket, Prefix=prefix).get("Contents", [])
    assert len(media) == 1
    assert services().store.get_submission(VILLAGE, created["submission_id"]).status.value == "receiving"


def test_an_upload_aimed_at_another_submissions_or_villages_key_is_refused_twice(aws):
    token = staff("submitter")
    payload, blobs = samples.submission_payload(date.today(), with_video=False, channels=("website",))
    _, mine = submit(aws, token, payload)
    _, theirs = submit(aws, staff("submitter", OTHER), payload)
    fields = dict(mine["uploads"][0]["fields"])
    bucket = services().uploads.bucket
    check_post_policy(fields, len(blobs[0]), "a.jpg", bucket)  # the instruction as given is fine
    for target in (theirs["uploads"][0]["fields"]["key"], mine["uploads"][1]["fields"]["key"],
                   f"{OTHER}/{theirs['submission_id']}/0123456789abcdef.jpg"):
        with pytest.raises(PolicyRefused) as refused:  # the storage refuses (what the local stack runs)
            check_post_policy({**fields, "key": target}, len(blobs[0]), "a.jpg", bucket)
        assert refused.value.code == "AccessDenied"
    # Should an object land under a key nobody was given, intake discards it and records nothing
    stray = f"{OTHER}/{theirs['submission_id']}/ffffffffffffffff.jpg"
    services().uploads.put(stray, blobs[0], "image/jpeg")
    event = load_event("intake/s3_object_created",
                       **{"purwobinangun%2F0123456789abcdef0123%2F0123456789abcdef.jpg": quote_plus(stray),
                          "kabar-dev-uploads-123456789012": services().uploads.bucket})
    assert aws.invoke("IntakeFunction", event) == {"batchItemFailures": []}
    assert services().uploads.tags(stray) == {"kabar-intake": "discarded"}  # for the lifecycle rule
    assert {a.status.value for a in services().store.list_assets(OTHER, theirs["submission_id"])} == {"expected"}


def test_an_expired_instruction_is_refused_by_the_storage(aws):
    token = staff("submitter")
    payload, blobs = samples.submission_payload(date.today(), with_video=False, channels=("website",))
    _, created = submit(aws, token, payload)
    fields = created["uploads"][0]["fields"]
    later = datetime.now(UTC) + timedelta(seconds=services().settings.upload_expiry_seconds + 5)
    with pytest.raises(PolicyRefused) as refused:
        check_post_policy(fields, len(blobs[0]), "a.jpg", services().uploads.bucket, now=later)
    assert "expired" in refused.value.message
