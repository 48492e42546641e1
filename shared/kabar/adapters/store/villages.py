"""The villages: each one's configuration, one item a village.

The ``Villages`` repository of ``kabar.ports``; ``adapters.dynamo.DynamoStore`` composes them all.
"""

from __future__ import annotations

from ...domain.errors import Conflict, NotFound
from ...domain.fanout import meta_ids
from ...domain.models import (
    Village,
)
from ...domain.text import t
from ..aws import client
from .base import TableBase, _data, _tenant
from .jobs import directory_ops


class VillageTable(TableBase):
    """The villages: each one's configuration, one item a village."""

    def put_village(self, village: Village) -> None:
        """The village's configuration, with its directory entry and the lookup of each Meta id its
        channels name, in one transaction (``store/jobs.py``). A Page already routed to another village
        is refused."""
        before = self._get(_tenant(village.id), "VILLAGE")
        old_ids = meta_ids(Village.model_validate(_data(before))) if before else set()
        ops: list[dict] = [{"Put": {"TableName": self.table_name, "Item": self._ser(
            {"PK": _tenant(village.id), "SK": "VILLAGE", "GSI1PK": "VILLAGES", "GSI1SK": village.id,
             "rtype": "village", **village.model_dump(mode="json")})}}]
        ops += directory_ops(self, village, old_ids)
        try:
            client("dynamodb").transact_write_items(TransactItems=ops)
        except Exception as err:
            reasons = getattr(err, "response", {}).get("CancellationReasons") or []
            if any(r.get("Code") == "ConditionalCheckFailed" for r in reasons):
                raise Conflict(t("Halaman Facebook/akun Instagram ini sudah terhubung ke desa lain.",
                                 "This Facebook Page or Instagram account is already connected to another "
                                 "village.")) from err
            raise

    def get_village(self, tenant_id: str) -> Village:
        item = self._get(_tenant(tenant_id), "VILLAGE")
        if item is None:
            raise NotFound("village")
        return Village.model_validate(_data(item))

    def list_villages(self) -> list[Village]:
        items = self._query(IndexName="GSI1", KeyConditionExpression="GSI1PK = :p",
                            ExpressionAttributeValues={":p": "VILLAGES"})
        return [Village.model_validate(_data(i)) for i in items]
