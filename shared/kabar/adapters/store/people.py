"""Staff, their tokens, sign-in links and workspace sessions, and failed sign-in counts.

The ``People`` repository of ``kabar.ports``; ``adapters.dynamo.DynamoStore`` composes them all.
"""

from __future__ import annotations

from datetime import datetime

from ...domain.clock import iso
from ...domain.models import (
    AuditEntry,
    Staff,
)
from ...domain.outbox import Change
from ..aws import client
from .base import TableBase, _data, _tenant


class PeopleTable(TableBase):
    """Staff, their tokens, sign-in links and workspace sessions, and failed sign-in counts."""

    def put_staff(self, staff: Staff, token_hash: str) -> None:
        data = staff.model_dump(mode="json")
        client("dynamodb").transact_write_items(TransactItems=[
            {"Put": {"TableName": self.table_name, "Item": self._ser(
                {"PK": _tenant(staff.tenant_id), "SK": f"STAFF#{staff.staff_id}", "rtype": "staff", **data,
                 "token_hash": token_hash})}},
            {"Put": {"TableName": self.table_name, "Item": self._ser(
                {"PK": f"T#{staff.tenant_id}#AUTH#{token_hash}", "SK": "AUTH", "rtype": "auth", **data}),
                "ConditionExpression": "attribute_not_exists(PK)"}},
        ])

    def staff_by_token_hash(self, tenant_id: str, token_hash: str) -> Staff | None:
        item = self._get(f"T#{tenant_id}#AUTH#{token_hash}", "AUTH")
        return Staff.model_validate(_data(item)) if item else None

    def list_staff(self, tenant_id: str) -> list[tuple[Staff, str | None]]:
        """Each person of the village with the hash of their current token (None once revoked)."""
        items = self._query(KeyConditionExpression="PK = :p AND begins_with(SK, :s)",
                            ExpressionAttributeValues={":p": _tenant(tenant_id), ":s": "STAFF#"})
        return [(Staff.model_validate(_data(i)), i.get("token_hash")) for i in items]

    def replace_staff_token(self, staff: Staff, old_hash: str | None, new_hash: str | None,
                            audit: AuditEntry) -> None:
        """The person's token changed (``new_hash``) or revoked (None), audited, in one transaction."""
        data = staff.model_dump(mode="json")
        ops: list[dict] = [{"Put": {"TableName": self.table_name, "Item": self._ser(
            {"PK": _tenant(staff.tenant_id), "SK": f"STAFF#{staff.staff_id}", "rtype": "staff", **data,
             "token_hash": new_hash})}}]
        if old_hash:
            ops.append({"Delete": {"TableName": self.table_name,
                                   "Key": self._ser({"PK": f"T#{staff.tenant_id}#AUTH#{old_hash}", "SK": "AUTH"})}})
        if new_hash:
            ops.append({"Put": {"TableName": self.table_name, "Item": self._ser(
                {"PK": f"T#{staff.tenant_id}#AUTH#{new_hash}", "SK": "AUTH", "rtype": "auth", **data}),
                "ConditionExpression": "attribute_not_exists(PK)"}})
        self._commit(ops, Change(audit=audit))

    def count_auth_failure(self, client_key: str, window: int, at: datetime, window_seconds: int) -> int:
        """One more failed token attempt of this client (a hash) in this window; the count so far."""
        out = self._table.update_item(
            Key={"PK": f"AUTHFAIL#{client_key}", "SK": str(window)},
            UpdateExpression="ADD #c :one SET rtype = :k, #ttl = :ttl",
            ExpressionAttributeNames={"#c": "count", "#ttl": "ttl"},
            ExpressionAttributeValues={":one": 1, ":k": "auth_failures",
                                       ":ttl": int(at.timestamp()) + 2 * window_seconds},
            ReturnValues="UPDATED_NEW")
        return int(out["Attributes"]["count"])

    def auth_failures(self, client_key: str, window: int) -> int:
        item = self._get(f"AUTHFAIL#{client_key}", str(window))
        return int(item["count"]) if item else 0

    def put_sign_in(self, tenant_id: str, token_hash: str, staff_id: str, epoch: int, expires_at: datetime) -> None:
        self._put({"PK": f"T#{tenant_id}#SIGNIN#{token_hash}", "SK": "SIGNIN", "rtype": "sign_in",
                   "staff_id": staff_id, "epoch": epoch, "expires_at": iso(expires_at),
                   "ttl": int(expires_at.timestamp()) + 86400}, "attribute_not_exists(PK)")

    def get_sign_in(self, tenant_id: str, token_hash: str) -> dict | None:
        item = self._get(f"T#{tenant_id}#SIGNIN#{token_hash}", "SIGNIN")
        return _data(item) if item else None

    def use_sign_in(self, tenant_id: str, token_hash: str, at: datetime) -> bool:
        """Mark a sign-in link used, once: False when it was used already (or never existed)."""
        return self._conditional(
            self._table.update_item, Key={"PK": f"T#{tenant_id}#SIGNIN#{token_hash}", "SK": "SIGNIN"},
            UpdateExpression="SET used_at = :u",
            ConditionExpression="attribute_exists(PK) AND attribute_not_exists(used_at)",
            ExpressionAttributeValues={":u": iso(at)})

    def put_session(self, tenant_id: str, session_hash: str, record: dict, expires_at: datetime) -> None:
        self._put({"PK": f"T#{tenant_id}#SESSION#{session_hash}", "SK": "SESSION", "rtype": "session",
                   "ttl": int(expires_at.timestamp()) + 86400, **record}, "attribute_not_exists(PK)")

    def get_session(self, tenant_id: str, session_hash: str) -> dict | None:
        item = self._get(f"T#{tenant_id}#SESSION#{session_hash}", "SESSION")
        return _data(item) if item else None

    def touch_session(self, tenant_id: str, session_hash: str, at: datetime) -> None:
        self._conditional(self._table.update_item,
                          Key={"PK": f"T#{tenant_id}#SESSION#{session_hash}", "SK": "SESSION"},
                          UpdateExpression="SET last_seen_at = :u", ConditionExpression="attribute_exists(PK)",
                          ExpressionAttributeValues={":u": iso(at)})

    def end_session(self, tenant_id: str, session_hash: str) -> None:
        self._table.delete_item(Key={"PK": f"T#{tenant_id}#SESSION#{session_hash}", "SK": "SESSION"})

    def get_staff(self, tenant_id: str, staff_id: str) -> Staff | None:
        item = self._get(_tenant(tenant_id), f"STAFF#{staff_id}")
        return Staff.model_validate(_data(item)) if item else None

    def remove_staff(self, tenant_id: str, staff_id: str) -> int:
        """Delete a person's staff record and every token of theirs; the number of items removed."""
        items = [i for i in self._scan_village(f"T#{tenant_id}#AUTH#", staff_id=staff_id)]
        items += [i for i in [self._get(_tenant(tenant_id), f"STAFF#{staff_id}")] if i]
        for item in items:
            self._table.delete_item(Key={"PK": item["PK"], "SK": item["SK"]})
        return len(items)

    def people(self, tenant_id: str) -> list[Staff]:
        items = self._query(KeyConditionExpression="PK = :p AND begins_with(SK, :s)", ConsistentRead=True,
                            ExpressionAttributeValues={":p": _tenant(tenant_id), ":s": "STAFF#"})
        return [Staff.model_validate(_data(i)) for i in items]

    def revoke_staff(self, staff: Staff, at: datetime) -> bool:
        """Revoke a person: their token, links and sessions stop working (each check reads this record)."""
        return self._conditional(
            self._table.update_item, Key={"PK": _tenant(staff.tenant_id), "SK": f"STAFF#{staff.staff_id}"},
            UpdateExpression="SET revoked_at = :r", ConditionExpression="attribute_exists(PK)",
            ExpressionAttributeValues={":r": iso(at)})

    def rotate_staff(self, staff: Staff, token_hash: str) -> Staff:
        """A new epoch (everything issued before stops working) and a new personal token, together."""
        rotated = staff.model_copy(update={"epoch": staff.epoch + 1})
        data = rotated.model_dump(mode="json")
        client("dynamodb").transact_write_items(TransactItems=[
            {"Update": {"TableName": self.table_name,
                        "Key": self._ser({"PK": _tenant(staff.tenant_id), "SK": f"STAFF#{staff.staff_id}"}),
                        "UpdateExpression": "SET epoch = :n", "ConditionExpression": "epoch = :o",
                        "ExpressionAttributeValues": self._ser({":n": rotated.epoch, ":o": staff.epoch})}},
            {"Put": {"TableName": self.table_name, "Item": self._ser(
                {"PK": f"T#{staff.tenant_id}#AUTH#{token_hash}", "SK": "AUTH", "rtype": "auth", **data}),
                "ConditionExpression": "attribute_not_exists(PK)"}},
        ])
        return rotated
