"""Outbound HTTP of every channel adapter, and its one rule for redirects.

Credentials (an ``Authorization`` header, a token in the form or the query) are never sent to another
origin: urllib's own redirect handling would carry the headers to wherever a ``Location`` points, and it
turns a POST into a GET. So redirects are never followed blindly:

- a redirect from ``http://host/...`` to ``https://host/...`` (the same host, its https address) is
  followed once, with the same method, body and headers, and reported through ``moved``: the site moved
  to https and the configured address should be fixed;
- every other redirect (another host, another port, https to http, another path on the same host) raises
  ``RedirectRefused``, a permanent configuration error that names both addresses.

A 3xx without ``Location`` (YouTube's 308 "Resume Incomplete") is not a redirect: it reaches the caller
as the ``HTTPError`` it is.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from http.client import HTTPResponse
from urllib.parse import urljoin, urlsplit

from ...domain.text import t
from .errors import ChannelPermanentError

log = logging.getLogger(__name__)

REDIRECTS = (301, 302, 303, 307, 308)


class RedirectRefused(ChannelPermanentError):
    """The channel answered with a redirect that is not the same host's https address."""

    def __init__(self, source: str, target: str, status: int) -> None:
        self.source, self.target, self.status = source, target, status
        super().__init__(t(
            f"Alamat kanal dialihkan ke alamat lain ({_origin(target)}); Kabar tidak mengikuti pengalihan ini "
            "agar kata sandi tidak terkirim ke tempat lain. Admin: periksa dan perbaiki alamat kanal di "
            "pengaturan, lalu terbitkan ulang.",
            f"The channel's address redirects elsewhere ({_origin(target)}); Kabar does not follow it, so that "
            "credentials are never sent to another place. Admin: check and fix the channel's address in the "
            "settings, then publish again."),
            f"[HTTP {status} {_origin(source)} -> {_origin(target)}]")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001, ANN201 - urllib's signature
        return None  # the 3xx reaches ``send`` as an HTTPError


_opener = urllib.request.build_opener(_NoRedirects())


def send(request: urllib.request.Request, timeout: float,
         moved: Callable[[str, str], None] | None = None) -> HTTPResponse:
    """Open ``request`` under the redirect rule above. Errors other than redirects are urllib's
    (``HTTPError``, ``URLError``, ...); ``moved(old_url, new_url)`` hears of a move to https."""
    try:
        return _opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        location = err.headers.get("Location") if err.headers else None
        if err.code not in REDIRECTS or not location:
            raise
        target = urljoin(request.full_url, location)
        err.close()
        if not is_https_upgrade(request.full_url, target):
            log.warning("channel redirect refused", extra={"from": _origin(request.full_url),
                                                           "to": _origin(target), "http_status": err.code})
            raise RedirectRefused(request.full_url, target, err.code) from None
    log.warning("channel moved to https", extra={"from": _origin(request.full_url), "to": _origin(target)})
    if moved:
        moved(request.full_url, target)
    again = urllib.request.Request(target, data=request.data, method=request.get_method(),  # noqa: S310 - https
                                   headers=dict(request.header_items()))
    try:
        return _opener.open(again, timeout=timeout)
    except urllib.error.HTTPError as err:
        location = err.headers.get("Location") if err.headers else None
        if err.code in REDIRECTS and location:
            err.close()
            raise RedirectRefused(target, urljoin(target, location), err.code) from None
        raise


def is_https_upgrade(source: str, target: str) -> bool:
    """``target`` is ``source``'s host over https (the default port), with the same path and query."""
    a, b = urlsplit(source), urlsplit(target)
    return (a.scheme == "http" and b.scheme == "https" and (a.hostname or "") == (b.hostname or "")
            and b.port in (None, 443) and (a.path or "/") == (b.path or "/") and a.query == b.query)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
