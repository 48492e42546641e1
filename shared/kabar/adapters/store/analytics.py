"""Clicks, daily channel metrics, comments and messages, and the inbox digest.

The ``Analytics`` repository of ``kabar.ports``; ``adapters.dynamo.DynamoStore`` composes them all.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime

from ...domain.clock import iso, month_of
from ...domain.inbox import Inquiry
from ...domain.metrics import AccountSnapshot, ItemSnapshot
from ...domain.report import ClickCount
from ...domain.retention import INQUIRY_DAYS, expires
from .base import TableBase, _data


class AnalyticsTable(TableBase):
    """Clicks, daily channel metrics, comments and messages, and the inbox digest."""

    def count_click(self, tenant_id: str, item: str, channel: str, day: date) -> None:
        self._table.update_item(
            Key={"PK": f"T#{tenant_id}#CLICKS#{day:%Y-%m}", "SK": f"{item}#{channel}#{day.isoformat()}"},
            UpdateExpression="ADD #c :one SET rtype = :k, #i = :i, #ch = :ch, #d = :d",
            ExpressionAttributeNames={"#c": "count", "#d": "day", "#i": "item", "#ch": "channel"},
            ExpressionAttributeValues={":one": 1, ":k": "clicks", ":i": item, ":ch": channel,
                                       ":d": day.isoformat()})

    def click_salt(self, day: date) -> str:
        """The day's random salt for readers' click marks, made by whoever asks first; it expires with
        the day's marks, after which no mark can be tied to a reader again."""
        key = {"PK": "CLICKSALT", "SK": day.isoformat()}
        found = self._get(key["PK"], key["SK"])
        if found is not None:
            return str(found["salt"])
        try:
            self._put({**key, "rtype": "click_salt", "salt": secrets.token_hex(32),
                       "ttl": int(datetime.combine(day, datetime.min.time()).timestamp()) + 2 * 86400},
                      condition="attribute_not_exists(PK)")
        except Exception as err:
            if not self._is_condition_failure(err):
                raise
        return str((self._get(key["PK"], key["SK"]) or {})["salt"])

    def first_click(self, tenant_id: str, mark: str, day: date) -> bool:
        """Record a reader's (salted, hashed) mark for one item on one day; False if it was there."""
        try:
            self._put({"PK": f"T#{tenant_id}#CLICKMARK#{day.isoformat()}", "SK": mark, "rtype": "click_mark",
                       "ttl": int(datetime.combine(day, datetime.min.time()).timestamp()) + 2 * 86400},
                      condition="attribute_not_exists(PK)")
        except Exception as err:
            if self._is_condition_failure(err):
                return False
            raise
        return True

    def clicks_in_month(self, tenant_id: str, month: str) -> list[ClickCount]:
        items = self._query(KeyConditionExpression="PK = :p",
                            ExpressionAttributeValues={":p": f"T#{tenant_id}#CLICKS#{month}"})
        return [ClickCount(item=i["item"], channel=i["channel"], day=i["day"], count=int(i["count"]))
                for i in items]

    def put_account_snapshot(self, snap: AccountSnapshot) -> None:
        """One account's day; collecting the same day again replaces it."""
        self._put({"PK": f"T#{snap.tenant_id}#METRICS#{snap.day:%Y-%m}",
                   "SK": f"A#{snap.channel}#{snap.account_id}#{snap.day.isoformat()}", "rtype": "account_snapshot",
                   **snap.model_dump(mode="json")})

    def put_item_snapshot(self, snap: ItemSnapshot) -> None:
        self._put({"PK": f"T#{snap.tenant_id}#METRICS#{snap.day:%Y-%m}",
                   "SK": f"I#{snap.channel}#{snap.remote_id}#{snap.day.isoformat()}", "rtype": "item_snapshot",
                   **snap.model_dump(mode="json")})

    def account_snapshots(self, tenant_id: str, month: str) -> list[AccountSnapshot]:
        items = self._query(KeyConditionExpression="PK = :p AND begins_with(SK, :s)",
                            ExpressionAttributeValues={":p": f"T#{tenant_id}#METRICS#{month}", ":s": "A#"})
        return [AccountSnapshot.model_validate(_data(i)) for i in items]

    def item_snapshots(self, tenant_id: str, month: str) -> list[ItemSnapshot]:
        items = self._query(KeyConditionExpression="PK = :p AND begins_with(SK, :s)",
                            ExpressionAttributeValues={":p": f"T#{tenant_id}#METRICS#{month}", ":s": "I#"})
        return [ItemSnapshot.model_validate(_data(i)) for i in items]

    def put_inquiry(self, inq: Inquiry) -> bool:
        """Record a comment or message once; False for a duplicate delivery (same comment_id / mid)."""
        item = {"PK": f"T#{inq.tenant_id}#INQ#{inq.inquiry_id}", "SK": "INQ", "rtype": "inquiry",
                "GSI1PK": f"T#{inq.tenant_id}#INBOX#{month_of(inq.received_at)}",
                "GSI1SK": f"{iso(inq.received_at)}#{inq.inquiry_id}", **inq.model_dump(mode="json"),
                "ttl": expires(inq.received_at, INQUIRY_DAYS)}  # commenters' names: kept no longer than needed
        return self._conditional(self._put, item, "attribute_not_exists(PK)")

    def get_inquiry(self, tenant_id: str, inquiry_id: str) -> Inquiry | None:
        item = self._get(f"T#{tenant_id}#INQ#{inquiry_id}", "INQ")
        return Inquiry.model_validate(_data(item)) if item else None

    def mark_answered(self, inq: Inquiry, at: datetime, answer_id: str) -> bool:
        """The first answer stands; False when it was already answered."""
        return self._conditional(
            self._table.update_item,
            Key={"PK": f"T#{inq.tenant_id}#INQ#{inq.inquiry_id}", "SK": "INQ"},
            UpdateExpression="SET answered_at = :at, answer_id = :a",
            ConditionExpression="attribute_exists(PK) AND (attribute_not_exists(answered_at) OR answered_at = :n)",
            ExpressionAttributeValues={":at": iso(at), ":a": answer_id, ":n": None})

    def inquiries_in_month(self, tenant_id: str, month: str) -> list[Inquiry]:
        """Comments and messages that arrived in a Jakarta calendar month."""
        items = self._query(IndexName="GSI1", KeyConditionExpression="GSI1PK = :p",
                            ExpressionAttributeValues={":p": f"T#{tenant_id}#INBOX#{month}"})
        return [Inquiry.model_validate(_data(i)) for i in items]

    def record_digest(self, tenant_id: str, day: date) -> bool:
        """The inbox digest of a day, once: False when it was already sent."""
        return self._conditional(self._put, {"PK": f"T#{tenant_id}#DIGEST", "SK": day.isoformat(), "rtype": "digest"},
                                 "attribute_not_exists(PK)")

    def record_token_notice(self, tenant_id: str, key: str, at: datetime) -> bool:
        """A token-expiry email of ``key`` (token, kind, expiry date), once: False when it was already."""
        return self._conditional(
            self._put, {"PK": f"T#{tenant_id}#TOKENNOTICE", "SK": key, "rtype": "token_notice", "at": iso(at)},
            "attribute_not_exists(PK)")

    def release_token_notice(self, tenant_id: str, key: str) -> None:
        """Undo a notice whose email failed, so the next run sends it."""
        self._table.delete_item(Key={"PK": f"T#{tenant_id}#TOKENNOTICE", "SK": key})

    def inquiries_from(self, tenant_id: str, author_id: str) -> list[Inquiry]:
        items = self._scan_village(f"T#{tenant_id}#INQ#", rtype="inquiry", author_id=author_id)
        return [Inquiry.model_validate(_data(i)) for i in items]

    def anonymise_inquiry(self, inq: Inquiry, pseudonym: str) -> None:
        """Keep the times (the 1-day answer KPI of the report), drop who wrote and what."""
        names = {"#t": "text"}
        update = "SET author_id = :p, author_name = :blank, #t = :blank"
        if inq.thread_id == inq.author_id:  # a direct message's thread is the person
            update += ", thread_id = :p"
        self._table.update_item(Key={"PK": f"T#{inq.tenant_id}#INQ#{inq.inquiry_id}", "SK": "INQ"},
                                UpdateExpression=update, ExpressionAttributeNames=names,
                                ExpressionAttributeValues={":p": pseudonym, ":blank": ""})
