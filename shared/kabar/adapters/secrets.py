"""Secrets Manager: the deployment-wide JSON secrets (the Meta app, the Google client, the link-signing key),
read once per cold start. Channel credentials are sealed in the table instead (``credentials.py``)."""

from __future__ import annotations

import json
import threading
from typing import Any

from .aws import client

_cache: dict[str, dict[str, Any]] = {}
_lock = threading.Lock()


def get_secret_json(name: str) -> dict[str, Any]:
    """The secret ``name`` (a name or an ARN) parsed as a JSON object; a copy, so callers cannot
    change the cache. Errors from Secrets Manager (``ClientError``) reach the caller unchanged."""
    with _lock:
        cached = _cache.get(name)
    if cached is None:
        text = client("secretsmanager").get_secret_value(SecretId=name)["SecretString"]
        cached = json.loads(text)
        if not isinstance(cached, dict):
            raise ValueError(f"secret {name!r} is not a JSON object")
        with _lock:
            _cache[name] = cached
    return dict(cached)


class SecretsManagerSecrets:
    """The ``Secrets`` port: deployment-wide secrets from Secrets Manager, cached per cold start."""

    def json(self, name: str) -> dict[str, Any]:
        return get_secret_json(name)


def forget(name: str | None = None) -> None:
    """Drop one cached secret (after its token was refused and rotated), or all of them (tests)."""
    with _lock:
        if name is None:
            _cache.clear()
        else:
            _cache.pop(name, None)
