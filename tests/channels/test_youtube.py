"""YouTubeChannel against the fake resumable-upload API over real HTTP, with fault injection."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime

import pytest

from kabar.adapters.channels.youtube import CHUNK_UNIT, PACIFIC, YouTubeChannel
from kabar.ports import ChannelProcessing, PermanentChannelError, TransientChannelError
from kabar_local.fakes.youtube import QUOTA, FakeYouTube
from tests.serving import serve

CLIENT = ("client-id.apps.googleusercontent.com", "client-secret", "1//refresh-token")
VIDEO = os.urandom(2 * CHUNK_UNIT + 1000)  # three chunks of 256 KiB


class MemoryMedia:
    """Just what the adapter reads from the media bucket."""

    bucket = "media"

    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = objects

    def head(self, key: str) -> dict | None:
        data = self.objects.get(key)
        return None if data is None else {"ContentLength": len(data), "ContentType": "video/mp4"}

    def get_range(self, key: str, start: int, end: int) -> bytes:
        return self.objects[key][start:end + 1]

    def get(self, key: str) -> bytes:
        return self.objects[key]


@pytest.fixture
def yt() -> Iterator[FakeYouTube]:
    fake = FakeYouTube(*CLIENT)
    url, stop = serve(fake.app)
    fake.base_url = url
    yield fake
    stop()


VERTICAL = os.urandom(CHUNK_UNIT + 10)
COVER = b"\xff\xd8\xff\xe0" + os.urandom(600)  # a JPEG's start is what YouTube's fake checks


def channel(yt: FakeYouTube, **kwargs) -> YouTubeChannel:
    media = {"desa/s1/video.mp4": VIDEO, "desa/s1/video-vertical.mp4": VERTICAL, "desa/s1/video-cover.jpg": COVER}
    return YouTubeChannel(MemoryMedia(media), *CLIENT, api_base_url=yt.base_url,
                          token_url=f"{yt.base_url}/token", chunk_size=CHUNK_UNIT, secret_name="kabar/desa/youtube",
                          reconnect_url="https://kabar.example.id/app/desa/settings#kanal",
                          **kwargs)


@pytest.fixture
def video_post(make_post):
    return make_post(video_key="desa/s1/video.mp4", link="https://kabar.example.id/r/desa/kerja-bakti?c=yt")


def test_resumable_upload_in_chunks(yt, video_post):
    published = channel(yt).publish(video_post)
    (video_id,) = yt.videos
    assert published.remote_id == video_id and published.url == f"https://www.youtube.com/watch?v={video_id}"
    assert yt.video_bytes(video_id) == VIDEO
    chunks = [r["content_range"] for r in yt.requests if r["edge"] == "chunk"]
    assert chunks == [f"bytes 0-{CHUNK_UNIT - 1}/{len(VIDEO)}", f"bytes {CHUNK_UNIT}-{2 * CHUNK_UNIT - 1}/{len(VIDEO)}",
                      f"bytes {2 * CHUNK_UNIT}-{len(VIDEO) - 1}/{len(VIDEO)}"]
    snippet = yt.videos[video_id]["snippet"]
    assert snippet["tags"] == ["kbr-0001"] and snippet["description"].endswith("?c=yt")
    assert channel(yt).find(video_post).remote_id == video_id


def test_a_chunk_that_fails_resumes_where_the_session_stands(yt, video_post):
    yt.fail_after_success_next("chunk")  # the first chunk is stored, its answer lost
    channel(yt).publish(video_post)
    (video_id,) = yt.videos
    assert yt.video_bytes(video_id) == VIDEO
    assert f"bytes */{len(VIDEO)}" in [r["content_range"] for r in yt.requests]


def test_the_last_chunk_answer_lost_yields_the_video_once(yt, video_post):
    yt.lose_completion_answer_next()
    published = channel(yt).publish(video_post)
    assert list(yt.videos) == [published.remote_id]
    chunks = [r for r in yt.requests if r["edge"] == "chunk"]
    assert chunks[-1]["content_range"] == f"bytes */{len(VIDEO)}"  # asked the session, did not re-upload


def test_quota_exceeded_is_transient_until_midnight_pacific(yt, video_post):
    yt.fail_next("init", QUOTA)
    at = datetime(2026, 11, 27, 22, 0, tzinfo=PACIFIC)
    with pytest.raises(TransientChannelError) as caught:
        channel(yt, now=lambda: at).publish(video_post)
    assert caught.value.retry_after == 2 * 3600 and "quotaExceeded" in str(caught.value)
    assert yt.videos == {}


def test_a_revoked_refresh_token_is_permanent(yt, video_post):
    yt.revoked = True
    with pytest.raises(PermanentChannelError) as caught:
        channel(yt).publish(video_post)
    assert "invalid_grant" in str(caught.value) and "/app/desa/settings#kanal" in str(caught.value)


def test_a_post_without_video_is_not_for_youtube(yt, make_post):
    assert not YouTubeChannel.accepts(make_post())
    with pytest.raises(PermanentChannelError):
        channel(yt).publish(make_post())


def test_the_video_is_read_from_the_media_bucket_in_ranges(yt, buckets, make_post):
    buckets.media.put("desa/s1/video.mp4", VIDEO, "video/mp4")
    channel = YouTubeChannel(buckets.media, *CLIENT, api_base_url=yt.base_url, token_url=f"{yt.base_url}/token",
                             chunk_size=CHUNK_UNIT)
    published = channel.publish(make_post(video_key="desa/s1/video.mp4"))
    assert yt.video_bytes(published.remote_id) == VIDEO
    with pytest.raises(PermanentChannelError):  # a key that is not there
        channel.publish(make_post(video_key="desa/s1/missing.mp4"))


def test_a_video_with_the_same_text_as_another_submissions_is_never_taken_for_it(yt, make_post):
    """Issue 9: the marker is the video's tag; two submissions with the same title and text stay apart."""
    a = make_post(video_key="desa/s1/video.mp4", marker="kabar-desa-a-social-v1-youtube")
    b = make_post(video_key="desa/s1/video.mp4", marker="kabar-desa-b-social-v1-youtube")
    first = channel(yt).publish(a)
    assert channel(yt).find(b) is None  # same title and description, another item
    second = channel(yt).publish(b)
    assert second.remote_id != first.remote_id
    assert channel(yt).find(a).remote_id == first.remote_id
    assert channel(yt).find(b).remote_id == second.remote_id


# -- the cover frame, the Short and YouTube's processing (issue 14, issue 15) --------------------------


@pytest.fixture
def draft_video_post(make_post):
    return make_post(video_key="desa/s1/video.mp4", video_vertical_key="desa/s1/video-vertical.mp4",
                     video_cover_key="desa/s1/video-cover.jpg", link="https://kabar.example.id/r/desa/k?c=yt")


def test_the_cover_frame_is_set_as_the_thumbnail_and_processing_is_checked_later(yt, draft_video_post):
    # Given YouTube that processes each video for two questions
    yt.processing_polls = 2
    yt_channel = channel(yt)
    # When the draft video is published: uploaded, its cover set, processing asked once (no waiting)
    with pytest.raises(ChannelProcessing) as busy:
        yt_channel.publish(draft_video_post)
    (video_id,) = yt.videos
    assert busy.value.state == {"video": video_id, "thumbnail": "done"}
    assert yt.thumbnail(video_id) == COVER and yt.video_bytes(video_id) == VIDEO
    thumb = next(r for r in yt.requests if r["edge"] == "thumbnail")
    assert thumb["query"]["videoId"] == video_id
    # Then a later check (a fresh object, as in another delivery) sees it processing, then online
    with pytest.raises(ChannelProcessing):
        channel(yt).check(draft_video_post, busy.value.state)
    published = channel(yt).check(draft_video_post, busy.value.state)
    assert published.remote_id == video_id and list(yt.videos) == [video_id]  # uploaded once
    assert len([r for r in yt.requests if r["edge"] == "thumbnail"]) == 1  # the cover set once


def test_the_vertical_copy_goes_as_a_short_when_the_channel_says_so(yt, draft_video_post):
    published = channel(yt, shorts=True).publish(draft_video_post)
    main, short = list(yt.videos)
    assert published.remote_id == main
    assert yt.video_bytes(main) == VIDEO and yt.video_bytes(short) == VERTICAL  # never the original
    assert yt.videos[short]["snippet"]["title"].endswith("#Shorts")
    assert yt.videos[short]["snippet"]["tags"] == ["kbr-0001-short"]
    assert yt.thumbnail(main) == COVER and yt.thumbnail(short) == COVER
    # without the option, no Short
    yt.videos.clear()
    channel(yt).publish(draft_video_post)
    assert len(yt.videos) == 1


def test_a_rejected_video_is_permanent_and_a_refused_thumbnail_is_told(yt, draft_video_post):
    yt.next_videos_end("rejected", "duplicate")
    with pytest.raises(PermanentChannelError) as caught:
        channel(yt).publish(draft_video_post)
    assert "duplicate" in str(caught.value) and "menolak" in str(caught.value)
    # a channel that may not set custom thumbnails: the video is online, the admins are told
    yt.thumbnails_allowed = False
    yt_channel = channel(yt)
    assert yt_channel.publish(draft_video_post).remote_id
    assert yt_channel.notice is not None and "sampul" in str(yt_channel.notice)


def test_a_passing_failure_after_the_upload_keeps_the_video_for_the_next_check(yt, draft_video_post):
    from kabar_local.fakes.youtube import GoogleError

    yt.fail_next("thumbnail", GoogleError(503, "backendError", "Backend Error"))
    with pytest.raises(ChannelProcessing) as busy:
        channel(yt).publish(draft_video_post)
    (video_id,) = yt.videos
    assert busy.value.state == {"video": video_id, "thumbnail": "todo"}
    assert channel(yt).check(draft_video_post, busy.value.state).remote_id == video_id
    assert list(yt.videos) == [video_id] and yt.thumbnail(video_id) == COVER
