"""Scheduled jobs at scale (``usecases/fanout.py``): the ``Jobs`` repository of ``kabar.ports``.

Keys:
- ``VILLAGEDIR#<nn>`` / ``<t>``: one small item per village in one of DIRECTORY_SHARDS partitions, what
  the job schedulers page through (never the villages' whole items under one key)
- ``REGENCYDIR`` / ``<kabupaten slug>``: the kabupaten that have villages (the regency reports' jobs)
- ``PAGE#<id>`` / ``PAGE``: the village of a Facebook Page or an Instagram account (the Meta webhook)
- ``T#<t>#JOBRUN`` / ``<job>#<period>`` (``REGENCY#<k>#JOBRUN`` for a kabupaten): a job's run for one
  village and period, queued once, then marked done with what it did

The directory entry and the Page lookups are written with the village (``VillageTable.put_village``);
``backfill_directory`` writes them for a village saved before they existed (``kabar village backfill``).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from ...domain.clock import iso
from ...domain.fanout import meta_ids, shard_of
from ...domain.models import Village
from ...domain.regency import kabupaten_slug
from ...ports import DirectoryBackfill
from ..aws import client
from .base import TableBase

#: how long a run's record is kept (a month's report runs are looked at in the next weeks)
KEEP_DAYS = 45


def directory_ops(table: TableBase, village: Village, old_ids: set[str]) -> list[dict]:
    """The transaction items that keep a village's directory entry and Page lookups with its configuration."""
    ops: list[dict] = [{"Put": {"TableName": table.table_name, "Item": table._ser(
        {"PK": f"VILLAGEDIR#{shard_of(village.id):02d}", "SK": village.id, "rtype": "village_dir",
         "kabupaten": village.kabupaten})}}]
    if village.kabupaten.strip():
        ops.append({"Put": {"TableName": table.table_name, "Item": table._ser(
            {"PK": "REGENCYDIR", "SK": kabupaten_slug(village.kabupaten), "rtype": "regency_dir",
             "name": village.kabupaten.strip()})}})
    new_ids = meta_ids(village)
    mine = table._ser({":t": village.id})
    for page_id in sorted(new_ids):
        ops.append({"Put": {"TableName": table.table_name, "Item": table._ser(
            {"PK": f"PAGE#{page_id}", "SK": "PAGE", "rtype": "page", "tenant_id": village.id}),
            "ConditionExpression": "attribute_not_exists(PK) OR tenant_id = :t",
            "ExpressionAttributeValues": mine}})
    for page_id in sorted(old_ids - new_ids):
        ops.append({"Delete": {"TableName": table.table_name,
                               "Key": table._ser({"PK": f"PAGE#{page_id}", "SK": "PAGE"}),
                               "ConditionExpression": "attribute_not_exists(PK) OR tenant_id = :t",
                               "ExpressionAttributeValues": mine}})
    return ops


class JobTable(TableBase):
    """The village directory, the Page lookup, and each scheduled job's runs."""

    def village_ids(self, shard: int, after: str | None, limit: int) -> list[str]:
        """One page of the village directory: up to ``limit`` village ids of a partition, after ``after``."""
        values: dict[str, Any] = {":p": f"VILLAGEDIR#{shard:02d}"}
        condition = "PK = :p"
        if after:
            condition += " AND SK > :a"
            values[":a"] = after
        page = self._table.query(KeyConditionExpression=condition, ExpressionAttributeValues=values,
                                 ProjectionExpression="SK", Limit=limit)
        return [str(i["SK"]) for i in page.get("Items", [])]

    def backfill_directory(self, village: Village) -> DirectoryBackfill:
        """Write what is missing of a village's directory entry, its kabupaten's entry and the lookup of each
        Meta id its channels name: one conditional put each (``attribute_not_exists``), so a second run
        writes nothing and nothing there is replaced. A Page already routed to another village is named,
        not taken."""
        done = DirectoryBackfill(village.id)
        for op in directory_ops(self, village, set()):
            item = op["Put"]["Item"]
            key = f"{item['PK']['S']}/{item['SK']['S']}"
            if self._conditional(client("dynamodb").put_item, TableName=self.table_name, Item=item,
                                 ConditionExpression="attribute_not_exists(PK)"):
                done.written.append(key)
                continue
            if item["PK"]["S"].startswith("PAGE#"):
                held = self.village_for_page(item["PK"]["S"][len("PAGE#"):])
                if held != village.id:
                    done.conflicts.append(f"{key} -> {held}")
                    continue
            done.present.append(key)
        return done

    def regencies(self) -> list[str]:
        """The kabupaten that have at least one village."""
        items = self._query(KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": "REGENCYDIR"})
        return [str(i["name"]) for i in items]

    def village_for_page(self, page_id: str) -> str | None:
        """The village whose channels name this Facebook Page or Instagram account, if any."""
        item = self._table.get_item(Key={"PK": f"PAGE#{page_id}", "SK": "PAGE"}).get("Item")
        return str(item["tenant_id"]) if item else None

    @staticmethod
    def _run_key(unit: str, job: str, period: str) -> dict:
        pk = f"REGENCY#{unit[len('kabupaten:'):]}#JOBRUN" if unit.startswith("kabupaten:") else f"T#{unit}#JOBRUN"
        return {"PK": pk, "SK": f"{job}#{period}"}

    def claim_job_run(self, unit: str, job: str, period: str, at: datetime) -> bool:
        """Record that a unit's (village's) job of this period is queued; False when it was before."""
        item = {**self._run_key(unit, job, period), "rtype": "job_run", "status": "queued",
                "queued_at": iso(at), "ttl": int(at.timestamp()) + KEEP_DAYS * 86400}
        return self._conditional(client("dynamodb").put_item, TableName=self.table_name, Item=self._ser(item),
                                 ConditionExpression="attribute_not_exists(PK)")

    def release_job_run(self, unit: str, job: str, period: str) -> None:
        """Undo a claim whose message could not be queued, so a retried scheduler queues it."""
        self._conditional(client("dynamodb").delete_item, TableName=self.table_name,
                          Key=self._ser(self._run_key(unit, job, period)), ConditionExpression="#s = :q",
                          ExpressionAttributeNames={"#s": "status"},
                          ExpressionAttributeValues=self._ser({":q": "queued"}))

    def job_run(self, unit: str, job: str, period: str) -> dict | None:
        key = self._run_key(unit, job, period)
        item = self._get(key["PK"], key["SK"])
        return {k: v for k, v in item.items() if k not in ("PK", "SK")} if item else None

    def finish_job_run(self, unit: str, job: str, period: str, at: datetime, result: dict) -> None:
        """Mark a unit's run of a job done, with what it did (a run started by hand has no claim: made here)."""
        self._table.update_item(
            Key=self._run_key(unit, job, period),
            UpdateExpression="SET #s = :d, done_at = :at, #r = :r, rtype = :k, #ttl = if_not_exists(#ttl, :ttl)",
            ExpressionAttributeNames={"#s": "status", "#r": "result", "#ttl": "ttl"},
            ExpressionAttributeValues={":d": "done", ":at": iso(at), ":r": json.dumps(result, default=str),
                                       ":k": "job_run", ":ttl": int(at.timestamp()) + KEEP_DAYS * 86400})
