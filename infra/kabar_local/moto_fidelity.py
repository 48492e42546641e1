"""moto's DynamoDB made as isolated as DynamoDB: one request at a time.

DynamoDB runs every TransactWriteItems serializably and each single-item write atomically. moto's
threaded server does not: its transaction checks every condition, then writes, then (on failure)
restores a deep copy of the whole table, with other requests' threads running in between. Two
conditional writes that race (two tabs deciding on one draft, two writers sealing the audit chain)
could then both "succeed", or one could undo the other. Serializing moto's DynamoDB requests gives
the guarantees the code relies on in AWS; it costs nothing measurable at the local stack's scale.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

_LOCK = threading.RLock()


def serialize_dynamodb() -> None:
    """Wrap moto's DynamoDB request handling in one lock (idempotent)."""
    from moto.dynamodb.responses import DynamoHandler

    if getattr(DynamoHandler.call_action, "_kabar_serialized", False):
        return
    original = DynamoHandler.call_action

    @functools.wraps(original)
    def call_action(self: Any) -> Any:
        with _LOCK:
            return original(self)

    call_action._kabar_serialized = True  # type: ignore[attr-defined]
    DynamoHandler.call_action = call_action  # type: ignore[method-assign]
