"""In-memory fakes of the store's unit of work (the outbox), shared by the unit tests.

They keep the same promises as the DynamoDB adapter (tests/integration/test_outbox.py holds both to one
contract): a change commits its audit entry, events and notices together; a notice promised twice is
one notice; a claimed notice is not claimed again until its lease ends; a sent one is never re-sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from kabar.domain.events import Event
from kabar.domain.models import AuditEntry
from kabar.domain.outbox import Change, NoticeRecord


class MemoryOutbox:
    """Mix into a test's store: commit(), enqueue() and the notice records, in memory."""

    def _outbox_init(self) -> None:
        if not hasattr(self, "audit"):
            self.audit: list[AuditEntry] = []
        self.events_out: list[Event] = []
        self.notice_records: dict[tuple[str, str], NoticeRecord] = {}
        self._leases: dict[tuple[str, str], datetime] = {}

    def _ensure(self) -> None:
        if not hasattr(self, "notice_records"):
            self._outbox_init()

    def commit(self, change: Change | None, at: datetime | None = None) -> None:
        self._ensure()
        if change is None:
            return
        if change.audit is not None:
            self.audit.append(change.audit)
        self._promise(change, at or (change.audit.at if change.audit else datetime.now().astimezone()))

    def _promise(self, change: Change, at: datetime) -> int:
        self.events_out.extend(change.events)
        new = 0
        for notice in change.notices:
            key = (notice.tenant_id, notice.notice_id)
            if key not in self.notice_records:
                self.notice_records[key] = NoticeRecord(notice=notice, created_at=at)
                new += 1
        return new

    def enqueue(self, change: Change) -> int:
        self._ensure()
        if change.audit is not None:
            raise ValueError("enqueue() takes events and notices")
        return self._promise(change, datetime.now().astimezone())

    def append_audit(self, entry: AuditEntry) -> None:
        self.commit(Change(audit=entry))

    def get_notice(self, tenant_id: str, notice_id: str) -> NoticeRecord | None:
        self._ensure()
        return self.notice_records.get((tenant_id, notice_id))

    def claim_notice(self, tenant_id: str, notice_id: str, at: datetime, lease_seconds: int) -> bool:
        self._ensure()
        record = self.notice_records.get((tenant_id, notice_id))
        if record is None or record.sent_at is not None or record.skipped is not None:
            return False
        until = self._leases.get((tenant_id, notice_id))
        if until is not None and until >= at:
            return False
        self._leases[(tenant_id, notice_id)] = at + timedelta(seconds=lease_seconds)
        record.attempts += 1
        return True

    def release_notice(self, tenant_id: str, notice_id: str) -> None:
        self._ensure()
        self._leases.pop((tenant_id, notice_id), None)

    def mark_notice(self, tenant_id: str, notice_id: str, at: datetime, message_id: str | None = None,
                    skipped: str | None = None) -> None:
        self._ensure()
        record = self.notice_records[(tenant_id, notice_id)]
        if skipped is not None:
            record.skipped = skipped
        else:
            record.sent_at, record.message_id = at, message_id
        self._leases.pop((tenant_id, notice_id), None)

    # --- what a test does instead of the relay and the notice sender ---

    def pending_notices(self) -> list[tuple[str, str]]:
        self._ensure()
        return [k for k, r in self.notice_records.items() if r.sent_at is None and r.skipped is None]


def settle(svc: Any, at: datetime | None = None) -> None:
    """Relay and send what the store holds: events to ``svc.events``, each due notice through its sender."""
    from kabar.usecases.notices import deliver

    store = svc.store
    store._ensure()
    if store.events_out:
        svc.events.publish(list(store.events_out))
        store.events_out.clear()
    for tenant_id, notice_id in store.pending_notices():
        deliver(tenant_id, notice_id, svc, at)
