"""Secret tokens (personal links, review links): 256 random bits, only a hash is ever stored."""

from __future__ import annotations

import hashlib
import secrets

from .models import TENANT_RE


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(tenant_id: str) -> str:
    """``<village>.<256 random bits>``: the village part only routes the look-up to its partition."""
    return f"{tenant_id}.{secrets.token_urlsafe(32)}"


def split_token(token: str) -> tuple[str, str] | None:
    """(village id, token) for a well-formed token, else None."""
    tenant_id, sep, secret = token.partition(".")
    if not sep or not TENANT_RE.match(tenant_id) or not 40 <= len(secret) <= 64:
        return None
    if not all(c.isalnum() or c in "-_" for c in secret):
        return None
    return tenant_id, token
