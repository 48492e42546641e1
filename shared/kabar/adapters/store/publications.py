"""Publications: one per draft version and channel.

The ``Publications`` repository of ``kabar.ports``; ``adapters.dynamo.DynamoStore`` composes them all.
"""

from __future__ import annotations

from ...domain.clock import iso, month_of
from ...domain.errors import NotFound
from ...domain.models import (
    Procedure,
    Publication,
)
from ...domain.outbox import Change
from .base import TableBase, _data, _pub_sk, _sub_pk


class PublicationTable(TableBase):
    """Publications: one per draft version and channel."""

    def start_publication(self, pub: Publication) -> Publication:
        """Record the intent before the remote call; return what is recorded (maybe from earlier)."""
        item = {"PK": _sub_pk(pub.tenant_id, pub.submission_id), "SK": _pub_sk(pub.procedure, pub.version, pub.channel),
                "rtype": "publication", **pub.model_dump(mode="json")}
        if self._conditional(self._put, item, "attribute_not_exists(PK)"):
            return pub
        existing = self._get(item["PK"], item["SK"])
        if existing is None:  # the condition failed on an item deleted since: a race with nobody to lose
            raise NotFound("publication")
        return Publication.model_validate(_data(existing))

    def save_publication(self, pub: Publication, change: Change | None = None) -> None:
        """A channel's state for one version, with what follows from it (the audit entry, the event, the
        admins' notice) in the same transaction."""
        item = {"PK": _sub_pk(pub.tenant_id, pub.submission_id),
                "SK": _pub_sk(pub.procedure, pub.version, pub.channel), "rtype": "publication",
                **pub.model_dump(mode="json")}
        if pub.published_at is not None:
            # Found by the month it went online (the report), whatever month its submission was made in.
            item.update(GSI1PK=f"T#{pub.tenant_id}#PUBM#{month_of(pub.published_at)}",
                        GSI1SK=f"{iso(pub.published_at)}#{pub.submission_id}#{item['SK']}")
        if change:
            self._commit([{"Put": {"TableName": self.table_name, "Item": self._ser(item)}}], change)
        else:
            self._put(item)

    def publications_in_month(self, tenant_id: str, month: str) -> list[Publication]:
        """Publications that went online in a Jakarta calendar month."""
        items = self._query(IndexName="GSI1", KeyConditionExpression="GSI1PK = :p",
                            ExpressionAttributeValues={":p": f"T#{tenant_id}#PUBM#{month}"})
        return [Publication.model_validate(_data(i)) for i in items]

    def publications(self, tenant_id: str, submission_id: str, procedure: Procedure, version: int) -> list[Publication]:
        items = self._query(KeyConditionExpression="PK = :p AND begins_with(SK, :s)", ConsistentRead=True,
                            ExpressionAttributeValues={":p": _sub_pk(tenant_id, submission_id),
                                                       ":s": f"PUB#{procedure}#{version:04d}#"})
        return [Publication.model_validate(_data(i)) for i in items]
