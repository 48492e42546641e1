"""Feeds (domain/feeds.py): RSS 2.0, JSON Feed 1.1 and OPML, read back by a feed parser."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import feedparser
import jsonfeed
from rfc3339_validator import validate_rfc3339

from kabar.domain.clock import WIB
from kabar.domain.feeds import FEED_ITEMS, feed_items, json_feed, opml, rss, village_feed

SITE = "https://desa.example.id"


def entries(n: int = 3) -> list[dict]:
    start = datetime(2026, 11, 10, 9, tzinfo=WIB)
    return [{"slug": f"berita-{i}", "title": f"Berita {i}", "lead": f"Ringkasan {i}",
             "url": f"{SITE}/purwobinangun/berita/berita-{i}/",
             "photo": f"{SITE}/purwobinangun/berita/berita-{i}/foto-1.jpg",
             "published_at": (start + timedelta(days=i)).isoformat()} for i in range(n)]


def parse_json(data: bytes) -> jsonfeed.Feed:
    """JSON Feed 1.1 read back by a parser (required fields), its times checked as RFC 3339."""
    parsed = jsonfeed.Feed.parse_string(data.decode())
    assert all(validate_rfc3339(i.date_published) for i in parsed.items)
    return parsed


def test_only_absolute_web_addresses_and_the_newest_items_go_in():
    hostile = [{"title": "x", "url": "javascript:alert(1)", "published_at": "2026-11-01T09:00:00+07:00"},
               {"title": "y", "url": "/relatif/", "published_at": "2026-11-01T09:00:00+07:00"},
               {"title": "z", "url": f"{SITE}/a/", "published_at": "bukan tanggal"}]
    assert feed_items(hostile) == []
    many = feed_items(entries(FEED_ITEMS + 5) + [])
    assert len(many) == FEED_ITEMS
    assert many[0].published_at > many[-1].published_at


def test_rss_dates_are_rfc_822_in_jakarta_time_and_parse():
    feed = village_feed("purwobinangun", "Purwobinangun", SITE + "/", feed_items(entries()))
    data = rss(feed)
    root = ET.fromstring(data)
    assert root.tag == "rss" and root.get("version") == "2.0"
    assert root.find("channel/item/pubDate").text == "Thu, 12 Nov 2026 09:00:00 +0700"
    parsed = feedparser.parse(data)
    assert not parsed.bozo and parsed.version == "rss20"
    assert parsed.entries[0].published_parsed[:4] == (2026, 11, 12, 2)  # 09:00 WIB is 02:00 UTC
    assert parsed.feed.links[-1].href == f"{SITE}/purwobinangun/berita/feed.xml"  # atom:link rel=self


def test_json_feed_is_version_1_1_with_rfc_3339_times():
    feed = village_feed("purwobinangun", "Purwobinangun", SITE, feed_items(entries()))
    data = json.loads(json_feed(feed))
    assert data["home_page_url"] == f"{SITE}/purwobinangun/"
    assert [i["id"] for i in data["items"]][0] == f"{SITE}/purwobinangun/berita/berita-2/"
    assert data["items"][0]["date_published"] == "2026-11-12T09:00:00+07:00"
    assert data["items"][0]["image"].startswith("https://")
    parsed = parse_json(json_feed(feed))
    assert parsed.title == "Berita Kalurahan Purwobinangun" and parsed.items[0].title == "Berita 2"
    assert parsed.items[0].url == f"{SITE}/purwobinangun/berita/berita-2/"


def test_opml_lists_every_village_feed_by_name_escaped():
    feeds = [village_feed("purwobinangun", "Purwobinangun", SITE, []),
             village_feed("candibinangun", 'Candi "<Binangun>" & Co', SITE, [])]
    data = opml("Berita kalurahan Kabupaten Sleman", feeds, datetime(2026, 12, 1, 3, tzinfo=UTC))
    root = ET.fromstring(data)  # well-formed, whatever the names hold
    outlines = root.findall("body/outline")
    assert [o.get("text") for o in outlines] == ['Berita Kalurahan Candi "<Binangun>" & Co',
                                                 "Berita Kalurahan Purwobinangun"]
    assert outlines[1].get("xmlUrl") == f"{SITE}/purwobinangun/berita/feed.xml" and outlines[1].get("type") == "rss"
    assert root.find("head/dateCreated").text == "Tue, 01 Dec 2026 10:00:00 +0700"
