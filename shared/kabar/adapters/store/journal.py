"""The audit trail, the outbox's events and notices, and one-time claims.

The ``Journal`` repository of ``kabar.ports``; ``adapters.dynamo.DynamoStore`` composes them all.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from ...domain.audit import GENESIS, ChainLink
from ...domain.clock import iso
from ...domain.models import (
    AuditEntry,
)
from ...domain.outbox import Change, Notice, NoticeRecord
from ..aws import client
from .base import TableBase, _data, _sub_pk


class JournalTable(TableBase):
    """The audit trail, the outbox's events and notices, and one-time claims."""

    def append_audit(self, entry: AuditEntry) -> None:
        self._commit([], Change(audit=entry))

    def enqueue(self, change: Change) -> int:
        """Promise events and notices that follow no state change of their own (a report made, a digest due).

        Each notice is written once: one promised before is left as it is (sent or still due). Returns
        how many notices were new. An audit entry goes through :meth:`append_audit` instead.
        """
        if change.audit is not None:
            raise ValueError("enqueue() takes events and notices; commit an audited change with its state")
        at = datetime.now(UTC)
        new = 0
        for op in self._outbox_ops(Change(notices=change.notices), at):
            try:
                client("dynamodb").put_item(**op["Put"])
                new += 1
            except Exception as err:
                if not self._is_condition_failure(err):
                    raise
        events = self._outbox_ops(Change(events=change.events), at)
        for start in range(0, len(events), 100):
            client("dynamodb").transact_write_items(TransactItems=events[start:start + 100])
        return new

    def outbox_since(self, since: datetime, tenant_id: str | None = None) -> Iterator[dict]:
        """Outbox items promised since ``since`` that may still need relaying (events; notices not yet sent).

        A scan: this is the operator's replay after the relay's failure queue alarmed, not a request path.
        """
        expression = ("rtype = :o AND created_at >= :s AND attribute_not_exists(sent_at) AND "
                      "attribute_not_exists(skipped)")
        values: dict[str, Any] = {":o": "outbox", ":s": iso(since)}
        if tenant_id:
            expression += " AND tenant_id = :t"
            values[":t"] = tenant_id
        return self._scan(FilterExpression=expression, ExpressionAttributeValues=values)

    def get_notice(self, tenant_id: str, notice_id: str) -> NoticeRecord | None:
        item = self._get(f"T#{tenant_id}#OUTBOX#{notice_id}", "OUTBOX")
        if not item or item.get("kind") != "notice":
            return None
        return NoticeRecord(notice=Notice.model_validate(item["notice"]), created_at=item["created_at"],
                            sent_at=item.get("sent_at"), message_id=item.get("message_id"),
                            skipped=item.get("skipped"), attempts=int(item.get("attempts", 0)))

    def claim_notice(self, tenant_id: str, notice_id: str, at: datetime, lease_seconds: int) -> bool:
        """Take the notice for sending now; False when it was sent, skipped, or another sender holds it."""
        return self._conditional(
            self._table.update_item, Key={"PK": f"T#{tenant_id}#OUTBOX#{notice_id}", "SK": "OUTBOX"},
            UpdateExpression="SET sending_until = :until ADD attempts :one",
            ConditionExpression="attribute_exists(PK) AND attribute_not_exists(sent_at) AND "
                                "attribute_not_exists(skipped) AND "
                                "(attribute_not_exists(sending_until) OR sending_until < :now)",
            ExpressionAttributeValues={":until": iso(at + timedelta(seconds=lease_seconds)), ":now": iso(at),
                                       ":one": 1})

    def release_notice(self, tenant_id: str, notice_id: str) -> None:
        """A send failed before the provider took it: the next delivery may try at once."""
        self._table.update_item(Key={"PK": f"T#{tenant_id}#OUTBOX#{notice_id}", "SK": "OUTBOX"},
                                UpdateExpression="REMOVE sending_until")

    def mark_notice(self, tenant_id: str, notice_id: str, at: datetime, message_id: str | None = None,
                    skipped: str | None = None) -> None:
        values: dict[str, Any] = {":at": iso(at)}
        if skipped is not None:
            expression = "SET skipped = :s, decided_at = :at REMOVE sending_until"
            values[":s"] = skipped
        else:
            expression = "SET sent_at = :at, message_id = :m REMOVE sending_until"
            values[":m"] = message_id
        self._table.update_item(Key={"PK": f"T#{tenant_id}#OUTBOX#{notice_id}", "SK": "OUTBOX"},
                                UpdateExpression=expression, ExpressionAttributeValues=values)

    def audit_chain(self, tenant_id: str) -> tuple[list[ChainLink], int, str]:
        """The village's chain as stored, and its head (last seq and hash)."""
        links = []
        for item in self._query(KeyConditionExpression="PK = :p AND begins_with(SK, :s)", ConsistentRead=True,
                                ExpressionAttributeValues={":p": f"T#{tenant_id}#AUDIT", ":s": "E#"}):
            body = {k: v for k, v in _data(item).items() if k not in ("prev_hash", "hash")}
            body["seq"] = int(body.get("seq", 0))
            links.append(ChainLink(body=body, prev_hash=item.get("prev_hash", ""), hash=item.get("hash", "")))
        head = self._get(f"T#{tenant_id}#AUDIT", "HEAD")
        return links, int(head["seq"]) if head else 0, head["hash"] if head else GENESIS

    def audit_head(self, tenant_id: str) -> tuple[int, str]:
        """The chain's last sequence number and hash (what an anchor records)."""
        head = self._get(f"T#{tenant_id}#AUDIT", "HEAD")
        return (int(head["seq"]), head["hash"]) if head else (0, GENESIS)

    def claim_once(self, tenant_id: str, submission_id: str, key: str, at: datetime) -> bool:
        """Record that ``key`` is being done for this submission; False when it was already."""
        return self._conditional(
            self._put, {"PK": _sub_pk(tenant_id, submission_id), "SK": f"SLA#{key}", "rtype": "sla",
                        "key": key, "at": iso(at)}, "attribute_not_exists(PK)")

    def release_claim(self, tenant_id: str, submission_id: str, key: str) -> None:
        """Undo a claim whose action failed, so the next watch tries again."""
        self._table.delete_item(Key={"PK": _sub_pk(tenant_id, submission_id), "SK": f"SLA#{key}"})

    def has_claim(self, tenant_id: str, submission_id: str, key: str) -> bool:
        """Whether ``claim_once(key)`` was made for this submission (e.g. a draft released to the PPID)."""
        return self._get(_sub_pk(tenant_id, submission_id), f"SLA#{key}") is not None

    def commit_change(self, change: Change) -> None:
        """An action whose only state is its audit entry (a file asked for, a person added), committed
        with the notices it promises, in one transaction."""
        self._commit([], change)

    def workspace_audit(self, tenant_id: str) -> list[AuditEntry]:
        items = self._query(KeyConditionExpression="PK = :p AND begins_with(SK, :s)", ConsistentRead=True,
                            ScanIndexForward=False,
                            ExpressionAttributeValues={":p": _sub_pk(tenant_id, "workspace"), ":s": "AUDIT#"})
        return [AuditEntry.model_validate(_data(i)) for i in items]
