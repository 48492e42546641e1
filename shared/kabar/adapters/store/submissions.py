"""Submissions and their files (the register), with idempotency keys.

The ``Submissions`` repository of ``kabar.ports``; ``adapters.dynamo.DynamoStore`` composes them all.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from ...domain.clock import iso, month_of
from ...domain.errors import NotFound
from ...domain.models import (
    Asset,
    AssetStatus,
    AuditEntry,
    Draft,
    Publication,
    Submission,
    SubmissionStatus,
)
from ...domain.outbox import Change
from ..aws import client
from .base import TableBase, _data, _sub_pk


class SubmissionTable(TableBase):
    """Submissions and their files (the register), with idempotency keys."""

    @staticmethod
    def _submission_items(submission: Submission, assets: list[Asset]) -> list[dict]:
        """The register entry (found by its month) and one item per declared file."""
        pk = _sub_pk(submission.tenant_id, submission.submission_id)
        meta = {"PK": pk, "SK": "META", "rtype": "submission",
                "GSI1PK": f"T#{submission.tenant_id}#M#{month_of(submission.created_at)}",
                "GSI1SK": f"{iso(submission.created_at)}#{submission.submission_id}",
                **submission.model_dump(mode="json")}
        return [meta] + [{"PK": pk, "SK": f"ASSET#{a.asset_id}", "rtype": "asset", **a.model_dump(mode="json")}
                         for a in assets]

    @staticmethod
    def _key_pk(tenant_id: str, key_hash: str) -> str:
        return f"T#{tenant_id}#IDEM#{key_hash}"

    def create_submission(self, submission: Submission, assets: list[Asset]) -> None:
        items = self._submission_items(submission, assets)
        # One transaction: a submission and its declared files exist together or not at all.
        client("dynamodb").transact_write_items(TransactItems=[
            {"Put": {"TableName": self.table_name, "Item": self._ser(i),
                     "ConditionExpression": "attribute_not_exists(PK)"}} for i in items
        ])

    def submission_for_key(self, tenant_id: str, key_hash: str, at: datetime) -> tuple[str, str] | None:
        """(submission id, request fingerprint) a live idempotency key answers; None when unused or expired."""
        item = self._get(self._key_pk(tenant_id, key_hash), "IDEM")
        if item is None or int(item["ttl"]) <= int(at.timestamp()):  # TTL deletion lags: check it here
            return None
        return str(item["submission_id"]), str(item["fingerprint"])

    def create_submission_keyed(self, submission: Submission, assets: list[Asset], audit: AuditEntry,
                                key_hash: str, fingerprint: str, expires_at: datetime) -> bool:
        """The submission, its files, its audit entry and its idempotency key in one transaction.

        False when the key is already live (a concurrent request with the same key won): nothing written.
        """
        items = self._submission_items(submission, assets)
        ops: list[dict] = [{"Put": {"TableName": self.table_name, "Item": self._ser(i),
                                    "ConditionExpression": "attribute_not_exists(PK)"}} for i in items]
        key_item = {"PK": self._key_pk(submission.tenant_id, key_hash), "SK": "IDEM", "rtype": "idempotency_key",
                    "submission_id": submission.submission_id, "submitter_id": submission.submitter_id,
                    "fingerprint": fingerprint, "ttl": int(expires_at.timestamp())}
        ops.append({"Put": {"TableName": self.table_name, "Item": self._ser(key_item),
                            "ConditionExpression": "attribute_not_exists(PK) OR #ttl <= :now",
                            "ExpressionAttributeNames": {"#ttl": "ttl"},
                            "ExpressionAttributeValues": self._ser({":now": int(audit.at.timestamp())})}})
        try:
            self._commit(ops, Change(audit=audit))
        except Exception as err:
            if self._is_condition_failure(err):
                return False
            raise
        return True

    def get_submission(self, tenant_id: str, submission_id: str) -> Submission:
        item = self._get(_sub_pk(tenant_id, submission_id), "META")
        if item is None:
            raise NotFound("submission")
        return Submission.model_validate(_data(item))

    def submission_items(self, tenant_id: str, submission_id: str) -> dict[str, list]:
        """Everything under one submission, sorted by kind: the register entry in one query."""
        out: dict[str, list] = {"submission": [], "asset": [], "draft": [], "publication": [], "audit": []}
        models: dict[str, type[BaseModel]] = {"submission": Submission, "asset": Asset, "draft": Draft,
                                              "publication": Publication, "audit": AuditEntry}
        for item in self._query(KeyConditionExpression="PK = :p",
                                ExpressionAttributeValues={":p": _sub_pk(tenant_id, submission_id)},
                                ConsistentRead=True):
            kind = item.get("rtype")
            if kind in models:
                out[kind].append(models[kind].model_validate(_data(item)))
        return out

    def list_assets(self, tenant_id: str, submission_id: str) -> list[Asset]:
        items = self._query(KeyConditionExpression="PK = :p AND begins_with(SK, :s)",
                            ExpressionAttributeValues={":p": _sub_pk(tenant_id, submission_id), ":s": "ASSET#"},
                            ConsistentRead=True)
        return [Asset.model_validate(_data(i)) for i in items]

    def get_asset(self, tenant_id: str, submission_id: str, asset_id: str) -> Asset | None:
        item = self._get(_sub_pk(tenant_id, submission_id), f"ASSET#{asset_id}")
        return Asset.model_validate(_data(item)) if item else None

    def record_asset(self, asset: Asset, change: Change | None = None) -> bool:
        """Store intake's verdict once, with its consequences: a redelivered notification finds it decided."""
        item = {"PK": _sub_pk(asset.tenant_id, asset.submission_id), "SK": f"ASSET#{asset.asset_id}",
                "rtype": "asset", **asset.model_dump(mode="json")}
        return self._commit_once([{"Put": {
            "TableName": self.table_name, "Item": self._ser(item),
            "ConditionExpression": "attribute_exists(PK) AND #s = :e", "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": self._ser({":e": AssetStatus.EXPECTED.value})}}], change or Change())

    def add_asset(self, asset: Asset, audit: AuditEntry) -> bool:
        """One more expected file for a hand-over not closed by TOLAK, with its audit entry, in one
        transaction. False when the submission was closed meanwhile."""
        pk = _sub_pk(asset.tenant_id, asset.submission_id)
        item = {"PK": pk, "SK": f"ASSET#{asset.asset_id}", "rtype": "asset", **asset.model_dump(mode="json")}
        try:
            self._commit([
                {"Put": {"TableName": self.table_name, "Item": self._ser(item),
                         "ConditionExpression": "attribute_not_exists(PK)"}},
                {"ConditionCheck": {"TableName": self.table_name, "Key": self._ser({"PK": pk, "SK": "META"}),
                                    "ConditionExpression": "#s IN (:receiving, :complete)",
                                    "ExpressionAttributeNames": {"#s": "status"},
                                    "ExpressionAttributeValues": self._ser({
                                        ":receiving": SubmissionStatus.RECEIVING.value,
                                        ":complete": SubmissionStatus.COMPLETE.value})}},
            ], Change(audit=audit))
        except Exception as err:
            if self._is_condition_failure(err):
                return False
            raise
        return True

    def reopen_asset(self, refused: Asset, reopened: Asset, audit: AuditEntry) -> bool:
        """A refused file expected again (the submitter replaces it), with its audit entry, in one
        transaction: only while the file is still the refused one and the submission still receiving."""
        pk = _sub_pk(refused.tenant_id, refused.submission_id)
        item = {"PK": pk, "SK": f"ASSET#{refused.asset_id}", "rtype": "asset", **reopened.model_dump(mode="json")}
        refused_at = refused.model_dump(mode="json")["received_at"]
        try:
            self._commit([
                {"Put": {"TableName": self.table_name, "Item": self._ser(item),
                         "ConditionExpression": "#s = :rejected AND received_at = :at",
                         "ExpressionAttributeNames": {"#s": "status"},
                         "ExpressionAttributeValues": self._ser({":rejected": AssetStatus.REJECTED.value,
                                                                 ":at": refused_at})}},
                {"ConditionCheck": {"TableName": self.table_name, "Key": self._ser({"PK": pk, "SK": "META"}),
                                    "ConditionExpression": "#s = :receiving",
                                    "ExpressionAttributeNames": {"#s": "status"},
                                    "ExpressionAttributeValues": self._ser(
                                        {":receiving": SubmissionStatus.RECEIVING.value})}},
            ], Change(audit=audit))
        except Exception as err:
            if self._is_condition_failure(err):
                return False
            raise
        return True

    def mark_complete(self, submission: Submission, completed_at: datetime, change: Change | None = None) -> bool:
        """receiving -> complete, once, with its consequences. False when another delivery got there first."""
        return self._commit_once([{"Update": {
            "TableName": self.table_name,
            "Key": self._ser({"PK": _sub_pk(submission.tenant_id, submission.submission_id), "SK": "META"}),
            "UpdateExpression": "SET #s = :c, completed_at = :at", "ConditionExpression": "#s = :r",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": self._ser({":c": SubmissionStatus.COMPLETE.value,
                                                    ":r": SubmissionStatus.RECEIVING.value,
                                                    ":at": iso(completed_at)})}}], change or Change())

    def submissions_in_month(self, tenant_id: str, month: str) -> list[Submission]:
        items = self._query(IndexName="GSI1", KeyConditionExpression="GSI1PK = :p",
                            ExpressionAttributeValues={":p": f"T#{tenant_id}#M#{month}"})
        return [Submission.model_validate(_data(i)) for i in items]

    def submissions_of(self, tenant_id: str, submitter_id: str) -> list[Submission]:
        items = self._scan_village(f"T#{tenant_id}#S#", rtype="submission", submitter_id=submitter_id)
        return [Submission.model_validate(_data(i)) for i in items if i["SK"] == "META"]

    def forget_submitter_contact(self, tenant_id: str, submission_id: str) -> None:
        """The register keeps who handed the documentation over (a public role), not how to reach them."""
        self._table.update_item(Key={"PK": _sub_pk(tenant_id, submission_id), "SK": "META"},
                                UpdateExpression="SET submitter_email = :e", ConditionExpression="attribute_exists(PK)",
                                ExpressionAttributeValues={":e": ""})
