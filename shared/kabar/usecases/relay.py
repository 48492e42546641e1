"""The outbox relay: each outbox item the table's stream carries goes on the bus, at least once.

An event goes out as itself; a notice as ``NoticeDue`` (its sender reads the notice by id and sends it
once). A record that fails is reported, so the stream retries it; every consumer is idempotent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from ..domain.clock import now
from ..domain.events import parse_event
from ..domain.outbox import NoticeDue
from ..ports import EventPublisher


class NotAnOutboxItem(ValueError):
    pass


def replay(items: Iterable[Mapping[str, Any]], publisher: EventPublisher) -> dict[str, int]:
    """Put outbox items on the bus again (after the relay's failure queue alarmed): consumers are idempotent
    and a notice is sent once, so replaying what was already delivered changes nothing."""
    counts = {"event": 0, "notice": 0}
    for item in items:
        counts[relay_item(item, publisher)] += 1
    return counts


def relay_item(item: Mapping[str, Any], publisher: EventPublisher, at: datetime | None = None) -> str:
    """Put one outbox item (the stream's new image) on the bus; returns its kind."""
    if item.get("rtype") != "outbox":
        raise NotAnOutboxItem(f"not an outbox item: {item.get('rtype')!r}")
    kind = item.get("kind")
    if kind == "event":
        publisher.publish([parse_event(str(item["detail_type"]), json.loads(str(item["detail"])))])
    elif kind == "notice":
        publisher.publish([NoticeDue(tenant_id=str(item["tenant_id"]), notice_id=str(item["outbox_id"]),
                                     purpose=str(item.get("purpose", "")), occurred_at=at or now())])
    else:
        raise NotAnOutboxItem(f"unknown outbox kind {kind!r}")
    return str(kind)
