"""What every repository of the table shares: the key helpers, reads and writes, and the unit of work
(a change and its consequences, the audit chain's head included, in one transaction)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from ...domain.audit import GENESIS, chain_hash, sealed_body
from ...domain.clock import iso
from ...domain.models import (
    AuditEntry,
    Procedure,
)
from ...domain.outbox import Change, event_id
from ..aws import client

_KEYS = ("PK", "SK", "GSI1PK", "GSI1SK", "rtype", "ttl")
#: outbox items are kept a while after delivery, for inspection; the stream has carried them by then
OUTBOX_DAYS = 30


def _tenant(tenant_id: str) -> str:
    return f"T#{tenant_id}"


def _sub_pk(tenant_id: str, submission_id: str) -> str:
    return f"T#{tenant_id}#S#{submission_id}"


def _draft_sk(procedure: Procedure | str, version: int) -> str:
    return f"DRAFT#{procedure}#{version:04d}"


def _pub_sk(procedure: Procedure | str, version: int, channel: str) -> str:
    return f"PUB#{procedure}#{version:04d}#{channel}"


def _data(item: dict) -> dict:
    return {k: v for k, v in item.items() if k not in _KEYS}


class TableBase:
    """The table and the unit of work; each repository mixes this in (``adapters.dynamo.DynamoStore``)."""

    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    @cached_property
    def _table(self) -> Any:
        import boto3

        return boto3.resource("dynamodb").Table(self.table_name)

    @cached_property
    def _serializer(self) -> Any:
        from boto3.dynamodb.types import TypeSerializer

        return TypeSerializer()

    def _put(self, item: dict, condition: str | None = None, names: dict | None = None) -> None:
        kwargs: dict[str, Any] = {"Item": item}
        if condition:
            kwargs["ConditionExpression"] = condition
        if names:
            kwargs["ExpressionAttributeNames"] = names
        self._table.put_item(**kwargs)

    def _get(self, pk: str, sk: str) -> dict | None:
        return self._table.get_item(Key={"PK": pk, "SK": sk}, ConsistentRead=True).get("Item")

    def _query(self, **kwargs: Any) -> Iterator[dict]:
        while True:
            page = self._table.query(**kwargs)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _conditional(self, write: Callable[..., object], *args: Any, **kwargs: Any) -> bool:
        """Run one conditional write: True when written, False when its condition failed (done before)."""
        try:
            write(*args, **kwargs)
        except Exception as err:
            if self._is_condition_failure(err):
                return False
            raise
        return True

    @staticmethod
    def _is_condition_failure(err: Exception) -> bool:
        code = getattr(err, "response", {}).get("Error", {}).get("Code")
        return code in ("ConditionalCheckFailedException", "TransactionCanceledException")

    def _ser(self, item: dict) -> dict:
        return {k: self._serializer.serialize(v) for k, v in item.items()}

    def _scan_village(self, prefix: str, **filters: str) -> Iterator[dict]:
        from boto3.dynamodb.conditions import Attr

        condition = Attr("PK").begins_with(prefix)
        for name, value in filters.items():
            condition &= Attr(name).eq(value)
        return self._scan(FilterExpression=condition, ConsistentRead=True)

    def _scan(self, **kwargs: Any) -> Iterator[dict]:
        """Every item a scan finds, page after page (operators' paths, never a request's)."""
        while True:
            page = self._table.scan(**kwargs)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _audit_item(self, entry: AuditEntry) -> dict:
        return {"PK": _sub_pk(entry.tenant_id, entry.submission_id),
                "SK": f"AUDIT#{iso(entry.at)}#{secrets.token_hex(4)}", "rtype": "audit",
                **entry.model_dump(mode="json")}

    def _outbox_ops(self, change: Change, at: datetime) -> list[dict]:
        ops = []
        ttl = int(at.timestamp()) + OUTBOX_DAYS * 86400
        for event in change.events:
            ident = event_id()
            ops.append({"Put": {"TableName": self.table_name, "Item": self._ser({
                "PK": f"T#{event.tenant_id}#OUTBOX#{ident}", "SK": "OUTBOX", "rtype": "outbox", "kind": "event",
                "outbox_id": ident, "tenant_id": event.tenant_id, "detail_type": event.detail_type(),
                "detail": event.model_dump_json(), "created_at": iso(at), "ttl": ttl})}})
        for notice in change.notices:
            ops.append({"Put": {"TableName": self.table_name, "Item": self._ser({
                "PK": f"T#{notice.tenant_id}#OUTBOX#{notice.notice_id}", "SK": "OUTBOX", "rtype": "outbox",
                "kind": "notice", "outbox_id": notice.notice_id, "tenant_id": notice.tenant_id,
                "purpose": notice.purpose, "notice": notice.model_dump(mode="json"), "created_at": iso(at),
                "attempts": 0, "ttl": ttl}),
                # the same notice promised twice is one notice (and one email)
                "ConditionExpression": "attribute_not_exists(PK)"}})
        return ops

    def _commit(self, ops: list[dict], change: Change, attempts: int = 10) -> None:
        """``ops``, the change's audit entry (in its submission and sealed onto the village's chain) and its
        outbox items, in one transaction.

        The chain's head is written under the condition that it is still the one read, so two writers
        can never fork the chain: the one that loses re-reads the head and seals again. A failure of
        ``ops`` themselves is raised to the caller.
        """
        entries = change.audits
        at = entries[0].at if entries else datetime.now(UTC)
        ops = ops + self._outbox_ops(change, at)
        if not entries:
            client("dynamodb").transact_write_items(TransactItems=ops)
            return
        ops = ops + [{"Put": {"TableName": self.table_name, "Item": self._ser(self._audit_item(entry)),
                              "ConditionExpression": "attribute_not_exists(PK)"}} for entry in entries]
        tenants = {entry.tenant_id for entry in entries}
        if len(tenants) != 1:
            raise ValueError("one change belongs to one village")
        chain_pk = f"T#{entries[0].tenant_id}#AUDIT"
        for attempt in range(attempts):
            head = self._get(chain_pk, "HEAD")
            prev_seq, prev_hash = (int(head["seq"]), head["hash"]) if head else (0, GENESIS)
            chain: list[dict] = []
            seq, last = prev_seq, prev_hash
            for entry in entries:
                seq += 1
                body = sealed_body(entry, seq)
                sealed = chain_hash(body, last)
                chain.append({"Put": {"TableName": self.table_name, "Item": self._ser(
                    {"PK": chain_pk, "SK": f"E#{seq:012d}", "rtype": "audit_chain", **body,
                     "prev_hash": last, "hash": sealed}), "ConditionExpression": "attribute_not_exists(PK)"}})
                last = sealed
            head_op: dict[str, Any] = {"TableName": self.table_name, "Item": self._ser(
                {"PK": chain_pk, "SK": "HEAD", "rtype": "audit_head", "seq": seq, "hash": last})}
            if head:
                head_op.update(ConditionExpression="seq = :p", ExpressionAttributeValues=self._ser({":p": prev_seq}))
            else:
                head_op["ConditionExpression"] = "attribute_not_exists(PK)"
            chain.append({"Put": head_op})
            try:
                client("dynamodb").transact_write_items(TransactItems=ops + chain)
                return
            except Exception as err:
                reasons = getattr(err, "response", {}).get("CancellationReasons") or []
                own = [r.get("Code") for r in reasons[:len(ops)]]
                lost_race = reasons and all(c in (None, "None", "TransactionConflict") for c in own)
                if not lost_race or attempt == attempts - 1:
                    raise
                # another writer sealed first: wait a little (jittered, growing) and seal on the new head
                time.sleep(min(0.5, 0.01 * 2 ** attempt) * (0.5 + secrets.randbelow(1000) / 1000))

    def _commit_once(self, ops: list[dict], change: Change) -> bool:
        """:meth:`_commit` for a change guarded by its own condition: False when that condition failed
        (the change was made before, so its consequences were promised with it)."""
        try:
            self._commit(ops, change)
        except Exception as err:
            reasons = getattr(err, "response", {}).get("CancellationReasons") or []
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                return False
            raise
        return True
