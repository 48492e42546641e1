"""The villages: each one's configuration, one item a village.

The ``Villages`` repository of ``kabar.ports``; ``adapters.dynamo.DynamoStore`` composes them all.
"""

from __future__ import annotations

from ...domain.errors import NotFound
from ...domain.models import (
    Village,
)
from .base import TableBase, _data, _tenant


class VillageTable(TableBase):
    """The villages: each one's configuration, one item a village."""

    def put_village(self, village: Village) -> None:
        self._put({"PK": _tenant(village.id), "SK": "VILLAGE", "GSI1PK": "VILLAGES", "GSI1SK": village.id,
                   "rtype": "village", **village.model_dump(mode="json")})

    def get_village(self, tenant_id: str) -> Village:
        item = self._get(_tenant(tenant_id), "VILLAGE")
        if item is None:
            raise NotFound("village")
        return Village.model_validate(_data(item))

    def list_villages(self) -> list[Village]:
        items = self._query(IndexName="GSI1", KeyConditionExpression="GSI1PK = :p",
                            ExpressionAttributeValues={":p": "VILLAGES"})
        return [Village.model_validate(_data(i)) for i in items]
