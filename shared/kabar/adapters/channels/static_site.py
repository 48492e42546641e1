"""The village's static website in an S3 bucket behind the Channel port: procedure B (website).

Layout in the site bucket, per village (tenant)::

    <tenant>/index.html                    the village's news list, newest first
    <tenant>/berita/index.json             the manifest: one entry per article
    <tenant>/berita/<slug>/index.html      the article page, carrying the marker in a <meta>
    <tenant>/berita/<slug>/foto-<n>.jpg    its photos, copied from the media bucket
    <tenant>/berita/<slug>/foto-<n>-<w>.webp  the same in WebP at 480, 960 and 1440 px (srcset)
    <tenant>/berita/feed.xml, feed.json    the news as RSS 2.0 and JSON Feed 1.1 (domain/feeds.py)

The article page is written before the manifest and the index; ``find`` wants both the page and the
manifest entry with the marker, so a crash between the writes leads to a clean re-publication.
"""

from __future__ import annotations

import html
import json
import re
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin

from markupsafe import Markup

from ...domain import feeds, responsive
from ...domain.clock import iso, long_date_id, now, to_wib
from ...domain.feeds import bare_name
from ...domain.models import Village
from ...domain.text import t
from ...ports import ChannelPost, ObjectStorage, PermanentChannelError, Published

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,150}$")
MARKER_RE = re.compile(r'<meta\s+name="kabar-marker"\s+content="([^"]*)"')

#: Pages are re-rendered when news arrives: short shared caching. Photos never change once published.
HTML_CACHE = "public, max-age=300"
MANIFEST_CACHE = "no-cache"
PHOTO_CACHE = "public, max-age=86400"

_TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates" / "site"


@cache
def _env():  # noqa: ANN202 - jinja2 is loaded when a page is rendered, not at every function's cold start
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    return Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(default=True),
                       trim_blocks=True, lstrip_blocks=True)


def click_url(click_base_url: str, tenant_id: str, slug: str, channel: str) -> str:
    """Where a social post links: the first-party click counter, which counts and redirects here."""
    return f"{click_base_url.rstrip('/')}/r/{quote(tenant_id)}/{quote(slug)}?c={quote(channel)}"


class StaticSite:
    name = "static_site"

    def __init__(self, village: Village, site: ObjectStorage, media: ObjectStorage, site_url: str,
                 click_base_url: str) -> None:
        self.village = village
        self.site = site
        self.media = media
        self.site_url = site_url.rstrip("/")
        self.click_base_url = click_base_url.rstrip("/")

    # -- addresses ----------------------------------------------------------------------------------

    def privacy_url(self) -> str | None:
        """The village's privacy notice on the HTTP API (``GET /privasi``), linked from every page."""
        return f"{self.click_base_url}/privasi?desa={self.village.id}" if self.click_base_url else None

    def article_url(self, slug: str) -> str:
        return f"{self.site_url}/{self.village.id}/berita/{slug}/"

    def index_url(self) -> str:
        return f"{self.site_url}/{self.village.id}/"

    def click_url(self, slug: str, channel: str) -> str:
        return click_url(self.click_base_url, self.village.id, slug, channel)

    def _article_key(self, slug: str) -> str:
        return f"{self.village.id}/berita/{slug}/index.html"

    def _manifest_key(self) -> str:
        return f"{self.village.id}/berita/index.json"

    # -- the Channel port ---------------------------------------------------------------------------

    def publish(self, post: ChannelPost) -> Published:
        self._check(post)
        slug = post.slug
        photos = self._copy_photos(post)
        pictures = self._write_renditions(post, photos)
        published_at = now()
        page = self.render_article(post, photos, published_at, pictures=pictures)
        self.site.put(self._article_key(slug), page.encode(), "text/html; charset=utf-8", HTML_CACHE)

        items = [item for item in self._manifest() if item.get("slug") != slug]
        items.append({
            "slug": slug, "title": post.title, "lead": post.lead, "date": post.activity_date,
            "url": self.article_url(slug), "marker": post.marker,
            "photo": f"{self.article_url(slug)}{photos[0]}" if photos else None,
            "photo_srcset": _absolute_srcset(self.article_url(slug), pictures[0]) if pictures else None,
            "published_at": iso(published_at),
        })
        items.sort(key=lambda item: (item.get("date") or "", item.get("published_at") or ""), reverse=True)
        manifest = {"tenant_id": self.village.id, "name": self.village.name, "updated_at": iso(published_at),
                    "items": items}
        self.site.put(self._manifest_key(), json.dumps(manifest, ensure_ascii=False, indent=1).encode(),
                      "application/json; charset=utf-8", MANIFEST_CACHE)
        self._render_index(items)
        self._write_feeds(items)
        return Published(remote_id=slug, url=self.article_url(slug))

    def render_article(self, post: ChannelPost, photos: list[str], published_at: datetime,
                       pictures: list[dict[str, Any]] | None = None) -> str:
        """The article's page, the one place it is rendered: what ``publish`` writes, and the preview the
        reviewer and the admin see. ``photos``: the gallery's addresses, file names beside the page
        when published, absolute links in a preview. ``pictures``: per photo, its WebP ``srcset`` and
        size (published pages; a preview shows the photos as they are)."""
        url = self.article_url(post.slug)
        og_image = urljoin(url, photos[0]) if photos else None
        return _env().get_template("article.html").render(
            village=self.village, name=bare_name(self.village), post=post,
            body=Markup(post.text),  # noqa: S704 (our own drafting's escaped HTML paragraphs)
            dateline=dateline(self.village, post), photos=photos, url=url, index_url=self.index_url(),
            og_image=og_image, pictures=pictures or [], sizes_first=responsive.SIZES_FIRST,
            sizes_others=responsive.SIZES_OTHERS, published=long_date_id(to_wib(published_at).date()),
            published_iso=iso(published_at), privacy_url=self.privacy_url())

    def find(self, post: ChannelPost) -> Published | None:
        self._check(post)
        key = self._article_key(post.slug)
        if self.site.head(key) is None:
            return None
        match = MARKER_RE.search(self.site.get(key).decode("utf-8", "replace"))
        if not match or html.unescape(match.group(1)) != post.marker:
            return None
        if not any(item.get("slug") == post.slug and item.get("marker") == post.marker for item in self._manifest()):
            return None  # the crash came before the manifest: publish again, which is idempotent
        return Published(remote_id=post.slug, url=self.article_url(post.slug))

    # -- steps --------------------------------------------------------------------------------------

    def _check(self, post: ChannelPost) -> None:
        if post.tenant_id != self.village.id:
            raise PermanentChannelError(str(t(
                "Berita ini milik kalurahan lain; tidak diterbitkan.",
                f"This news item belongs to another village ({post.tenant_id}); not published.")))
        if not SLUG_RE.match(post.slug or ""):
            raise PermanentChannelError(str(t(
                "Alamat (slug) berita tidak sah; buat ulang draf.",
                f"The news item's address (slug) {post.slug!r} is not valid; make the draft again.")))

    def _copy_photos(self, post: ChannelPost) -> list[str]:
        """Copy each photo beside the article; return the file names in order."""
        names = []
        for number, key in enumerate(post.photo_keys, start=1):
            if not key.startswith(f"{self.village.id}/"):
                raise PermanentChannelError(str(t(
                    "Foto berita berasal dari kalurahan lain; tidak diterbitkan.",
                    "A photo of this news item belongs to another village; not published.")))
            data = self.media.get(key)
            extension, content_type = _image_type(data)
            name = f"foto-{number}.{extension}"
            self.site.put(f"{self.village.id}/berita/{post.slug}/{name}", data, content_type, PHOTO_CACHE)
            names.append(name)
        return names

    def _write_renditions(self, post: ChannelPost, names: list[str]) -> list[dict[str, Any]]:
        """Beside each photo, its WebP sizes; per photo the ``srcset`` and the largest size's dimensions."""
        pictures = []
        for name in names:
            base = f"{self.village.id}/berita/{post.slug}/"
            made = responsive.webp_renditions(self.site.get(base + name))
            stem = name.rsplit(".", 1)[0]
            files = []
            for rendition in made:
                file = f"{stem}-{rendition.width}.webp"
                self.site.put(base + file, rendition.data, "image/webp", PHOTO_CACHE)
                files.append((file, rendition.width))
            pictures.append({"srcset": responsive.srcset(files), "width": made[-1].width, "height": made[-1].height})
        return pictures

    def _manifest(self) -> list[dict[str, Any]]:
        key = self._manifest_key()
        if self.site.head(key) is None:
            return []
        items = json.loads(self.site.get(key)).get("items") or []
        return [item for item in items if isinstance(item, dict)]

    def feed(self, items: list[dict[str, Any]]) -> feeds.Feed:
        return feeds.village_feed(self.village.id, bare_name(self.village), self.site_url, feeds.feed_items(items))

    def _write_feeds(self, items: list[dict[str, Any]]) -> None:
        """Regenerated with the index on every publication, from the same manifest."""
        feed = self.feed(items)
        self.site.put(f"{self.village.id}/berita/feed.xml", feeds.rss(feed), feeds.RSS_TYPE, HTML_CACHE)
        self.site.put(f"{self.village.id}/berita/feed.json", feeds.json_feed(feed), feeds.JSON_FEED_TYPE, HTML_CACHE)

    def _render_index(self, items: list[dict[str, Any]]) -> None:
        entries = [{**item, "date_text": _date_text(item.get("date") or "")} for item in items]
        feed = self.feed([])
        page = _env().get_template("index.html").render(village=self.village, name=bare_name(self.village),
                                                         items=entries, url=self.index_url(), feed=feed,
                                                         privacy_url=self.privacy_url())
        self.site.put(f"{self.village.id}/index.html", page.encode(), "text/html; charset=utf-8", HTML_CACHE)


def dateline(village: Village, post: ChannelPost) -> str:
    """``Purwobinangun, 27 November 2026``: the village and the day (the lead names the place itself)."""
    return ", ".join(part for part in (bare_name(village), _date_text(post.activity_date)) if part)


def _date_text(value: str) -> str:
    try:
        return long_date_id(date.fromisoformat(value[:10]))
    except ValueError:
        return value


def _absolute_srcset(url: str, picture: dict[str, Any]) -> str:
    return ", ".join(f"{url}{entry.strip()}" for entry in picture["srcset"].split(","))


def _image_type(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\x89PNG"):
        return "png", "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp", "image/webp"
    return "jpg", "image/jpeg"  # the sanitized copies are JPEG
