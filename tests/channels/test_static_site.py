"""StaticSite against S3 in a moto server."""

from __future__ import annotations

import json

import boto3
import pytest

from kabar.adapters.channels.static_site import StaticSite, click_url
from kabar.ports import PermanentChannelError, Published

SITE_URL = "https://desa.example.id"
CLICKS = "https://api.example.id/"
BODY = "<p>Warga Padukuhan Candi bergotong royong.</p>\n<p>Kegiatan selesai pukul 11.00 WIB.</p>"


@pytest.fixture
def site(village, buckets) -> StaticSite:
    return StaticSite(village, buckets.site, buckets.media, SITE_URL + "/", CLICKS)


@pytest.fixture
def article(make_post, village, buckets, photos):
    keys = []
    for n, data in enumerate(photos[:2], 1):
        key = f"{village.id}/sub-1/clean/foto-{n}.jpg"
        buckets.media.put(key, data, "image/jpeg")
        keys.append(key)
    return make_post(text=BODY, photo_keys=tuple(keys))


def text_of(storage, key: str) -> str:
    return storage.get(key).decode()


def manifest(site: StaticSite) -> list[dict]:
    return json.loads(site.site.get(f"{site.village.id}/berita/index.json"))["items"]


def test_publish_writes_the_article_its_photos_and_the_index(site, article, village, buckets, photos):
    # When an article is published
    published = site.publish(article)
    # Then it lives at the village's address
    base = f"{village.id}/berita/{article.slug}"
    assert published == Published(remote_id=article.slug, url=f"{SITE_URL}/{village.id}/berita/{article.slug}/")
    # with its photos beside it, cacheable
    for n, data in enumerate(photos[:2], 1):
        assert buckets.site.get(f"{base}/foto-{n}.jpg") == data
    head = boto3.client("s3").head_object(Bucket=buckets.site.bucket, Key=f"{base}/foto-1.jpg")
    assert head["ContentType"] == "image/jpeg" and "max-age" in head["CacheControl"]
    # and a page in Indonesian that carries the marker, the body, the dateline and the gallery
    page = text_of(buckets.site, f"{base}/index.html")
    assert '<html lang="id">' in page
    assert '<meta name="kabar-marker" content="kbr-0001">' in page
    assert BODY in page
    assert "Purwobinangun, 27 November 2026</span> &ndash; Warga bergotong royong" in page
    assert 'src="foto-1.jpg"' in page and 'src="foto-2.jpg"' in page
    assert "Kalurahan Purwobinangun" in page.split('src="foto-1.jpg"', 1)[1].split(">", 1)[0]  # alt text
    page_head = boto3.client("s3").head_object(Bucket=buckets.site.bucket, Key=f"{base}/index.html")
    assert page_head["ContentType"].startswith("text/html") and page_head["CacheControl"]
    # and the village's index lists it, linking straight to the article
    index = text_of(buckets.site, f"{village.id}/index.html")
    assert "Purwobinangun" in index
    assert f'href="{published.url}"' in index
    (item,) = manifest(site)
    assert item["slug"] == article.slug and item["marker"] == "kbr-0001" and item["date"] == "2026-11-27"
    assert item["photo"] == f"{published.url}foto-1.jpg"


def test_find(site, article):
    assert site.find(article) is None
    published = site.publish(article)
    assert site.find(article) == published
    assert site.find(article.__class__(**{**article.__dict__, "marker": "kbr-other"})) is None


def test_find_wants_the_manifest_entry_too(site, article, village, buckets):
    # Given a crash after the page was written but before the manifest
    site.publish(article)
    buckets.site.delete(f"{village.id}/berita/index.json")
    # Then find says "not published", so the retry publishes again (idempotently)
    assert site.find(article) is None
    site.publish(article)
    assert site.find(article) is not None


def test_publishing_twice_keeps_one_entry(site, article, village, buckets):
    site.publish(article)
    site.publish(article)
    assert [item["slug"] for item in manifest(site)] == [article.slug]
    assert text_of(buckets.site, f"{village.id}/index.html").count(f"/berita/{article.slug}/\"") == 2  # image + title


def test_index_is_newest_first(site, make_post, village, buckets):
    site.publish(make_post(slug="lama", title="Berita Lama", activity_date="2026-10-01", marker="m-1"))
    site.publish(make_post(slug="baru", title="Berita Baru", activity_date="2026-11-20", marker="m-2"))
    assert [item["slug"] for item in manifest(site)] == ["baru", "lama"]
    index = text_of(buckets.site, f"{village.id}/index.html")
    assert index.index("Berita Baru") < index.index("Berita Lama")
    assert "20 November 2026" in index


def test_hostile_text_is_escaped(site, make_post, village, buckets):
    hostile = '<script>alert("x")</script>'
    post = make_post(title=hostile, lead=f"Ringkasan {hostile}", location=hostile, marker='"><script>')
    site.publish(post)
    for key in (f"{village.id}/berita/{post.slug}/index.html", f"{village.id}/index.html"):
        page = text_of(buckets.site, key)
        assert "<script>" not in page
        assert "&lt;script&gt;" in page
    assert site.find(post) is not None  # the escaped marker still matches


@pytest.mark.parametrize("configured", ["Kalurahan Purwobinangun", "Pemerintah Kalurahan Purwobinangun"])
def test_a_name_configured_with_its_title_is_not_doubled(village, buckets, make_post, configured):
    village = village.model_copy(update={"name": configured})
    post = make_post()
    StaticSite(village, buckets.site, buckets.media, SITE_URL, CLICKS).publish(post)
    for key in (f"{village.id}/index.html", f"{village.id}/berita/{post.slug}/index.html"):
        page = text_of(buckets.site, key)
        assert "Kalurahan Purwobinangun" in page and "Kalurahan Kalurahan" not in page
        assert "Kalurahan Pemerintah" not in page
    assert "Purwobinangun, 27 November 2026</span>" in text_of(buckets.site, key)


def test_another_villages_post_is_refused(site, make_post):
    with pytest.raises(PermanentChannelError):
        site.publish(make_post(tenant_id="desa-lain"))
    with pytest.raises(PermanentChannelError):
        site.publish(make_post(photo_keys=("desa-lain/sub/foto.jpg",)))


def test_unsafe_slug_is_refused(site, make_post):
    with pytest.raises(PermanentChannelError):
        site.publish(make_post(slug="../../index"))


def test_click_counter_link(site, village):
    assert site.click_url("kerja-bakti", "fb") == f"https://api.example.id/r/{village.id}/kerja-bakti?c=fb"
    assert click_url("https://x.id", "desa", "a-b", "ig") == "https://x.id/r/desa/a-b?c=ig"


def test_every_page_links_the_villages_privacy_notice(site, article, village, buckets):
    site.publish(article)
    notice = f'href="https://api.example.id/privasi?desa={village.id}"'
    assert notice in text_of(buckets.site, f"{village.id}/berita/{article.slug}/index.html")
    assert notice in text_of(buckets.site, f"{village.id}/index.html")
