"""First-party click counting for website news items: no cookies, no personal data."""

from __future__ import annotations

import re

from ..domain.clock import now
from ..domain.models import TENANT_RE
from ..services import Services, services

ITEM_RE = re.compile(r"^[a-z0-9][a-z0-9-]{2,120}$")
CHANNEL_RE = re.compile(r"^[a-z_]{1,20}$")
# Link scanners, unfurlers and crawlers fetch links too; they are not readers.
BOT_HINTS = ("bot", "crawl", "spider", "slurp", "preview", "facebookexternalhit", "whatsapp", "telegram",
             "headless", "scanner", "safelinks", "curl", "wget", "python-requests", "lighthouse")


def is_bot(user_agent: str | None) -> bool:
    ua = (user_agent or "").lower()
    return not ua or any(hint in ua for hint in BOT_HINTS)


def follow(tenant_id: str, item: str, channel: str | None, method: str, user_agent: str | None,
           svc: Services | None = None) -> str | None:
    """Count a reader's click (not a HEAD, not a bot) and give the article's address; None if malformed."""
    if not TENANT_RE.match(tenant_id) or not ITEM_RE.match(item):
        return None
    svc = svc or services()
    channel = channel if channel and CHANNEL_RE.match(channel) else "direct"
    if method.upper() == "GET" and not is_bot(user_agent):
        svc.store.count_click(tenant_id, item, channel, now().date())
    return f"{svc.settings.site_url.rstrip('/')}/{tenant_id}/berita/{item}/"
