"""FacebookPage against the fake Graph API over real HTTP."""

from __future__ import annotations

import json

import pytest

from kabar.adapters.channels.facebook import FacebookPage, FacebookPermanentError, FacebookTransientError
from kabar.ports import ChannelReady, PermanentChannelError, TransientChannelError

from .channel_support import PAGE_ID, PAGE_TOKEN, Died, dies_at

LINK = "https://kabar.example.id/r/desa/kerja-bakti?c=fb"


def page(graph, **kwargs) -> FacebookPage:
    return FacebookPage(PAGE_ID, kwargs.pop("token", PAGE_TOKEN), graph.graph_url, **kwargs)


def social_post(graph, make_post, photos, **changes):
    urls = tuple(graph.host_file(f"foto-{n}.jpg", data) for n, data in enumerate(photos, 1))
    return make_post(photo_urls=urls, link=LINK, **changes)


def test_publishes_a_multi_photo_post_in_order(graph, make_post, photos):
    # Given a post with three photos and a link
    post = social_post(graph, make_post, photos)
    # When it is published
    published = page(graph).publish(post)
    # Then the fake fetched every photo, and the feed post attaches them in order
    assert graph.fake.fetched_urls() == list(post.photo_urls)
    uploads = [r for r in graph.fake.requests if r["edge"] == "photos"]
    assert [u["form"]["published"] for u in uploads] == ["false"] * 3
    (feed,) = [r for r in graph.fake.requests if r["edge"] == "feed" and r["method"] == "POST"]
    attached = [json.loads(feed["form"][f"attached_media[{i}]"])["media_fbid"] for i in range(3)]
    (stored,) = graph.fake.posts(PAGE_ID)
    assert attached == [p["id"] for p in stored["photos"]]
    assert [graph.fake.media(p["id"])[0] for p in stored["photos"]] == photos
    # and the message ends with the link, which carries the marker
    assert stored["message"] == f"{post.text}\n\nSelengkapnya: {LINK}&k=kbr-0001"
    assert published.remote_id == stored["id"]
    assert published.remote_id.startswith(f"{PAGE_ID}_")
    assert published.url == f"{graph.feed_url}/{PAGE_ID}#post-{stored['id']}"  # the permalink the API gave


def test_the_token_never_travels_in_a_url(graph, make_post, photos):
    page(graph).publish(social_post(graph, make_post, photos))
    log = graph.fake.requests
    assert all("access_token" not in r["query"] for r in log)
    assert {r["token_in"] for r in log} == {"form", "header"}
    assert PAGE_TOKEN not in repr(page(graph))


def test_a_post_with_neither_photos_nor_link_is_refused_before_anything_is_sent(graph, make_post):
    # Such a post could not be recognised after an unclear answer (its caption may be another item's)
    with pytest.raises(PermanentChannelError) as refused:
        page(graph).publish(make_post())
    assert "foto atau tautan" in str(refused.value) and "photo or a link" in str(refused.value)
    assert graph.fake.posts(PAGE_ID) == [] and not [r for r in graph.fake.requests if r["method"] == "POST"]


def test_find_after_a_crash_returns_the_earlier_post(graph, make_post, photos):
    # Given a post made by a process that crashed before recording it
    post = social_post(graph, make_post, photos)
    published = page(graph).publish(post)
    page(graph).publish(make_post(marker="kbr-0002", text="Berita lain.", link=LINK))
    # When a new process looks for it
    found = page(graph).find(post)
    # Then it finds exactly that post, and nothing for an unknown marker
    assert found == published
    assert page(graph).find(make_post(marker="kbr-000", link=LINK)) is None  # a prefix is not a match
    feed_reads = [r for r in graph.fake.requests if r["edge"] == "feed" and r["method"] == "GET"]
    assert feed_reads[-1]["query"]["limit"] == "25"


def test_duplicate_post_returns_the_earlier_one(graph, make_post, photos):
    # Given a post already on the page
    post = social_post(graph, make_post, photos)
    first = page(graph).publish(post)
    # When it is published again, and Meta answers 506 (duplicate status message)
    second = page(graph).publish(post)
    # Then the earlier post is returned and the page holds one post
    assert any(r["code"] == 506 for r in graph.fake.requests)
    assert second == first
    assert len(graph.fake.posts(PAGE_ID)) == 1


def test_duplicate_without_an_earlier_post_is_permanent(graph, make_post):
    graph.fake.fail_next(506, on="feed", method="POST")
    with pytest.raises(PermanentChannelError, match="ganda"):
        page(graph).publish(make_post(link=LINK))


def test_invalid_token_is_permanent_and_says_what_to_do(graph, make_post):
    refused = []
    channel = page(graph, token="EAAG-revoked", reconnect_url="https://kabar.example.id/app/desa/settings#kanal",
                   on_token_refused=lambda: refused.append(True))
    with pytest.raises(FacebookPermanentError) as caught:
        channel.publish(make_post(link=LINK))
    message = str(caught.value)
    assert caught.value.error.code == 190
    assert "Token akses Halaman Facebook tidak berlaku" in message
    assert "https://kabar.example.id/app/desa/settings#kanal" in message and "sambungkan ulang Facebook" in message
    assert "secret" not in message
    assert refused == [True]
    assert "EAAG-revoked" not in message


@pytest.mark.parametrize("code", [4, 17, 32, 341, 613, 80001, 1, 2])
def test_throttles_and_unknown_errors_are_transient(graph, make_post, code):
    graph.fake.fail_next(code, on="feed", method="POST")
    with pytest.raises(TransientChannelError):
        page(graph).publish(make_post(link=LINK))
    assert graph.fake.posts(PAGE_ID) == []


@pytest.mark.parametrize(("code", "words"), [(10, "izin"), (200, "izin"), (368, "memblokir"), (100, "parameter")])
def test_policy_and_permission_errors_are_permanent(graph, make_post, code, words):
    graph.fake.fail_next(code, on="feed", method="POST")
    with pytest.raises(PermanentChannelError, match=words):
        page(graph).publish(make_post(link=LINK))


def test_server_error_is_transient(graph, make_post):
    graph.fake.fail_next(2, http_status=503, on="photos")
    with pytest.raises(TransientChannelError):
        page(graph).publish(make_post(photo_urls=(graph.host_file("a.jpg", b"\xff\xd8\xff\xe0"),)))


def test_throttle_carries_the_wait_meta_announces(graph, make_post):
    graph.fake.set_usage(100)
    graph.fake.fail_next(32, on="feed")
    with pytest.raises(FacebookTransientError) as caught:
        page(graph).publish(make_post(link=LINK))
    assert caught.value.retry_after == 300
    assert not caught.value.ambiguous
    channel = page(graph)
    channel.find(make_post(link=LINK))
    assert channel.last_usage["X-Page-Usage"]["call_count"] == 100


def test_timeout_is_transient(graph, make_post):
    graph.fake.slow_next(1.0, on="feed", method="GET")
    with pytest.raises(TransientChannelError):
        page(graph, timeout=0.2).find(make_post(link=LINK))


def test_unreachable_api_is_transient(make_post):
    with pytest.raises(TransientChannelError):
        FacebookPage(PAGE_ID, PAGE_TOKEN, "http://127.0.0.1:9", timeout=2).publish(make_post(link=LINK))


def test_photo_that_cannot_be_fetched_is_permanent(graph, make_post):
    post = make_post(photo_urls=(f"{graph.url}/files/missing.jpg",))
    with pytest.raises(FacebookPermanentError) as caught:
        page(graph).publish(post)
    assert caught.value.error.code == 100
    assert caught.value.error.subcode == 2207052
    assert "tidak dapat mengambil foto" in str(caught.value)


def test_error_after_success_is_reconciled_into_one_post(graph, make_post, photos):
    # Given Meta makes the post but answers 500
    graph.fake.fail_after_success_next()
    post = social_post(graph, make_post, photos)
    # When it is published
    published = page(graph).publish(post)
    # Then the adapter found the post it made instead of failing, and the page holds exactly one
    (stored,) = graph.fake.posts(PAGE_ID)
    assert published.remote_id == stored["id"]


def test_error_after_success_then_find_before_the_retry(graph, make_post, photos):
    # Given Meta makes the post, answers 500, and the adapter's own look-up fails too
    graph.fake.fail_after_success_next()
    graph.fake.fail_next(2, http_status=500, on="feed", method="GET")
    post = social_post(graph, make_post, photos)
    with pytest.raises(FacebookTransientError) as caught:
        page(graph).publish(post)
    assert caught.value.ambiguous
    # When the retry looks before posting, as the publication use case does
    channel = page(graph)
    found = channel.find(post)
    published = found or channel.publish(post)
    # Then there is exactly one post
    assert len(graph.fake.posts(PAGE_ID)) == 1
    assert published.remote_id == graph.fake.posts(PAGE_ID)[0]["id"]


# -- two submissions with the same caption (issue 9): reconciliation never takes another item's post --


def deliver(channel: FacebookPage, post):
    """As the publication use case: what ``publish`` hands back (``ChannelReady``) is recorded, then ``check``ed."""
    try:
        return channel.publish(post)
    except ChannelReady as ready:
        return channel.check(post, ready.state)


def _no_link_post(graph, make_post, photos, marker):
    urls = tuple(graph.host_file(f"{marker}-{n}.jpg", data) for n, data in enumerate(photos, 1))
    return make_post(marker=marker, photo_urls=urls, link=None)


def test_an_unclear_answer_never_takes_another_submissions_post_with_the_same_text(graph, make_post, photos):
    graph.fake.detect_duplicates = False  # so that the two can both be online, as on a real Page a day apart
    # Given another submission's social-only post with exactly the same caption, online
    other = deliver(page(graph), _no_link_post(graph, make_post, photos, "kabar-a-v1-facebook"))
    # When this submission's feed post gets no clear answer and was not made
    graph.fake.fail_next(2, http_status=500, on="feed", method="POST")
    ours = _no_link_post(graph, make_post, photos, "kabar-b-v1-facebook")
    with pytest.raises(TransientChannelError):
        deliver(page(graph), ours)
    # Then it is not recorded as published (a retry posts it), and the other post is not claimed
    assert page(graph).find(ours) is None
    published = deliver(page(graph), ours)
    assert published.remote_id != other.remote_id
    assert len(graph.fake.posts(PAGE_ID)) == 2


def test_an_unclear_answer_after_the_post_was_made_finds_this_attempts_post(graph, make_post, photos):
    graph.fake.detect_duplicates = False
    other = deliver(page(graph), _no_link_post(graph, make_post, photos, "kabar-a-v1-facebook"))
    # When Meta makes this submission's post but answers 500: the photos this attempt attached identify it
    graph.fake.fail_after_success_next()
    published = deliver(page(graph), _no_link_post(graph, make_post, photos, "kabar-b-v1-facebook"))
    (mine,) = {p["id"] for p in graph.fake.posts(PAGE_ID)} - {other.remote_id}
    assert published.remote_id == mine


def test_a_duplicate_refusal_for_another_items_text_is_told_not_taken(graph, make_post, photos):
    # Meta refuses a second post with the same text (506): the earlier post is another submission's
    deliver(page(graph), _no_link_post(graph, make_post, photos, "kabar-a-v1-facebook"))
    with pytest.raises(PermanentChannelError, match="ganda"):
        deliver(page(graph), _no_link_post(graph, make_post, photos, "kabar-b-v1-facebook"))
    assert len(graph.fake.posts(PAGE_ID)) == 1


def _dies_at_the_feed_post(channel: FacebookPage, *, before: bool) -> FacebookPage:
    """``channel`` whose process dies at its feed post: once Meta accepted it, or (``before``) just before."""
    return dies_at(channel, "/feed", before=before, method="POST")


@pytest.mark.parametrize("before", [False, True], ids=["after-the-feed-post", "before-the-feed-post"])
def test_a_social_only_post_whose_process_dies_at_the_feed_post_is_online_once(graph, make_post, photos, before):
    post = _no_link_post(graph, make_post, photos, "kabar-a-v1-facebook")
    # Given the photos uploaded and handed back for the publication to record before the feed post
    with pytest.raises(ChannelReady) as ready:
        page(graph).publish(post)
    recorded = ready.value.state
    assert recorded["photos"] and recorded["marker"] == post.marker
    # When the process dies at the feed post (after Meta accepted it, or just before)
    with pytest.raises(Died):
        _dies_at_the_feed_post(page(graph), before=before).check(post, recorded)
    # Then the next delivery, a fresh process holding only what was recorded, leaves exactly one post online
    published = page(graph).check(post, recorded)
    (stored,) = graph.fake.posts(PAGE_ID)
    assert published.remote_id == stored["id"]
    assert published.url == f"{graph.feed_url}/{PAGE_ID}#post-{stored['id']}"
    # made of the photos uploaded the first time: none uploaded again
    assert [p["id"] for p in stored["photos"]] == recorded["photos"].split(",")
    assert len([r for r in graph.fake.requests if r["edge"] == "photos"]) == len(photos)
    assert len([r for r in graph.fake.requests if r["edge"] == "feed" and r["method"] == "POST"]) == 1
