"""InstagramAccount against the fake Instagram publishing API over real HTTP, with fault injection."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kabar.adapters.channels.instagram import InstagramAccount, InstagramQuotaExceeded
from kabar.ports import (
    ChannelPost,
    ChannelProcessing,
    ChannelReady,
    PermanentChannelError,
    Published,
    TransientChannelError,
)
from kabar.services import Services
from kabar_local.fakes.instagram import FakeInstagram

from .channel_support import Died, dies_at
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
    return InstagramAccount(IG_USER, kwargs.pop("token", TOKEN), f"{ig.url}/graph", **kwargs)


def publish_through(acct: InstagramAccount, post: ChannelPost, checks: int = 10) -> Published:
    """What the publication function does across deliveries: publish, then one check per delayed message
    while Meta is still processing (nothing here sleeps or polls)."""
    try:
        return acct.publish(post)
    except ChannelProcessing as busy:
        return check_through(acct, post, busy.state, checks)


def check_through(acct: InstagramAccount, post: ChannelPost, state: dict[str, str], checks: int = 10) -> Published:
    for _ in range(checks):
        try:
            return acct.check(post, state)
        except ChannelProcessing as busy:
            state = busy.state
    raise AssertionError("still processing after every check")


def photo_post(ig: IgHost, make_post, photos, **changes):
    urls = tuple(ig.host(f"foto-{n}.jpg", data) for n, data in enumerate(photos, 1))
    return make_post(photo_urls=urls, **changes)


def test_a_carousel_goes_through_children_parent_polling_and_publish(ig, make_post, photos):
    # Given a post with three photos
    post = photo_post(ig, make_post, photos)
    # When it is published (the items are still processing at first: the parent is made on a later check)
    acct = account(ig)
    with pytest.raises(ChannelProcessing) as first:
        acct.publish(post)
    assert list(first.value.state) == ["children", "made_at"] and not ig.fake.published()
    published = check_through(acct, post, first.value.state)
    # Then three carousel items and one CAROUSEL parent were made, each FINISHED before it was used
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
    publish_through(account(ig), photo_post(ig, make_post, photos[:1]))
    (stored,) = ig.fake.published(IG_USER)
    assert stored["media_type"] == "IMAGE"


def test_a_video_goes_as_a_reel_with_the_cover(ig, make_post, photos):
    video = ig.host("video.mp4", b"\x00\x00\x00\x18ftypmp42")
    post = photo_post(ig, make_post, photos[:1], video_url=video)
    publish_through(account(ig), post)
    (create,) = [r for r in ig.fake.requests if r["edge"] == "media"]
    assert create["media_type"] == "REELS" and create["video_url"] == video
    assert create["cover_url"] == post.photo_urls[0]  # no frame chosen by the video step: the cover graphic


def test_a_reel_is_the_vertical_copy_with_the_video_steps_cover_frame(ig, make_post, photos):
    # Given a draft video with its 9:16 copy and its cover frame
    video = ig.host("video.mp4", b"\x00\x00\x00\x18ftypmp42")
    vertical = ig.host("video-vertical.mp4", b"\x00\x00\x00\x18ftypisom")
    cover = ig.host("video-cover.jpg", photos[2])
    post = photo_post(ig, make_post, photos[:1], video_url=video, video_vertical_url=vertical,
                      video_cover_url=cover)
    # When it is published
    published = publish_through(account(ig), post)
    # Then Instagram received the 9:16 copy as the Reel and the cover frame as its cover
    (create,) = [r for r in ig.fake.requests if r["edge"] == "media"]
    assert create["media_type"] == "REELS" and create["video_url"] == vertical and create["cover_url"] == cover
    (stored,) = ig.fake.published(IG_USER)
    assert stored["id"] == published.remote_id and stored["media_type"] == "REELS"


def test_the_quota_read_at_run_time_stops_before_creating_anything(ig, make_post, photos):
    ig.fake.set_quota_usage(IG_USER, 50)
    with pytest.raises(InstagramQuotaExceeded) as caught:
        account(ig).publish(photo_post(ig, make_post, photos))
    assert isinstance(caught.value, TransientChannelError) and caught.value.retry_after == 3600
    assert not [r for r in ig.fake.requests if r["edge"] == "media"]


def test_a_container_in_progress_is_checked_again_and_an_error_is_permanent(ig, make_post, photos):
    post = photo_post(ig, make_post, photos[:1])
    ig.fake.next_containers_end("STUCK")
    acct = account(ig)
    with pytest.raises(ChannelProcessing) as busy:
        acct.publish(post)
    # one look per attempt, no waiting: the container's id comes back to be checked later
    assert isinstance(busy.value, TransientChannelError) and set(busy.value.state) == {"container", "made_at"}
    assert len([r for r in ig.fake.requests if r["edge"] == "status"]) == 1
    with pytest.raises(ChannelProcessing):
        acct.check(post, busy.value.state)
    assert ig.fake.published() == [] and len([r for r in ig.fake.requests if r["edge"] == "media"]) == 1
    # the next attempt: the container ends in ERROR because Meta could not fetch the photo
    ig.fake.next_containers_end("ERROR", "2207052")
    with pytest.raises(PermanentChannelError) as caught:
        publish_through(account(ig), post)
    assert "tidak dapat mengambil" in str(caught.value) and "2207052" in str(caught.value)
    assert ig.fake.published() == []


def test_a_500_after_publishing_finds_the_post_instead_of_posting_twice(ig, make_post, photos):
    post = photo_post(ig, make_post, photos)
    ig.fake.fail_after_success_next(on="media_publish")
    published = publish_through(account(ig), post)
    (stored,) = ig.fake.published(IG_USER)
    assert published.remote_id == stored["id"]


def test_a_retry_after_a_timeout_finds_the_earlier_post(ig, make_post, photos):
    # Given a post made by an attempt whose answer was lost
    post = photo_post(ig, make_post, photos)
    acct = account(ig)
    publish_through(acct, post)
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
    other = publish_through(account(ig), photo_post(ig, make_post, photos, marker="kabar-a-v1-instagram"))
    # When this submission's media_publish gets no clear answer and did not publish
    ig.fake.fail_next(2, 500, on="media_publish")
    ours = photo_post(ig, make_post, photos, marker="kabar-b-v1-instagram")
    acct = account(ig)
    with pytest.raises(TransientChannelError) as caught:
        publish_through(acct, ours)
    assert not isinstance(caught.value, ChannelProcessing)
    # Then it is not taken for published: its container is not PUBLISHED, the other post is not claimed
    assert acct.find(ours) is None
    assert account(ig).find(ours) is None
    published = publish_through(acct, ours)
    assert published.remote_id != other.remote_id
    assert len(ig.fake.published(IG_USER)) == 2


def test_an_unclear_answer_after_publishing_finds_this_attempts_post(ig, make_post, photos):
    other = publish_through(account(ig), photo_post(ig, make_post, photos, marker="kabar-a-v1-instagram"))
    ig.fake.fail_after_success_next(on="media_publish")
    published = publish_through(account(ig), photo_post(ig, make_post, photos, marker="kabar-b-v1-instagram"))
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
        publish_through(account(ig), photo_post(ig, make_post, photos))
    assert ig.fake.published() == []


class Later:
    """The publication queue's delayed messages, as sent (``LaterQueue``)."""

    def __init__(self) -> None:
        self.sent: list[tuple[dict, int]] = []

    def send_later(self, message: dict, delay_seconds: int) -> None:
        self.sent.append((message, delay_seconds))

    def due(self, n: int = -1):
        from kabar.domain.events import parse_event

        message, _ = self.sent[n]
        return parse_event(message["detail-type"], message["detail"])


def test_through_the_use_case_a_lost_answer_and_a_duplicate_approval_make_one_post(ig, photos):
    # Given the publication use case (in-memory store) and the real adapter against the fake
    from kabar.usecases.publication import PublicationIncomplete, check_channel, publish_approved
    from tests.unit.test_publication_rules import EVENT, wib

    svc = _approved_with_photos(ig, photos)
    channels = [account(ig)]
    later = Later()
    ig.fake.polls_in_progress = 1

    def run(step, moment):
        return step(svc=svc, channels_for=lambda v, p: channels, at=wib(27, 12, moment), later=later)

    # When the approval arrives, Meta is still processing: a check is sent through the queue's delay
    (pub,) = run(lambda **kw: publish_approved(EVENT, **kw), 0)
    assert pub.status.value == "pending" and pub.processing and later.sent[-1][1] == 30
    # the checks go on, each later than the one before, until the carousel's items are ready for their parent
    while "container" not in pub.processing:
        pub = run(lambda **kw: check_channel(later.due(), **kw), 1)
        assert pub.status.value == "pending"
    # then media_publish succeeds but its answer is lost, and the search for the post fails too
    ig.fake.fail_after_success_next(on="media_publish")
    ig.fake.fail_next(2, 500, on="list")
    with pytest.raises(PublicationIncomplete):
        for _ in range(5):
            run(lambda **kw: check_channel(later.due(), **kw), 2)
    delays = [delay for _, delay in later.sent]
    assert delays == sorted(delays) and delays[:3] == [30, 60, 120] and max(delays) <= 900
    # Then the redelivered check finds the post; a stale check and a duplicate approval make nothing
    again = later.due()
    assert run(lambda **kw: check_channel(again, **kw), 5).status.value == "published"
    assert run(lambda **kw: check_channel(again, **kw), 6) is None
    (pub,) = run(lambda **kw: publish_approved(EVENT, **kw), 7)
    assert pub.status.value == "published"
    (stored,) = ig.fake.published(IG_USER)
    assert pub.remote_id == stored["id"] and len(stored["children"]) == 3
    assert svc.store.draft.status.value == "published"


def _dies_after(acct: InstagramAccount, edge: str, before: bool = False) -> InstagramAccount:
    """``acct`` whose process dies at its first call to ``edge``: once Meta acted on it, or (``before``) just
    before the call is made."""
    return dies_at(acct, edge, before=before)


def _approved_with_photos(ig: IgHost, photos) -> Services:  # noqa: ANN001
    """The publication rules' in-memory services, their approved social draft holding these photos (served
    to Meta from the test's host), and Meta finishing containers at once."""
    from tests.unit.test_publication_rules import make_svc

    svc = make_svc()
    urls = {f"purwobinangun/s1/{n}.jpg": ig.host(f"p{n}.jpg", data) for n, data in enumerate(photos)}
    svc.store.draft = svc.store.draft.model_copy(update={"photo_keys": list(urls)})
    svc.media.presign_get = lambda key, expires_in: urls[key]
    ig.fake.polls_in_progress = 0
    return svc


@pytest.mark.parametrize("photo_count", [1, 3])
def test_media_published_then_the_process_dies_the_next_delivery_records_that_post_once(ig, photos, photo_count):
    # Given the publication use case, the container recorded on the publication before media_publish
    from kabar.usecases.publication import publish_approved
    from tests.unit.test_publication_rules import EVENT, wib

    svc = _approved_with_photos(ig, photos[:photo_count])
    # When Meta publishes, then the process dies before it hears the answer
    with pytest.raises(Died):
        publish_approved(EVENT, svc=svc, channels_for=lambda v, p: [_dies_after(account(ig), "media_publish")],
                         at=wib(27, 12, 0), later=Later())
    (stored,) = ig.fake.published(IG_USER)
    # Then the next delivery, a fresh process, asks Meta about that container and records its post: no second
    (pub,) = publish_approved(EVENT, svc=svc, channels_for=lambda v, p: [account(ig)], at=wib(27, 12, 1),
                              later=Later())
    assert pub.status.value == "published" and pub.remote_id == stored["id"] and pub.processing is None
    assert pub.url == f"https://www.instagram.com/p/{stored['id']}/?u=purwobinangun"
    assert len(ig.fake.published(IG_USER)) == 1
    assert len([r for r in ig.fake.requests if r["edge"] == "media_publish"]) == 1


def test_a_post_with_the_same_caption_made_after_ours_died_is_never_recorded_as_ours(ig, photos):
    # Given our media_publish went through and the process died before it heard the answer
    from kabar.domain.models import Procedure, Publication, PublicationStatus
    from kabar.usecases.publication import publish_approved
    from tests.unit.test_publication_rules import EVENT, wib

    svc = _approved_with_photos(ig, photos[:1])
    with pytest.raises(Died):
        publish_approved(EVENT, svc=svc, channels_for=lambda v, p: [_dies_after(account(ig), "media_publish")],
                         at=wib(27, 12, 0), later=Later())
    (ours,) = ig.fake.published(IG_USER)
    # When another submission posts exactly the same caption (newer than ours) and records its post
    caption = svc.store.draft.caption
    other = publish_through(account(ig), ChannelPost(
        tenant_id="purwobinangun", marker="kabar-purwobinangun-s2-social-v1-instagram", title="Kerja Bakti",
        text=caption, lead="", photo_urls=(svc.media.presign_get("purwobinangun/s1/0.jpg", 60),), photo_keys=(),
        graphic_key=None, video_key=None, link=None, activity_date="2026-11-27", location="Candi", slug="s2"))
    svc.store.save_publication(Publication(
        tenant_id="purwobinangun", submission_id="s2", procedure=Procedure.SOCIAL, version=1, channel="instagram",
        status=PublicationStatus.PUBLISHED, marker="kabar-purwobinangun-s2-social-v1-instagram",
        remote_id=other.remote_id, published_at=wib(27, 12, 1)))
    assert [m["caption"] for m in ig.fake.published(IG_USER)] == [caption, caption]
    # Then our next delivery records our post, not the newer one with the same caption
    (pub,) = publish_approved(EVENT, svc=svc, channels_for=lambda v, p: [account(ig)], at=wib(27, 12, 1),
                              later=Later())
    assert pub.status.value == "published" and pub.remote_id == ours["id"] != other.remote_id
    assert len(ig.fake.published(IG_USER)) == 2


def test_a_same_caption_post_from_before_this_attempt_is_never_taken_for_it(ig, make_post, photos):
    # Given another item's post with the same caption from an hour before, recorded by nobody we know of
    earlier = publish_through(account(ig), photo_post(ig, make_post, photos[:1], marker="kabar-a-v1-instagram"))
    ig.fake.backdate(earlier.remote_id, seconds=3600)
    # When our media_publish went through, the process died, and Meta's media list does not show it yet
    ig.fake.polls_in_progress = 0
    post = photo_post(ig, make_post, photos[:1], marker="kabar-b-v1-instagram")
    with pytest.raises(ChannelReady) as ready:
        account(ig).publish(post)
    with pytest.raises(Died):
        _dies_after(account(ig), "media_publish").check(post, ready.value.state)
    ours = next(m["id"] for m in ig.fake.published(IG_USER) if m["id"] != earlier.remote_id)
    ig.fake.unlisted(ours)
    # Then the next delivery does not take the earlier post: it asks again later
    with pytest.raises(ChannelProcessing):
        account(ig).check(post, ready.value.state)
    # and once Meta lists ours, ours is recorded, with no second post
    ig.fake.unlisted(ours, hidden=False)
    assert account(ig).check(post, ready.value.state).remote_id == ours
    assert len(ig.fake.published(IG_USER)) == 2


def test_a_container_recorded_but_not_published_is_published_on_the_next_delivery_not_made_again(ig, photos):
    from kabar.usecases.publication import publish_approved
    from tests.unit.test_publication_rules import EVENT, wib

    svc = _approved_with_photos(ig, photos[:1])
    # Given the process died just before media_publish, its FINISHED container recorded
    with pytest.raises(Died):
        publish_approved(EVENT, svc=svc, channels_for=lambda v, p: [_dies_after(account(ig), "media_publish",
                                                                                before=True)],
                         at=wib(27, 12, 0), later=Later())
    assert not ig.fake.published()
    # When the message is delivered again
    (pub,) = publish_approved(EVENT, svc=svc, channels_for=lambda v, p: [account(ig)], at=wib(27, 12, 1),
                              later=Later())
    # Then that container is published: one container, one post
    (stored,) = ig.fake.published(IG_USER)
    assert pub.status.value == "published" and pub.remote_id == stored["id"]
    assert len([r for r in ig.fake.requests if r["edge"] == "media"]) == 1


def test_a_recorded_container_that_expired_is_made_again_and_published_once(ig, make_post, photos):
    post = photo_post(ig, make_post, photos[:1])
    ig.fake.polls_in_progress = 0
    acct = account(ig)
    with pytest.raises(ChannelReady) as ready:
        acct.publish(post)
    ig.fake.expire(ready.value.state["container"])
    # a fresh process asks about the recorded container: EXPIRED, so a new one is made (and handed back
    # to be recorded before it is published)
    with pytest.raises(ChannelReady) as again:
        account(ig).check(post, ready.value.state)
    assert again.value.state["container"] != ready.value.state["container"]
    published = account(ig).check(post, again.value.state)
    (stored,) = ig.fake.published(IG_USER)
    assert published.remote_id == stored["id"]
