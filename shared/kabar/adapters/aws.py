"""boto3 clients, created lazily and cached, with boto3's own retry configuration.

``AWS_ENDPOINT_URL`` (set by the local stack) points every client at the local emulator.
"""

from __future__ import annotations

from functools import cache
from typing import Any

_RETRIES = {"max_attempts": 5, "mode": "standard"}


@cache
def client(service: str) -> Any:
    import boto3  # imported here: a handler pays for boto3 only when it talks to AWS
    from botocore.config import Config

    return boto3.client(service, config=Config(retries=_RETRIES, connect_timeout=5, read_timeout=30))


def clear() -> None:
    """Forget cached clients (the local stack calls this when the endpoint changes)."""
    client.cache_clear()
