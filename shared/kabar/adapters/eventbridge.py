"""EventBridge behind the EventPublisher port."""

from __future__ import annotations

import json
from collections.abc import Sequence

from ..domain.events import SOURCE, Event
from ..domain.outbox import NoticeDue
from .aws import client


class PublishFailed(RuntimeError):
    pass


class EventBridgePublisher:
    def __init__(self, bus_name: str) -> None:
        self.bus_name = bus_name

    def publish(self, events: Sequence[Event | NoticeDue]) -> None:
        entries = [{"EventBusName": self.bus_name, "Source": SOURCE, "DetailType": e.detail_type(),
                    "Detail": json.dumps(e.model_dump(mode="json"))} for e in events]
        for start in range(0, len(entries), 10):  # PutEvents takes at most 10 entries
            batch = entries[start:start + 10]
            response = client("events").put_events(Entries=batch)
            if response.get("FailedEntryCount"):
                failed = [r for r in response["Entries"] if r.get("ErrorCode")]
                raise PublishFailed(f"{len(failed)} event(s) not accepted: {failed}")
