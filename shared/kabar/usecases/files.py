"""Durable links to stored files (reports, draft images) for emails and pages.

A presigned S3 URL stops working when the credentials that signed it expire (a Lambda role's last
hours), whatever its ``ExpiresIn``. So links that must last carry our own signed token
(``domain/links.py``); following one presigns a fresh URL of a few minutes at that moment.
"""

from __future__ import annotations

from datetime import datetime

from ..domain.clock import now
from ..domain.links import sign_link, verify_link
from ..messages import Page
from ..services import Services

#: how long the URL a followed link redirects to lives: long enough to start the download
FETCH_SECONDS = 300
MIN_KEY_CHARS = 32


class LinkSigningUnavailable(RuntimeError):
    """The signing key is not configured or not usable: a deployment error, not a user's."""


def _signing_key(svc: Services) -> bytes:
    name = svc.settings.link_signing_secret
    if not name:
        raise LinkSigningUnavailable("KABAR_LINK_SIGNING_SECRET is not set")
    key = svc.secrets.json(name).get("key")
    if not isinstance(key, str) or len(key) < MIN_KEY_CHARS:
        raise LinkSigningUnavailable(f"secret {name!r} has no 'key' of at least {MIN_KEY_CHARS} characters")
    return key.encode("utf-8")


def file_link(role: str, tenant_id: str, key: str, expires_at: datetime, svc: Services) -> str:
    """The public link to one object of one village (``role`` is ``reports`` or ``media``).

    With no public base URL (a function serving pages of the same API) the link is root-relative.
    """
    token = sign_link(_signing_key(svc), role, tenant_id, key, expires_at)
    return f"{svc.settings.public_url.rstrip('/')}/files/{token}"


def open_link(token: str, svc: Services, at: datetime | None = None) -> str | None:
    """A fresh short-lived URL of the linked object, or None for a bad, expired or tampered link.

    Reads nothing and writes nothing: GET and HEAD may both call it.
    """
    target = verify_link(_signing_key(svc), token, at or now())
    if target is None:
        return None
    storage = {"reports": svc.reports, "media": svc.media}[target.role]
    return storage.presign_get(target.key, FETCH_SECONDS)


def invalid_page() -> Page:
    """The same plain page for every link that does not open: nothing to learn from it."""
    return Page(404, "files/invalid.html")
