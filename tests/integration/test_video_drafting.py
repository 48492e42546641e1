"""The video step through its handler, against moto: the draft video made once, stored as the record
says, waited for by the social draft, shown to the PPID; a video no channel can take refused with
its reason to the admin and the submitter, and the photos' draft not held back."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, timedelta

import pytest

from kabar.domain import video as rules
from kabar.domain.events import SubmissionCompleted
from kabar.domain.models import ChannelConfig, Procedure
from kabar.services import services
from kabar.usecases import video_drafting
from kabar.usecases.villages import put_village
from kabar_local import samples
from kabar_local import video_samples as clips
from kabar_local.outbox import Outbox
from tests.integration.flow import VILLAGE, activity_links, review_event, staff, submit, upload_all

ADMIN, SUBMITTER = "admin@purwobinangun.desa.id", "submitter@purwobinangun.desa.id"


def _channels(*types: str) -> None:
    village = services().store.get_village(VILLAGE)
    social = [ChannelConfig(type=t, page_id="1234567890" if t == "facebook" else None) for t in types]
    put_village(village.model_copy(update={"channels": {**village.channels, Procedure.SOCIAL: social}}), svc=services())


def _handed_over(aws, video: bytes, name: str, content_type: str) -> str:
    payload, blobs = samples.submission_payload(date.today())
    payload["files"][-1] = {"name": name, "kind": "video", "content_type": content_type, "size": len(video)}
    blobs[-1] = video
    status, created = submit(aws, staff("submitter"), payload)
    assert status == 201, created
    upload_all(created, blobs, payload)
    aws.deliver("IntakeQueue", "IntakeFunction")
    return created["submission_id"]


def _drafts(sid: str) -> dict:
    return {d.procedure.value: d for d in services().store.submission_items(VILLAGE, sid)["draft"]}


def _objects(prefix: str) -> set[str]:
    import boto3

    listed = boto3.client("s3").list_objects_v2(Bucket=services().media.bucket, Prefix=prefix)
    return {o["Key"] for o in listed.get("Contents", [])}


@pytest.fixture(scope="module")
def iphone_clip(tmp_path_factory) -> bytes:
    return clips.iphone_hevc(tmp_path_factory.mktemp("v") / "IMG_0001.MOV", seconds=3.5).read_bytes()


def test_an_iphone_video_becomes_a_clean_draft_video_the_social_draft_waits_for_and_the_ppid_watches(
        aws, iphone_clip):
    _channels("facebook", "instagram")
    sid = _handed_over(aws, iphone_clip, "IMG_0001.MOV", "video/quicktime")
    video = video_drafting.submitted_video(services(), VILLAGE, sid)
    blanked = video.clean_key
    assert blanked.endswith(".mov") and services().media.head(blanked) is not None

    # the completion reaches drafting and the video step; the website draft does not wait, the social one does
    aws.deliver("DraftingQueue", "DraftingFunction")
    assert set(_drafts(sid)) == {"website"}
    completion = aws.drain("VideoDraftingQueue")
    assert [json.loads(r["body"])["detail-type"] for r in completion] == ["SubmissionCompleted"]
    assert aws.invoke("VideoDraftingFunction", {"Records": completion}) == {"batchItemFailures": []}

    made = services().store.get_video_draft(VILLAGE, sid, video.asset_id)
    keys = rules.video_keys(VILLAGE, sid, video.asset_id)
    assert made.status == "ready" and made.published_key == keys["published"]
    assert made.vertical_key == keys["vertical"] and made.cover_key == keys["cover"]
    assert (made.width, made.height, made.fps) == (320, 240, 30)
    # storage follows the record: the original untouched in uploads, one copy for publishing in media
    original = services().uploads.get(video.key)
    assert hashlib.sha256(original).hexdigest() == video.sha256 and clips.LOCATION.encode() in original
    assert _objects(f"{VILLAGE}/{sid}/videos/") == set(keys.values())
    assert services().media.head(blanked) is None  # the published copy replaced intake's blanked copy
    for key in (keys["published"], keys["vertical"]):
        copy = services().media.get(key)
        assert rules.metadata_found(copy) == [] and clips.LOCATION.encode() not in copy
        assert services().media.head(key)["ContentType"] == "video/mp4"

    # VideoDrafted -> drafting makes the social draft with the copies
    aws.deliver("DraftingQueue", "DraftingFunction")
    social = _drafts(sid)["social"]
    assert (social.video_key, social.video_vertical_key, social.video_cover_key) == (
        keys["published"], keys["vertical"], keys["cover"])

    # a redelivered completion makes nothing again, and says again that the video is done
    assert aws.invoke("VideoDraftingFunction", {"Records": completion}) == {"batchItemFailures": []}
    assert services().store.get_video_draft(VILLAGE, sid, video.asset_id) == made
    assert [json.loads(r["body"])["detail-type"] for r in aws.drain("DraftingQueue")] == ["VideoDrafted"]

    # the PPID: the email shows the cover linking to the page; the page plays the video with the cover as poster
    links = activity_links(aws)
    mail = next(m for m in Outbox().list(to="ppid@purwobinangun.desa.id") if "Media Sosial" in m["subject"])
    assert "Putar video di halaman keputusan" in mail["html"]
    poster = re.search(r'<a href="([^"]+)"[^>]*><img src="([^"]+/files/[^"]+)" alt="Sampul video', mail["html"])
    assert poster and "/review/" in poster.group(1)
    token = next(link for link in links if link == poster.group(1)).rsplit("/", 1)[1]
    page = aws.invoke("ReviewApiFunction", review_event("GET", token))["body"]
    found = re.search(r'<video [^>]*poster="([^"]+)"[^>]*>\s*<source src="([^"]+)" type="video/mp4">', page)
    assert found and "/files/" in found.group(1) and "/files/" in found.group(2)


def test_a_video_too_long_for_reels_is_refused_to_admin_and_submitter_and_the_photos_go_on(aws, tmp_path):
    _channels("facebook", "instagram")
    long_video = clips.long_clip(tmp_path / "VID_rapat.mp4", seconds=15 * 60 + 5).read_bytes()
    sid = _handed_over(aws, long_video, "VID_rapat.mp4", "video/mp4")
    aws.deliver("VideoDraftingQueue", "VideoDraftingFunction")
    aws.deliver("DraftingQueue", "DraftingFunction")
    video = video_drafting.submitted_video(services(), VILLAGE, sid)
    made = services().store.get_video_draft(VILLAGE, sid, video.asset_id)
    assert (made.status, made.problem_code) == ("refused", "too_long_for_instagram")
    assert made.published_key is None and _objects(f"{VILLAGE}/{sid}/videos/") == set()
    assert services().uploads.head(video.key) is not None  # the record stays
    mails = [m for m in Outbox().list() if "Video tidak dapat dipakai" in m["subject"]]
    assert {to for m in mails for to in m["to"]} == {ADMIN, SUBMITTER} and len(mails) == 2  # one each, once
    for mail in mails:
        assert "Instagram Reels" in mail["text"] and "15:05" in mail["text"] and "Trim it on the phone" in mail["text"]
    drafts = _drafts(sid)
    assert set(drafts) == {"social", "website"} and drafts["social"].video_key is None
    assert drafts["social"].photo_keys  # the photos' draft went on


def test_a_video_step_past_the_wait_limit_lets_the_social_draft_go_within_the_two_hours(aws):
    _channels("facebook")
    sid = _handed_over(aws, samples.video(), "VID_kerja_bakti.mp4", "video/mp4")
    submission = services().store.get_submission(VILLAGE, sid)
    late = rules.batas_tunggu_video(submission.completed_at) + timedelta(seconds=1)
    assert late < rules.batas_draf(submission.completed_at)
    event = SubmissionCompleted(tenant_id=VILLAGE, submission_id=sid, occurred_at=submission.completed_at)
    blanked = video_drafting.submitted_video(services(), VILLAGE, sid).clean_key
    assert services().media.head(blanked) is not None
    announced = video_drafting.draft_video(event, at=late, svc=services())
    assert announced.status == "late"
    # no draft uses the video now: its blanked copy is not kept; the original stays as the record
    assert services().media.head(blanked) is None
    assert services().uploads.head(video_drafting.submitted_video(services(), VILLAGE, sid).key) is not None
    aws.settle()  # the outbox: VideoDrafted on the bus, the admin's email sent
    (mail,) = [m for m in Outbox().list() if "Video tidak dapat dipakai" in m["subject"]]
    assert set(mail["to"]) == {ADMIN}  # not the submitter's doing
    aws.deliver("DraftingQueue", "DraftingFunction")
    assert _drafts(sid)["social"].video_key is None


def test_a_video_whose_pictures_are_damaged_is_refused_with_a_reason(aws, tmp_path):
    _channels("facebook")
    good = bytearray(clips.silent(tmp_path / "VID_rusak.mp4", seconds=3).read_bytes())
    mdat = next(b for b in rules.walk_boxes(bytes(good)) if b.path == "mdat")
    start = mdat.offset + mdat.header + 1500
    good[start:mdat.offset + mdat.size] = hashlib.shake_256(b"noise").digest(mdat.offset + mdat.size - start)
    sid = _handed_over(aws, bytes(good), "VID_rusak.mp4", "video/mp4")
    aws.deliver("VideoDraftingQueue", "VideoDraftingFunction")
    video = video_drafting.submitted_video(services(), VILLAGE, sid)
    made = services().store.get_video_draft(VILLAGE, sid, video.asset_id)
    assert (made.status, made.problem_code) == ("refused", "video_corrupt")
    assert "rusak" in made.problem.id and "damaged" in made.problem.en
