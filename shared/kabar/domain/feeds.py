"""Village news as feeds, so OpenSID sites, the kabupaten portal and feed readers can carry it.

Each village's published articles as RSS 2.0 (``feed.xml``) and JSON Feed 1.1 (``feed.json``)
next to the articles, and an OPML list of every village's feed for the regency. Pure functions
over the static site's manifest entries: XML is built with ElementTree (every text escaped, no
hand-written markup), JSON with ``json``. Dates as each format requires: RFC 822 in RSS
(``Tue, 01 Dec 2026 09:00:00 +0700``), RFC 3339 in JSON Feed, both in Jakarta time. Every address
is absolute (a feed is read away from the site).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from datetime import datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel

from .clock import iso, to_wib
from .models import Village

#: How many of the newest articles a feed carries (readers keep what they fetched before).
FEED_ITEMS = 50
ATOM = "http://www.w3.org/2005/Atom"
RSS_TYPE = "application/rss+xml; charset=utf-8"
JSON_FEED_TYPE = "application/feed+json; charset=utf-8"
OPML_TYPE = "text/x-opml; charset=utf-8"


class FeedItem(BaseModel):
    title: str
    url: str
    summary: str = ""
    image: str | None = None
    published_at: datetime


class Feed(BaseModel):
    """One village's news feed: its name, its news page, where the feeds live, and the newest items."""

    title: str
    home_url: str
    rss_url: str
    json_url: str
    description: str
    items: list[FeedItem]


def _absolute(url: str | None) -> str | None:
    """Only absolute web addresses go into a feed (never ``javascript:``, never a relative path)."""
    if not url:
        return None
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def feed_items(entries: Iterable[Mapping[str, Any]]) -> list[FeedItem]:
    """The manifest's entries as feed items, newest publication first; entries without an absolute
    address or a publication time are left out."""
    items = []
    for entry in entries:
        url = _absolute(entry.get("url"))
        published = entry.get("published_at")
        if not url or not published or not entry.get("title"):
            continue
        try:
            at = to_wib(datetime.fromisoformat(str(published)))
        except ValueError:
            continue
        items.append(FeedItem(title=str(entry["title"]), url=url, summary=str(entry.get("lead") or ""),
                              image=_absolute(entry.get("photo")), published_at=at))
    items.sort(key=lambda i: i.published_at, reverse=True)  # stable: the manifest's order breaks a tie
    return items[:FEED_ITEMS]


def rss(feed: Feed) -> bytes:
    """RSS 2.0 with an ``atom:link rel="self"`` (what validators ask for)."""
    ET.register_namespace("atom", ATOM)
    root = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(root, "channel")
    for tag, text in (("title", feed.title), ("link", feed.home_url), ("description", feed.description),
                      ("language", "id")):
        ET.SubElement(channel, tag).text = text
    ET.SubElement(channel, f"{{{ATOM}}}link", {"href": feed.rss_url, "rel": "self", "type": "application/rss+xml"})
    if feed.items:
        ET.SubElement(channel, "lastBuildDate").text = format_datetime(to_wib(feed.items[0].published_at))
    ET.SubElement(channel, "generator").text = "Kabar"
    for item in feed.items:
        node = ET.SubElement(channel, "item")
        ET.SubElement(node, "title").text = item.title
        ET.SubElement(node, "link").text = item.url
        ET.SubElement(node, "guid", {"isPermaLink": "true"}).text = item.url
        ET.SubElement(node, "pubDate").text = format_datetime(to_wib(item.published_at))
        if item.summary:
            ET.SubElement(node, "description").text = item.summary
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False) \
        + b"\n"


def json_feed(feed: Feed) -> bytes:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""
    data = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": feed.home_url,
        "feed_url": feed.json_url,
        "description": feed.description,
        "language": "id",
        "items": [{"id": i.url, "url": i.url, "title": i.title, "content_text": i.summary or i.title,
                   **({"summary": i.summary} if i.summary else {}), **({"image": i.image} if i.image else {}),
                   "date_published": iso(i.published_at)} for i in feed.items],
    }
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode()


def opml(title: str, feeds: Iterable[Feed], created: datetime | None = None) -> bytes:
    """OPML 2.0: one outline per village feed (RSS), by village name; for a regency's portal or reader."""
    root = ET.Element("opml", {"version": "2.0"})
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    if created is not None:
        ET.SubElement(head, "dateCreated").text = format_datetime(to_wib(created))
    body = ET.SubElement(root, "body")
    for feed in sorted(feeds, key=lambda f: (f.title.casefold(), f.rss_url)):
        ET.SubElement(body, "outline", {"type": "rss", "text": feed.title, "title": feed.title,
                                        "xmlUrl": feed.rss_url, "htmlUrl": feed.home_url, "language": "id"})
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


def village_feed(village_id: str, name: str, site_url: str, items: list[FeedItem]) -> Feed:
    """A village's feed at its place on the static site: ``<site>/<village>/berita/feed.xml`` and
    ``feed.json``, beside the articles (``name``: the bare village name, "Purwobinangun")."""
    base = f"{site_url.rstrip('/')}/{village_id}/"
    return Feed(title=f"Berita Kalurahan {name}", home_url=base, rss_url=f"{base}berita/feed.xml",
                json_url=f"{base}berita/feed.json", items=items,
                description=f"Berita kegiatan Pemerintah Kalurahan {name}.")


def bare_name(village: Village) -> str:
    """``Purwobinangun``, whether configured as ``Pemerintah Kalurahan Purwobinangun``,
    ``Kalurahan Purwobinangun`` or ``Purwobinangun`` (the feed's and the article's place name)."""
    name = " ".join(village.name.split())
    bare = re.sub(r"^(pemerintah\s+)?(kalurahan|kelurahan|desa)\s+", "", name, flags=re.IGNORECASE)
    return bare or name
