"""The monthly reports issued: their files, figures' digest and issue time.

The ``Reports`` repository of ``kabar.ports``; ``adapters.dynamo.DynamoStore`` composes them all.
"""

from __future__ import annotations

from ...domain.errors import NotFound
from .base import TableBase


class ReportTable(TableBase):
    """The monthly reports issued: their files, figures' digest and issue time."""

    def put_report_record(self, tenant_id: str, month: str, keys: dict[str, str], digest: str,
                          **extra: str) -> bool:
        """Record the month's report; False when a report with the same content is already recorded.
        ``extra``: more string attributes kept with it (e.g. when its figures were first issued)."""
        return self._conditional(
            self._table.put_item,
            Item={**extra, "PK": f"T#{tenant_id}#REPORT", "SK": month, "rtype": "report", "keys": keys,
                  "digest": digest},
            ConditionExpression="attribute_not_exists(PK) OR digest <> :d",
            ExpressionAttributeValues={":d": digest})

    def report_issued_at(self, tenant_id: str, month: str, figures_digest: str, at: str) -> str:
        """When a month's report with these figures was first issued: ``at`` the first time (written
        conditionally, so of two builds one date stands), the date already kept afterwards."""
        key = {"PK": f"T#{tenant_id}#REPORT", "SK": f"{month}#issued#{figures_digest}"}
        if self._conditional(self._table.put_item, Item={**key, "rtype": "report_issued", "issued_at": at},
                             ConditionExpression="attribute_not_exists(PK)"):
            return at
        kept = self._get(key["PK"], key["SK"])
        if kept is None:
            raise NotFound("report date")
        return str(kept["issued_at"])

    def report_record(self, tenant_id: str, month: str) -> dict | None:
        """The month's report record (keys, digest and what was kept with it), if one was made."""
        item = self._get(f"T#{tenant_id}#REPORT", month)
        return {k: v for k, v in item.items() if k not in ("PK", "SK")} if item else None

    def reports(self, tenant_id: str) -> list[dict]:
        """Every month's report record (its files' keys), newest first."""
        items = self._query(KeyConditionExpression="PK = :p", ScanIndexForward=False,
                            ExpressionAttributeValues={":p": f"T#{tenant_id}#REPORT"})
        return [{"month": i["SK"], "keys": i.get("keys", {})} for i in items if i.get("rtype") == "report"]
