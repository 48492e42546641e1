"""FacebookPage with a video: the photos' post and the video's post, each made once whatever fails."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kabar.adapters.channels.facebook import FacebookPage
from kabar.ports import TransientChannelError

from .channel_support import PAGE_ID, PAGE_TOKEN

LINK = "https://kabar.example.id/r/desa/kerja-bakti?c=fb"
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64


def page(graph) -> FacebookPage:
    return FacebookPage(PAGE_ID, PAGE_TOKEN, graph.graph_url)


def video_post(graph, make_post, photos):
    urls = tuple(graph.host_file(f"foto-{n}.jpg", data) for n, data in enumerate(photos, 1))
    return make_post(photo_urls=urls, link=LINK, video_url=graph.host_file("video.mp4", MP4, "video/mp4"))


def messages(graph) -> list[str]:
    return sorted(p["message"] for p in graph.fake.posts(PAGE_ID))


def test_a_draft_with_a_video_makes_the_photo_post_and_the_video_post(graph, make_post, photos):
    post = video_post(graph, make_post, photos)
    published = page(graph).publish(post)
    assert post.video_url in graph.fake.fetched_urls()
    video_message = f"Video: {post.title}\n\nSelengkapnya: {LINK}&k=kbr-0001-video"
    assert messages(graph) == sorted([FacebookPage.message_for(post), video_message])
    assert page(graph).find(post).remote_id == published.remote_id


def test_a_failed_video_is_made_on_the_retry_without_repeating_the_photos(graph, make_post, photos):
    post = video_post(graph, make_post, photos)
    graph.fake.fail_next(2, 500, on="videos")
    with pytest.raises(TransientChannelError):
        page(graph).publish(post)
    assert len(graph.fake.posts(PAGE_ID)) == 1
    # the retry reconciles first: the pair is incomplete, so publish runs again and adds only the video
    assert page(graph).find(post) is None
    page(graph).publish(post)
    assert len(graph.fake.posts(PAGE_ID)) == 2 and page(graph).find(post) is not None


def test_a_video_made_despite_a_500_is_not_posted_twice(graph, make_post, photos):
    post = video_post(graph, make_post, photos)
    graph.fake.fail_after_success_next(on="videos")
    page(graph).publish(post)
    page(graph).publish(post)  # a duplicate delivery: both posts are found, nothing is made
    assert len(graph.fake.posts(PAGE_ID)) == 2


def test_the_video_goes_with_the_draft_videos_cover_as_its_thumbnail(graph, make_post, photos):
    # Given a draft whose video step chose a cover frame
    cover = photos[1]
    post = video_post(graph, make_post, photos)
    post = replace(post, video_cover_url=graph.host_file("cover.jpg", cover))
    # When it is published
    page(graph).publish(post)
    # Then Meta fetched the published copy from its URL and received the cover frame as the video's thumb
    (video,) = graph.fake.videos(PAGE_ID)
    assert video["source_url"] == post.video_url and video["size"] == len(MP4)
    assert video["thumbnail"] == cover
    (call,) = [r for r in graph.fake.requests if r["edge"] == "videos"]
    assert call["form"]["file_url"] == post.video_url and call["form"]["access_token"] == "<redacted>"
    assert call["thumb"]["filename"] == "cover.jpg"
    # and a video without a chosen cover goes without a thumb (Meta picks a frame itself)
    graph.fake.reset()
    page(graph).publish(video_post(graph, make_post, photos))
    assert [v["thumbnail"] for v in graph.fake.videos(PAGE_ID)] == [None]
