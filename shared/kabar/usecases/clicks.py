"""First-party click counting for website news items: no cookies, no personal data.

A click counts when a reader (not a HEAD, not a bot, not a browser's prefetch) follows the link of a
news item the village has published. One reader's repeated clicks on one item count once a day: the
reader is known only by a hash of their address and browser under the day's random salt, which
expires with the day's marks, so no stored mark can be tied to a person.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date

from ..domain.clock import now, to_wib
from ..domain.errors import NotFound
from ..domain.models import TENANT_RE
from ..services import Services

ITEM_RE = re.compile(r"^[a-z0-9][a-z0-9-]{2,120}$")
CHANNEL_RE = re.compile(r"^[a-z_]{1,20}$")
# Link scanners, unfurlers and crawlers fetch links too; they are not readers.
BOT_HINTS = ("bot", "crawl", "spider", "slurp", "preview", "facebookexternalhit", "whatsapp", "telegram",
             "headless", "scanner", "safelinks", "curl", "wget", "python-requests", "lighthouse", "phantomjs",
             "microsoft office", "barracuda", "mimecast", "proofpoint", "okhttp", "go-http-client", "httpx")
#: request headers by which browsers announce a prefetch or prerender (not a reader's click)
PREFETCH_HEADERS = {"purpose": ("prefetch", "preview"), "sec-purpose": ("prefetch", "prerender"),
                    "x-purpose": ("preview", "prefetch"), "x-moz": ("prefetch",)}


def is_bot(user_agent: str | None) -> bool:
    ua = (user_agent or "").lower()
    return not ua or any(hint in ua for hint in BOT_HINTS)


def is_prefetch(headers: dict[str, str]) -> bool:
    low = {k.lower(): (v or "").lower() for k, v in headers.items()}
    return any(any(word in low.get(name, "") for word in words) for name, words in PREFETCH_HEADERS.items())


def reader_mark(salt: str, client: str, user_agent: str, item: str, day: date) -> str:
    """The reader of one item on one day, as a salted hash: the same for the same reader that day only."""
    return hashlib.sha256(f"{salt}|{day.isoformat()}|{item}|{client}|{user_agent}".encode()).hexdigest()[:32]


def _published(tenant_id: str, item: str, svc: Services) -> bool:
    try:
        svc.store.get_village(tenant_id)
    except NotFound:
        return False
    return svc.site.head(f"{tenant_id}/berita/{item}/index.html") is not None


def follow(tenant_id: str, item: str, channel: str | None, method: str, user_agent: str | None,
           svc: Services, client: str = "", headers: dict[str, str] | None = None) -> str | None:
    """Count a reader's click and give the article's address; None (and nothing written) for a malformed
    link, an unknown village or a news item it has not published."""
    if not TENANT_RE.match(tenant_id) or not ITEM_RE.match(item):
        return None
    if not _published(tenant_id, item, svc):
        return None
    channel = channel if channel and CHANNEL_RE.match(channel) else "direct"
    if method.upper() == "GET" and not is_bot(user_agent) and not is_prefetch(headers or {}):
        day = to_wib(now()).date()
        mark = reader_mark(svc.store.click_salt(day), client, user_agent or "", item, day)
        if svc.store.first_click(tenant_id, mark, day):
            svc.store.count_click(tenant_id, item, channel, day)
    return f"{svc.settings.site_url.rstrip('/')}/{tenant_id}/berita/{item}/"
