"""Village news as feeds: the static site writes RSS 2.0 and JSON Feed 1.1 beside the articles
whenever an article is published; a feed parser reads them back."""

from __future__ import annotations

import json

import boto3
import feedparser

from tests.channels.test_static_site import SITE_URL, site  # noqa: F401 - fixture
from tests.unit.test_feeds import parse_json


def test_publishing_regenerates_both_feeds_newest_first(site, make_post, village, buckets):  # noqa: F811
    # Given two articles published one after the other, one with a title that tries markup
    site.publish(make_post(slug="lama", title="Berita Lama", activity_date="2026-10-01", marker="m-1"))
    site.publish(make_post(slug="baru", title='Rapat <b>"RT"</b> & Posyandu', lead="Warga <i>hadir</i> & senang",
                           activity_date="2026-11-20", marker="m-2"))

    # When a feed reader fetches the RSS feed
    rss_key = f"{village.id}/berita/feed.xml"
    head = boto3.client("s3").head_object(Bucket=buckets.site.bucket, Key=rss_key)
    assert head["ContentType"].startswith("application/rss+xml")
    rss = feedparser.parse(buckets.site.get(rss_key))
    # Then it is well-formed RSS 2.0 with both items, newest first, absolute links, RFC 822 dates
    assert not rss.bozo, rss.get("bozo_exception")
    assert rss.version == "rss20"
    assert rss.feed.title == "Berita Kalurahan Purwobinangun" and rss.feed.language == "id"
    assert rss.feed.link == f"{SITE_URL}/{village.id}/"
    assert [e.title for e in rss.entries] == ['Rapat <b>"RT"</b> & Posyandu', "Berita Lama"]  # text, not markup
    assert rss.entries[0].link == f"{SITE_URL}/{village.id}/berita/baru/"
    raw = buckets.site.get(rss_key).decode()
    assert "<b>" not in raw and "&lt;b&gt;" in raw
    assert "+0700</pubDate>" in raw and rss.entries[0].published_parsed is not None

    # and the JSON Feed says the same, with RFC 3339 times
    json_key = f"{village.id}/berita/feed.json"
    data = json.loads(buckets.site.get(json_key))
    head_json = boto3.client("s3").head_object(Bucket=buckets.site.bucket, Key=json_key)
    assert head_json["ContentType"].startswith("application/feed+json")
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert data["feed_url"] == f"{SITE_URL}/{village.id}/berita/feed.json"
    assert data["items"][0]["date_published"].endswith("+07:00")
    parsed = parse_json(buckets.site.get(json_key))
    assert [i.title for i in parsed.items] == ['Rapat <b>"RT"</b> & Posyandu', "Berita Lama"]

    # and the news page names both feeds for browsers and readers
    index = buckets.site.get(f"{village.id}/index.html").decode()
    assert f'href="{SITE_URL}/{village.id}/berita/feed.xml"' in index and "application/feed+json" in index
