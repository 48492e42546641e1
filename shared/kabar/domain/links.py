"""Durable signed links to stored files: ``/files/<token>``.

A presigned S3 URL lives no longer than the credentials that signed it (a Lambda role's: hours),
so a link in an email is a token of our own instead, and the function behind ``/files/{token}``
presigns a short-lived URL when the link is followed.

``token = base64url(payload) + "." + base64url(HMAC-SHA256(secret, "kabar-file-link.v1." + payload part))``;
the payload names a bucket *role* (never a bucket), the village, the key (under ``<village>/``) and
the expiry (unix seconds). The MAC covers the encoded text itself, so any changed character fails.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime

from .models import TENANT_RE

#: The buckets a link may point into, by role; the use case maps a role to the bucket.
ROLES = frozenset({"reports", "media"})
MAX_TOKEN = 2048
MAX_KEY = 1024
_CONTEXT = b"kabar-file-link.v1."


@dataclass(frozen=True)
class LinkTarget:
    role: str
    tenant_id: str
    key: str
    expires_at: int


class InvalidLink(ValueError):
    """A link that must not be signed: an unknown role, a foreign key, a bad village id."""


def _valid_target(role: str, tenant_id: str, key: str) -> bool:
    return (role in ROLES and isinstance(tenant_id, str) and bool(TENANT_RE.match(tenant_id))
            and isinstance(key, str) and key.startswith(f"{tenant_id}/") and len(key) <= MAX_KEY
            and len(key) > len(tenant_id) + 1 and ".." not in key.split("/") and "\\" not in key)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text or not all(c.isalnum() or c in "-_" for c in text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, payload_part: str) -> bytes:
    return hmac.new(secret, _CONTEXT + payload_part.encode("ascii"), hashlib.sha256).digest()


def _as_unix(expires_at: datetime | int) -> int:
    if isinstance(expires_at, datetime):
        if expires_at.tzinfo is None:
            raise InvalidLink("expires_at must be timezone-aware")
        return int(expires_at.timestamp())
    return int(expires_at)


def sign_link(secret: bytes, role: str, tenant: str, key: str, expires_at: datetime | int) -> str:
    """The token for one object of one village, valid until ``expires_at``."""
    if not secret:
        raise InvalidLink("no signing key")
    if not _valid_target(role, tenant, key):
        raise InvalidLink(f"not a {role!r} object of village {tenant!r}")
    payload = json.dumps({"r": role, "t": tenant, "k": key, "e": _as_unix(expires_at)},
                         separators=(",", ":"), ensure_ascii=False, sort_keys=True)
    part = _b64(payload.encode("utf-8"))
    return f"{part}.{_b64(_mac(secret, part))}"


def verify_link(secret: bytes, token: str, now: datetime | int) -> LinkTarget | None:
    """The target of a genuine, unexpired token for a valid role and key; None for anything else."""
    if not secret or not isinstance(token, str) or len(token) > MAX_TOKEN or token.count(".") != 1:
        return None
    part, _, signature = token.partition(".")
    # The canonical text of the MAC, compared in constant time: no second spelling of a signature.
    if not part.isascii() or not hmac.compare_digest(signature.encode("utf-8"), _b64(_mac(secret, part)).encode()):
        return None
    try:
        data = json.loads(_unb64(part).decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or set(data) != {"r", "t", "k", "e"}:
        return None
    role, tenant, key, expires = data["r"], data["t"], data["k"], data["e"]
    if not isinstance(expires, int) or isinstance(expires, bool) or not _valid_target(role, tenant, key):
        return None
    if expires <= _as_unix(now):
        return None
    return LinkTarget(role=role, tenant_id=tenant, key=key, expires_at=expires)
