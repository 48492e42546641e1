"""InstagramAccount against the fake Instagram publishing API over real HTTP, with fault injection."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kabar.adapters.channels.instagram import InstagramAccount, InstagramQuotaExceeded
from kabar.ports import PermanentChannelError, TransientChannelError
from kabar_local.fakes.instagram import FakeInstagram

from .conftest import FakeHost, serve_with_files

IG_USER = "17841400000000001"
TOKEN = "EAAG-ig-page-token"
IgHost = FakeHost[FakeInstagram]


@pytest.fixture
def ig() -> Iterator[IgHost]:
    fake = FakeInstagram(polls_in_progress=2)
    fake.add_user(IG_USER, TOKEN, "purwobinangun", quota_total=50)
    host = IgHost(fake)
    stop = serve_with_files(host, {"/graph": fake.api_app})
    yield host
    stop()


def account(ig: IgHost, **kwargs) -> InstagramAccount:
    kwargs.setdefault("poll_interval", 0)
    return InstagramAccount(IG_USER, kwargs.pop("token", TOKEN), f"{ig.url}/graph", **kwargs)


def photo_post(ig: IgHost, make_post, photos, **changes):
    urls = tuple(ig.host(f"foto-{n}.jpg", data) for n, data in enumerate(photos, 1))
    return make_post(photo_urls=urls, **changes)


def test_a_carousel_goes_through_children_parent_polling_and_publish(ig, make_post, photos):
    # Given a post with three photos
    post = photo_post(ig, make_post, photos)
    # When it is published
    published = account(ig).publish(post)
    # Then three carousel items and one CAROUSEL parent were made, each polled until FINISHED
    creates = [r for r in ig.fake.requests if r["edge"] == "media"]
    assert [c.get("is_carousel_item") for c in creates] == ["true", "true", "true", None]
    assert creates[-1]["media_type"] == "CAROUSEL" and creates[-1]["caption"] == post.text.strip()
    (stored,) = ig.fake.published(IG_USER)
    assert stored["media_type"] == "CAROUSEL" and len(stored["children"]) == 3
    assert creates[-1]["children"] == ",".join(stored["children"])
    assert published.remote_id == stored["id"] and published.url.startswith("https://www.instagram.com/p/")
    # and the quota was read before anything was created
    assert ig.fake.requests[0]["edge"] == "content_publishing_limit"


def test_one_photo_is_a_single_image_post(ig, make_post, photos):
    account(ig).publish(photo_post(ig, make_post, photos[:1]))
    (stored,) = ig.fake.published(IG_USER)
    assert stored["media_type"] == "IMAGE"


def test_a_video_goes_as_a_reel_with_the_cover(ig, make_post, photos):
    video = ig.host("video.mp4", b"\x00\x00\x00\x18ftypmp42")
    post = photo_post(ig, make_post, photos[:1], video_url=video)
    account(ig).publish(post)
    (create,) = [r for r in ig.fake.requests if r["edge"] == "media"]
    assert create["media_type"] == "REELS" and create["video_url"] == video
    assert create["cover_url"] == post.photo_urls[0]


def test_the_quota_read_at_run_time_stops_before_creating_anything(ig, make_post, photos):
    ig.fake.set_quota_usage(IG_USER, 50)
    with pytest.raises(InstagramQuotaExceeded) as caught:
        account(ig).publish(photo_post(ig, make_post, photos))
    assert isinstance(caught.value, TransientChannelError) and caught.value.retry_after == 3600
    assert not [r for r in ig.fake.requests if r["edge"] == "media"]


def test_a_container_stuck_in_progress_is_transient_and_an_error_is_permanent(ig, make_post, photos):
    post = photo_post(ig, make_post, photos[:1])
    ig.fake.next_containers_end("STUCK")
    with pytest.raises(TransientChannelError):
        account(ig, max_polls=3).publish(post)
    assert ig.fake.published() == []
    # the next attempt: the container ends in ERROR because Meta could not fetch the photo
    ig.fake.next_containers_end("ERROR", "2207052")
    with pytest.raises(PermanentChannelError) as caught:
        account(ig).publish(post)
    assert "tidak dapat mengambil" in str(caught.value) and "2207052" in str(caught.value)
    assert ig.fake.published() == []


def test_a_500_after_publishing_finds_the_post_instead_of_posting_twice(ig, make_post, photos):
    post = photo_post(ig, make_post, photos)
    ig.fake.fail_after_success_next(on="media_publish")
    published = account(ig).publish(post)
    (stored,) = ig.fake.published(IG_USER)
    assert published.remote_id == stored["id"]


def test_a_retry_after_a_timeout_finds_the_earlier_post(ig, make_post, photos):
    # Given a post made by an attempt whose answer was lost
    post = photo_post(ig, make_post, photos)
    acct = account(ig)
    acct.publish(post)
    # When the retry reconciles first (as the publication use case does)
    found = acct.find(post)
    # Then it is the earlier post, and another post's caption does not match
    assert found and found.remote_id == ig.fake.published()[0]["id"]
    assert acct.find(photo_post(ig, make_post, photos, text="lain", marker="kbr-0002")) is None
    # a fresh process knows no container of this post: the caption alone could be another item's
    assert account(ig).find(post) is None


# -- two submissions with the same caption (issue 9): reconciliation never takes another item's post --


def test_an_unclear_answer_never_takes_another_submissions_post_with_the_same_caption(ig, make_post, photos):
    # Given another submission's post with exactly the same caption, online
    other = account(ig).publish(photo_post(ig, make_post, photos, marker="kabar-a-v1-instagram"))
    # When this submission's media_publish gets no clear answer and did not publish
    ig.fake.fail_next(2, 500, on="media_publish")
    ours = photo_post(ig, make_post, photos, marker="kabar-b-v1-instagram")
    acct = account(ig)
    with pytest.raises(TransientChannelError):
        acct.publish(ours)
    # Then it is not taken for published: its container is not PUBLISHED, the other post is not claimed
    assert acct.find(ours) is None
    assert account(ig).find(ours) is None
    published = acct.publish(ours)
    assert published.remote_id != other.remote_id
    assert len(ig.fake.published(IG_USER)) == 2


def test_an_unclear_answer_after_publishing_finds_this_attempts_post(ig, make_post, photos):
    other = account(ig).publish(photo_post(ig, make_post, photos, marker="kabar-a-v1-instagram"))
    ig.fake.fail_after_success_next(on="media_publish")
    published = account(ig).publish(photo_post(ig, make_post, photos, marker="kabar-b-v1-instagram"))
    (mine,) = {m["id"] for m in ig.fake.published(IG_USER)} - {other.remote_id}
    assert published.remote_id == mine


def test_rate_limit_and_expired_token(ig, make_post, photos):
    post = photo_post(ig, make_post, photos)
    ig.fake.fail_next(4, 400, on="media", headers={
        "X-Business-Use-Case-Usage": '{"1": [{"type": "instagram", "call_count": 100, '
                                     '"estimated_time_to_regain_access": 7}]}'})
    with pytest.raises(TransientChannelError) as caught:
        account(ig).publish(post)
    assert caught.value.retry_after == 7 * 60
    refused = []
    with pytest.raises(PermanentChannelError) as caught:
        account(ig, token="expired", on_token_refused=lambda: refused.append(1)).publish(post)
    assert "Token" in str(caught.value) and refused == [1]
    assert ig.fake.published() == []


def test_media_publish_on_an_unfinished_container_is_refused_by_the_fake(ig, make_post, photos):
    # The fake enforces Meta's rule, so the adapter's polling is what makes the tests above pass.
    post = photo_post(ig, make_post, photos[:1])
    acct = account(ig)
    container = acct._create({"image_url": post.photo_urls[0], "caption": "x"})
    with pytest.raises(PermanentChannelError):
        acct._call("POST", f"{IG_USER}/media_publish", form={"creation_id": container})


def test_the_quota_reached_at_media_publish_is_transient(ig, make_post, photos):
    ig.fake.fail_next(9, 400, on="media_publish", subcode=2207042)
    with pytest.raises(InstagramQuotaExceeded):
        account(ig).publish(photo_post(ig, make_post, photos))
    assert ig.fake.published() == []


def test_through_the_use_case_a_lost_answer_and_a_duplicate_approval_make_one_post(ig, photos):
    # Given the publication use case (in-memory store) and the real adapter against the fake
    from kabar.usecases.publication import PublicationIncomplete, publish_approved
    from tests.unit.test_publication_rules import EVENT, make_svc, wib

    svc = make_svc()
    urls = {f"purwobinangun/s1/{n}.jpg": ig.host(f"p{n}.jpg", data) for n, data in enumerate(photos)}
    svc.store.draft = svc.store.draft.model_copy(update={"photo_keys": list(urls)})
    svc.media.presign_get = lambda key, expires_in: urls[key]
    channels = [account(ig)]
    # When media_publish succeeds but its answer is lost, and the retry makes the adapter reconcile
    ig.fake.fail_after_success_next(on="media_publish")
    ig.fake.fail_next(2, 500, on="list")  # ... and the search for the post fails too, this time
    with pytest.raises(PublicationIncomplete):
        publish_approved(EVENT, svc, channels_for=lambda v, p: channels, at=wib(27, 12))
    # Then the redelivery and a duplicate delivery of the approval find the post instead of posting
    for minute in (5, 6):
        (pub,) = publish_approved(EVENT, svc, channels_for=lambda v, p: channels, at=wib(27, 12, minute))
        assert pub.status.value == "published"
    (stored,) = ig.fake.published(IG_USER)
    assert pub.remote_id == stored["id"] and len(stored["children"]) == 3
