"""WordPressSite against the fake WordPress REST API over real HTTP, with fault injection."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kabar.adapters.channels.wordpress import WordPressSite
from kabar.ports import PermanentChannelError, TransientChannelError
from kabar_local.fakes.wordpress import FakeWordPress

from .conftest import FakeHost, serve_with_files

USER = "admin-desa"
APP_PASSWORD = "abcd EFGH 1234 ijkl MNOP 5678"
WpHost = FakeHost[FakeWordPress]


@pytest.fixture
def wp() -> Iterator[WpHost]:
    fake = FakeWordPress(USER, APP_PASSWORD)
    host = WpHost(fake)
    stop = serve_with_files(host, {"/site": fake.app})
    fake.base_url = f"{host.url}/site"
    yield host
    stop()


def site(wp: WpHost, password: str = APP_PASSWORD) -> WordPressSite:
    return WordPressSite(f"{wp.url}/site", USER, password, secret_name="kabar/desa/wordpress",
                         reconnect_url="https://kabar.example.id/app/desa/settings#kanal")


def article(wp, make_post, photos, **changes):
    urls = tuple(wp.host(f"foto-{n}.jpg", data) for n, data in enumerate(photos, 1))
    return make_post(photo_urls=urls, text="<p>Purwobinangun, 27 November 2026 - Warga bergotong royong.</p>",
                     **changes)


def online(wp: WpHost) -> list[dict]:
    return [p for p in wp.fake.posts.values() if p["status"] == "publish"]


def test_media_featured_image_category_and_post(wp, make_post, photos):
    # Given an article with three photos
    post = article(wp, make_post, photos)
    # When it is published
    published = site(wp).publish(post)
    # Then each photo was uploaded raw with a Content-Disposition, the first is the featured image
    uploads = [r for r in wp.fake.requests if r["edge"] == "media" and r["method"] == "POST"]
    stem = WordPressSite.media_stem("kbr-0001")
    assert [u["headers"]["Content-Disposition"] for u in uploads] == [
        f'attachment; filename="{stem}-{n}.jpg"' for n in (1, 2, 3)]
    assert [m["data"] for m in wp.fake.media.values()] == photos
    (stored,) = wp.fake.posts.values()
    assert stored["featured_media"] == min(wp.fake.media) and stored["status"] == "publish"
    # the category "Berita" was created once and used
    assert [wp.fake.categories[c] for c in stored["categories"]] == ["Berita"]
    # the content is what the preview shows: the dateline and the lead, the article, every photo in the
    # gallery with its caption and alt text; and it carries the invisible marker
    assert stored["content"].startswith('<p class="kabar-lead"><strong class="kabar-dateline">27 November 2026'
                                        "</strong> \u2013 Warga bergotong royong membersihkan saluran irigasi.</p>")
    assert post.text in stored["content"] and stored["content"].count("<img ") == 3
    assert stored["content"].count("<figcaption>Dokumentasi Kerja Bakti Membersihkan Saluran Irigasi (") == 3
    assert 'alt="Dokumentasi Kerja Bakti Membersihkan Saluran Irigasi (1/3)"' in stored["content"]
    # the photos are attached to the post, with alt text and caption
    assert {m["post"] for m in wp.fake.media.values()} == {stored["id"]}
    assert [m["alt_text"] for m in wp.fake.media.values()] == [
        f"Dokumentasi Kerja Bakti Membersihkan Saluran Irigasi ({n}/3)" for n in (1, 2, 3)]
    assert "<!-- kabar:kbr-0001 -->" in stored["content"]
    assert published.remote_id == str(stored["id"]) and published.url == wp.fake.link_of(stored)
    # and a second post reuses the category
    site(wp).publish(article(wp, make_post, photos[:1], marker="kbr-0002"))
    assert list(wp.fake.categories.values()).count("Berita") == 1


def test_a_500_with_the_post_created_is_not_posted_twice(wp, make_post, photos):
    post = article(wp, make_post, photos)
    wp.fake.fail_after_success_next(on="posts", item=True)
    published = site(wp).publish(post)
    (stored,) = wp.fake.posts.values()
    assert published.remote_id == str(stored["id"])
    # and a retry that reconciles first finds the same post
    assert site(wp).find(post).remote_id == str(stored["id"])
    assert site(wp).find(article(wp, make_post, photos, marker="kbr-other")) is None


def test_wrong_application_password_and_missing_role_are_permanent(wp, make_post, photos):
    post = article(wp, make_post, photos)
    with pytest.raises(PermanentChannelError) as caught:
        site(wp, "wrong").publish(post)
    assert "application password" in str(caught.value)
    assert "https://kabar.example.id/app/desa/settings#kanal" in str(caught.value)
    wp.fake.can_publish = False
    with pytest.raises(PermanentChannelError) as caught:
        site(wp).publish(post)
    assert "Editor" in str(caught.value) and "rest_cannot_create" in str(caught.value)
    assert wp.fake.posts == {}


def test_rate_limit_is_transient_with_retry_after(wp, make_post, photos):
    wp.fake.fail_next(429, "too_many_requests", on="posts", headers={"Retry-After": "120"}, method="POST")
    with pytest.raises(TransientChannelError) as caught:
        site(wp).publish(article(wp, make_post, photos))
    assert caught.value.retry_after == 120 and not caught.value.ambiguous
    assert not online(wp)


def test_an_existing_category_is_reused_not_created(wp, make_post, photos):
    wp.fake.categories[7] = "Berita"
    site(wp).publish(article(wp, make_post, photos[:1]))
    (stored,) = wp.fake.posts.values()
    assert stored["categories"] == [7]
    assert not [r for r in wp.fake.requests if r["edge"] == "categories" and r["method"] == "POST"]


def test_a_timeout_on_the_photo_upload_is_transient_and_posts_nothing(wp, make_post, photos):
    wp.fake.fail_next(503, "service_unavailable", on="media", method="POST")
    with pytest.raises(TransientChannelError):
        site(wp).publish(article(wp, make_post, photos))
    assert not online(wp)


def test_a_retry_reuses_the_photos_an_earlier_attempt_uploaded(wp, make_post, photos):
    # Given an attempt that uploaded the photos and then failed on the post
    post = article(wp, make_post, photos)
    wp.fake.fail_next(503, "service_unavailable", on="posts", method="POST", item=True)
    with pytest.raises(TransientChannelError):
        site(wp).publish(post)
    assert len(wp.fake.media) == 3
    # When it is retried, Then no photo is uploaded twice and the post uses the same media
    site(wp).publish(post)
    (stored,) = wp.fake.posts.values()
    assert len(wp.fake.media) == 3 and stored["featured_media"] == min(wp.fake.media)
    # while another post's photos are its own
    site(wp).publish(article(wp, make_post, photos[:1], marker="kbr-0002"))
    assert len(wp.fake.media) == 4


def test_a_site_whose_rest_api_answers_with_pages_is_unreachable_not_a_timeout(make_post):
    # Given a site that answers every address, /wp-json and ?rest_route= alike, with its HTML home page
    from werkzeug.wrappers import Request, Response

    from tests.serving import serve

    seen = []

    @Request.application
    def home(request: Request) -> Response:
        seen.append(request.full_path)
        return Response("<!doctype html><title>Kalurahan</title>", content_type="text/html; charset=UTF-8")

    url, stop = serve(home)
    try:
        with pytest.raises(PermanentChannelError) as caught:
            WordPressSite(url, USER, APP_PASSWORD).publish(make_post())
    finally:
        stop()
    # Then the admin reads the real cause, after both address forms were tried
    assert "REST API WordPress" in str(caught.value) and "tidak dapat dijangkau" in str(caught.value)
    assert seen[0].startswith("/wp-json/wp/v2/posts") and seen[1].startswith("/?rest_route=%2Fwp%2Fv2%2Fposts")


# -- two submissions with the same text (issue 9): the marker, never the text, identifies a post ------


def test_an_unclear_answer_never_takes_another_submissions_post_with_the_same_text(wp, make_post, photos):
    # Given another submission's article with exactly the same title and text, online
    other = site(wp).publish(article(wp, make_post, photos, marker="kabar-desa-a-website-v1-wordpress"))
    ours = article(wp, make_post, photos, marker="kabar-desa-b-website-v1-wordpress")
    # When this submission's post gets an error and was not made
    wp.fake.fail_next(500, "internal_server_error", on="posts")
    with pytest.raises(TransientChannelError):
        site(wp).publish(ours)
    # Then it is not taken for the other one, before or after its retry
    assert site(wp).find(ours) is None
    published = site(wp).publish(ours)
    assert published.remote_id != other.remote_id
    assert site(wp).find(ours).remote_id == published.remote_id
    assert site(wp).find(article(wp, make_post, photos, marker="kabar-desa-a-website-v1-wordpress")) == other
    # a later version of the same submission is another post too (-v1- is no part of -v11-)
    assert site(wp).find(article(wp, make_post, photos, marker="kabar-desa-a-website-v11-wordpress")) is None


MP4 = b"\x00\x00\x00\x18ftypisom" + b"\x00" * 200  # the published copy's bytes, as far as WordPress looks


def test_the_draft_video_plays_in_the_article_with_its_cover_as_the_poster(wp, make_post, photos):
    # Given an article whose submission has a draft video (the published copy) and a chosen cover frame
    cover = photos[2]
    post = article(wp, make_post, photos[:1], video_url=wp.host("video.mp4", MP4),
                   video_cover_url=wp.host("video-cover.jpg", cover))
    # When it is published, twice (a redelivery)
    site(wp).publish(post)
    site(wp).publish(post)
    # Then the video and its cover were uploaded once each, attached to the post
    stem = WordPressSite.media_stem("kbr-0001")
    by_name = {m["filename"]: m for m in wp.fake.media.values()}
    assert set(by_name) == {f"{stem}-1.jpg", f"{stem}-video.mp4", f"{stem}-video-cover.jpg"}
    assert by_name[f"{stem}-video.mp4"]["data"] == MP4 and by_name[f"{stem}-video.mp4"]["mime_type"] == "video/mp4"
    assert by_name[f"{stem}-video-cover.jpg"]["data"] == cover
    (stored,) = wp.fake.posts.values()
    assert {m["post"] for m in wp.fake.media.values()} == {stored["id"]}
    # and the article plays the video with the cover frame as its poster; the photo stays the featured image
    video, poster = by_name[f"{stem}-video.mp4"], by_name[f"{stem}-video-cover.jpg"]
    assert (f'<video controls="" preload="none" poster="{poster["source_url"]}" src="{video["source_url"]}">'
            in stored["content"])
    assert stored["featured_media"] == by_name[f"{stem}-1.jpg"]["id"]


def test_without_photos_the_videos_cover_is_the_featured_image(wp, make_post, photos):
    post = make_post(text="<p>Warga bergotong royong.</p>", video_url=wp.host("video.mp4", MP4),
                     video_cover_url=wp.host("video-cover.jpg", photos[0]))
    site(wp).publish(post)
    (stored,) = wp.fake.posts.values()
    (cover,) = [m for m in wp.fake.media.values() if m["filename"].endswith("-video-cover.jpg")]
    assert stored["featured_media"] == cover["id"] and "<video " in stored["content"]
