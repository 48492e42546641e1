"""Issue 14's channels and issue 15's waiting, through the publication function against moto and the local
stack's channel fakes over HTTP: each channel receives the draft video's published copy (never the
original), the 9:16 copy where it belongs and the cover frame as its thumbnail; a channel still processing
is asked again through the queue's delay (DelaySeconds, honoured by moto), and published once."""

from __future__ import annotations

import json
import time
import urllib.parse
import uuid
from datetime import date

import boto3
import pytest
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.wrappers import Response

from kabar.domain import publishing
from kabar.domain.clock import now
from kabar.domain.events import DraftApproved
from kabar.domain.models import ChannelConfig, DraftStatus, Procedure
from kabar.domain.outbox import Change
from kabar.services import reset, services
from kabar.usecases.villages import put_village
from kabar_local import samples
from kabar_local import video_samples as clips
from kabar_local.fakes.channels import LocalChannels, local_secret
from kabar_local.fakes.graph import FakeGraph
from kabar_local.outbox import Outbox
from tests.integration.flow import VILLAGE, staff, submit, upload_all
from tests.serving import serve

ADMIN = "admin@purwobinangun.desa.id"


@pytest.fixture
def channels(aws, monkeypatch):
    """The local stack's channel fakes on a local port, and the village's channels pointed at them:
    Facebook, Instagram and YouTube (with Shorts) for social media, WordPress for the website."""
    holder: dict[str, DispatcherMiddleware] = {}
    base, stop_server = serve(lambda env, start: holder["app"](env, start))
    fakes = LocalChannels(FakeGraph(), base)
    holder["app"] = DispatcherMiddleware(Response("not found", status=404), fakes.mounts())
    monkeypatch.setenv("KABAR_GRAPH_BASE_URL", f"{base}/graph")
    monkeypatch.setattr(publishing, "CHECK_FIRST", 1)  # the first check a second later (30 s in production)
    reset()
    village = services().store.get_village(VILLAGE)
    suffix = uuid.uuid4().hex[:8]
    social = [ChannelConfig(type="facebook", page_id="1234567890", secret_name=f"kabar/{VILLAGE}/meta-{suffix}"),
              ChannelConfig(type="instagram", secret_name=f"kabar/{VILLAGE}/meta-{suffix}"),
              ChannelConfig(type="youtube", secret_name=f"kabar/{VILLAGE}/youtube-{suffix}", shorts=True)]
    website = [ChannelConfig(type="wordpress", secret_name=f"kabar/{VILLAGE}/wordpress-{suffix}")]
    village = village.model_copy(update={"channels": {Procedure.SOCIAL: social, Procedure.WEBSITE: website}})
    fakes.register(village, social + website)
    for channel in social + website:
        if channel.type != "facebook":
            secret = local_secret(base, village, channel)
            services().credentials.put(VILLAGE, channel.secret_name, secret, {"account": channel.type}, "test", now())
    put_village(village, svc=services())
    fakes.instagram.polls_in_progress = 1  # Meta says IN_PROGRESS once for each container
    fakes.youtube[VILLAGE].processing_polls = 1  # YouTube says "processing" once for each video
    yield fakes
    stop_server()
    reset()


@pytest.fixture(scope="module")
def phone_clip(tmp_path_factory) -> bytes:
    """An iPhone's HEVC video with its location (Reels take 3 seconds at least)."""
    return clips.iphone_hevc(tmp_path_factory.mktemp("v") / "IMG_0002.MOV", seconds=3.5).read_bytes()


def _drafted_with_a_phone_video(aws, video: bytes) -> str:
    payload, blobs = samples.submission_payload(date.today())
    payload["files"][-1] = {"name": "IMG_0002.MOV", "kind": "video", "content_type": "video/quicktime",
                            "size": len(video)}
    blobs[-1] = video
    status, created = submit(aws, staff("submitter"), payload)
    assert status == 201, created
    upload_all(created, blobs, payload)
    aws.deliver("IntakeQueue", "IntakeFunction")
    aws.deliver("DraftingQueue", "DraftingFunction")  # the website draft
    aws.deliver("VideoDraftingQueue", "VideoDraftingFunction")  # the draft video: its copies and cover
    aws.deliver("DraftingQueue", "DraftingFunction")  # the social draft, with them
    return created["submission_id"]


def _approve_both(aws, sid: str) -> None:
    """The PPID's TERIMA on both drafts (the decision's own tests are elsewhere): approved and announced."""
    store = services().store
    for procedure in (Procedure.SOCIAL, Procedure.WEBSITE):
        draft = store.get_draft(VILLAGE, sid, procedure)
        assert store.set_draft_status(draft, DraftStatus.IN_REVIEW, DraftStatus.APPROVED)
        store.enqueue(Change(events=[DraftApproved(
            tenant_id=VILLAGE, submission_id=sid, procedure=procedure, version=draft.version, reviewer="PPID",
            occurred_at=draft.created_at)]))


def _delayed(aws) -> tuple[int, int]:
    attrs = boto3.client("sqs").get_queue_attributes(
        QueueUrl=aws.queues["PublicationQueue"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed"])["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]), int(attrs["ApproximateNumberOfMessagesDelayed"])


def _deliver_when_due(aws, expected: int) -> list[dict]:
    """The delayed checks, delivered once SQS makes them visible (a bounded wait, not a measurement)."""
    for _ in range(100):
        if _delayed(aws)[0] >= expected:
            break
        time.sleep(0.1)
    return aws.deliver("PublicationQueue", "PublicationFunction")


def _key_of(url: str) -> str:
    return urllib.parse.unquote(urllib.parse.urlsplit(url).path).split("/", 2)[2]


def _publications(sid: str, procedure: Procedure) -> dict[str, object]:
    draft = services().store.get_draft(VILLAGE, sid, procedure)
    return {p.channel: p for p in services().store.publications(VILLAGE, sid, procedure, draft.version)}


def test_every_channel_receives_the_published_copy_the_vertical_copy_and_the_cover(aws, channels, phone_clip):
    # Given a hand-over with photos and a phone video, drafted (the video step made its copies) and approved
    sid = _drafted_with_a_phone_video(aws, phone_clip)
    social = services().store.get_draft(VILLAGE, sid, Procedure.SOCIAL)
    media = services().media
    published, vertical, cover = (media.get(k) for k in (
        social.video_key, social.video_vertical_key, social.video_cover_key))
    original = services().uploads.get(next(a.key for a in services().store.list_assets(VILLAGE, sid)
                                           if a.kind.value == "video"))
    _approve_both(aws, sid)

    # When the approvals reach the publication function
    aws.deliver("PublicationQueue", "PublicationFunction")
    # Then Facebook and WordPress are online, and Instagram and YouTube are still processing: each is asked
    # again by a message the function sent to its own queue with a delay, not polled inside the function
    pubs = _publications(sid, Procedure.SOCIAL)
    assert pubs["facebook"].status.value == "published"
    assert {c: (pubs[c].status.value, pubs[c].checks) for c in ("instagram", "youtube")} == {
        "instagram": ("pending", 1), "youtube": ("pending", 1)}
    assert _publications(sid, Procedure.WEBSITE)["wordpress"].status.value == "published"
    assert _delayed(aws) == (0, 2)  # not visible yet: SQS holds them for their delay
    assert not [r for r in channels.instagram.requests if r["edge"] == "media_publish"]

    # When the checks are due: Instagram's container is FINISHED and YouTube has processed the videos
    _deliver_when_due(aws, expected=2)
    pubs = _publications(sid, Procedure.SOCIAL)
    assert {c: p.status.value for c, p in pubs.items()} == dict.fromkeys(("facebook", "instagram", "youtube"),
                                                                          "published")
    assert services().store.get_draft(VILLAGE, sid, Procedure.SOCIAL).status is DraftStatus.PUBLISHED
    assert _delayed(aws) == (0, 0)

    # Instagram: one Reel of the 9:16 copy with the cover frame as cover_url, published once
    (reel,) = [r for r in channels.instagram.requests if r["edge"] == "media"]
    assert reel["media_type"] == "REELS"
    assert _key_of(reel["video_url"]) == social.video_vertical_key
    assert _key_of(reel["cover_url"]) == social.video_cover_key
    assert len(channels.instagram.published()) == 1
    assert len([r for r in channels.instagram.requests if r["edge"] == "media_publish"]) == 1
    # Facebook: the published copy pulled from its URL, the cover frame as the video's thumb
    (fb_video,) = channels.graph.videos("1234567890")
    assert _key_of(fb_video["source_url"]) == social.video_key and fb_video["size"] == len(published)
    assert fb_video["thumbnail"] == cover
    # YouTube: the published copy and the 9:16 copy as a Short, each with the cover as its thumbnail
    account = channels.youtube[VILLAGE]
    main, short = list(account.videos)
    assert account.video_bytes(main) == published and account.video_bytes(short) == vertical
    assert account.thumbnail(main) == cover and account.thumbnail(short) == cover
    assert account.videos[short]["snippet"]["title"].endswith("#Shorts")
    assert pubs["youtube"].remote_id == main
    # WordPress: the published copy plays in the article, the cover frame as its poster
    site = channels.wordpress[VILLAGE]
    by_kind = {m["filename"].split("-", 2)[-1]: m for m in site.media.values() if "video" in m["filename"]}
    assert by_kind["video.mp4"]["data"] == published and by_kind["video-cover.jpg"]["data"] == cover
    (post,) = site.posts.values()
    assert f'poster="{by_kind["video-cover.jpg"]["source_url"]}"' in post["content"]
    assert f'src="{by_kind["video.mp4"]["source_url"]}"' in post["content"]
    # and no channel ever received the original from the phone
    received = [account.video_bytes(v) for v in account.videos] + [m["data"] for m in site.media.values()]
    assert original not in received and len(original) != fb_video["size"]

    # A check delivered again (SQS delivers at least once) publishes nothing twice
    sqs = boto3.client("sqs")
    due = {"detail-type": "ChannelCheckDue", "detail": {
        "tenant_id": VILLAGE, "submission_id": sid, "procedure": "social", "version": social.version,
        "channel": "instagram", "check": 1, "occurred_at": "2026-11-27T10:00:00+07:00"}}
    sqs.send_message(QueueUrl=aws.queues["PublicationQueue"], MessageBody=json.dumps(due))
    aws.deliver("PublicationQueue", "PublicationFunction")
    assert len(channels.instagram.published()) == 1 and len(account.videos) == 2


def test_a_container_instagram_refuses_is_told_to_the_admin_in_plain_words(aws, channels, phone_clip):
    sid = _drafted_with_a_phone_video(aws, phone_clip)
    _approve_both(aws, sid)
    channels.instagram.next_containers_end("ERROR", "2207026")  # Meta could not process the video
    aws.deliver("PublicationQueue", "PublicationFunction")
    assert _publications(sid, Procedure.SOCIAL)["instagram"].status.value == "pending"
    _deliver_when_due(aws, expected=2)
    instagram = _publications(sid, Procedure.SOCIAL)["instagram"]
    assert instagram.status.value == "failed" and instagram.processing is None
    assert channels.instagram.published() == []
    aws.settle()
    (mail,) = [m for m in Outbox().list(to=ADMIN) if "Gagal terbit di Instagram" in m["subject"]]
    assert "Instagram menolak media ini" in mail["text"] and "Reels MP4 H.264 9:16" in mail["text"]
    assert "2207026" in mail["text"]
    # the other channels went on
    assert _publications(sid, Procedure.SOCIAL)["youtube"].status.value == "published"
