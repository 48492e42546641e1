"""The register in one DynamoDB table. Every key starts with the village (tenant) id.

Key layout (PK / SK):
- ``T#<t>`` / ``VILLAGE``: the village's configuration (GSI1: ``VILLAGES`` / ``<t>``)
- ``T#<t>`` / ``STAFF#<id>``: a person; ``T#<t>#AUTH#<sha256>`` / ``AUTH``: their token's hash
- ``T#<t>#S#<sid>`` / ``META``: a submission (GSI1: ``T#<t>#M#<yyyy-mm>`` / ``<created>#<sid>``)
- same PK / ``ASSET#<aid>``, ``DRAFT#<procedure>#<vvvv>``, ``PUB#<procedure>#<vvvv>#<channel>``,
  ``AUDIT#<at>#<n>``
- ``T#<t>#RT#<sha256>`` / ``RT``: a review link (hash only)
- ``T#<t>#CLICKS#<yyyy-mm>`` / ``<item>#<channel>#<yyyy-mm-dd>``: click counters
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import date, datetime
from functools import cached_property
from typing import Any

from ..domain.clock import iso, month_of
from ..domain.errors import InvalidTransition, NotFound
from ..domain.models import (
    Asset,
    AssetStatus,
    AuditEntry,
    Draft,
    DraftStatus,
    Procedure,
    Publication,
    ReviewToken,
    Staff,
    Submission,
    SubmissionStatus,
    Village,
)
from ..domain.report import ClickCount
from ..domain.text import t
from .aws import client

_KEYS = ("PK", "SK", "GSI1PK", "GSI1SK", "rtype", "ttl")


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


class DynamoStore:
    """The only place that knows the table's keys."""

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

    @staticmethod
    def _is_condition_failure(err: Exception) -> bool:
        code = getattr(err, "response", {}).get("Error", {}).get("Code")
        return code in ("ConditionalCheckFailedException", "TransactionCanceledException")

    def _ser(self, item: dict) -> dict:
        return {k: self._serializer.serialize(v) for k, v in item.items()}

    # --- villages and staff ------------------------------------------------------------------

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

    def put_staff(self, staff: Staff, token_hash: str) -> None:
        data = staff.model_dump(mode="json")
        client("dynamodb").transact_write_items(TransactItems=[
            {"Put": {"TableName": self.table_name, "Item": self._ser(
                {"PK": _tenant(staff.tenant_id), "SK": f"STAFF#{staff.staff_id}", "rtype": "staff", **data})}},
            {"Put": {"TableName": self.table_name, "Item": self._ser(
                {"PK": f"T#{staff.tenant_id}#AUTH#{token_hash}", "SK": "AUTH", "rtype": "auth", **data}),
                "ConditionExpression": "attribute_not_exists(PK)"}},
        ])

    def staff_by_token_hash(self, tenant_id: str, token_hash: str) -> Staff | None:
        item = self._get(f"T#{tenant_id}#AUTH#{token_hash}", "AUTH")
        return Staff.model_validate(_data(item)) if item else None

    # --- submissions and assets --------------------------------------------------------------

    def create_submission(self, submission: Submission, assets: list[Asset]) -> None:
        pk = _sub_pk(submission.tenant_id, submission.submission_id)
        meta = {"PK": pk, "SK": "META", "rtype": "submission",
                "GSI1PK": f"T#{submission.tenant_id}#M#{month_of(submission.created_at)}",
                "GSI1SK": f"{iso(submission.created_at)}#{submission.submission_id}",
                **submission.model_dump(mode="json")}
        items = [meta] + [{"PK": pk, "SK": f"ASSET#{a.asset_id}", "rtype": "asset", **a.model_dump(mode="json")}
                          for a in assets]
        # One transaction: a submission and its declared files exist together or not at all.
        client("dynamodb").transact_write_items(TransactItems=[
            {"Put": {"TableName": self.table_name, "Item": self._ser(i),
                     "ConditionExpression": "attribute_not_exists(PK)"}} for i in items
        ])

    def get_submission(self, tenant_id: str, submission_id: str) -> Submission:
        item = self._get(_sub_pk(tenant_id, submission_id), "META")
        if item is None:
            raise NotFound("submission")
        return Submission.model_validate(_data(item))

    def submission_items(self, tenant_id: str, submission_id: str) -> dict[str, list]:
        """Everything under one submission, sorted by kind: the register entry in one query."""
        out: dict[str, list] = {"submission": [], "asset": [], "draft": [], "publication": [], "audit": []}
        models = {"submission": Submission, "asset": Asset, "draft": Draft, "publication": Publication,
                  "audit": AuditEntry}
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

    def record_asset(self, asset: Asset) -> bool:
        """Store intake's verdict once: a redelivered notification finds it already decided."""
        item = {"PK": _sub_pk(asset.tenant_id, asset.submission_id), "SK": f"ASSET#{asset.asset_id}",
                "rtype": "asset", **asset.model_dump(mode="json")}
        try:
            self._table.put_item(Item=item, ConditionExpression="attribute_exists(PK) AND #s = :e",
                                 ExpressionAttributeNames={"#s": "status"},
                                 ExpressionAttributeValues={":e": AssetStatus.EXPECTED.value})
        except Exception as err:
            if self._is_condition_failure(err):
                return False
            raise
        return True

    def mark_complete(self, submission: Submission, completed_at: datetime) -> bool:
        """receiving -> complete, once. False when another delivery got there first."""
        try:
            self._table.update_item(
                Key={"PK": _sub_pk(submission.tenant_id, submission.submission_id), "SK": "META"},
                UpdateExpression="SET #s = :c, completed_at = :at",
                ConditionExpression="#s = :r",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":c": SubmissionStatus.COMPLETE.value,
                                           ":r": SubmissionStatus.RECEIVING.value, ":at": iso(completed_at)})
        except Exception as err:
            if self._is_condition_failure(err):
                return False
            raise
        return True

    def submissions_in_month(self, tenant_id: str, month: str) -> list[Submission]:
        items = self._query(IndexName="GSI1", KeyConditionExpression="GSI1PK = :p",
                            ExpressionAttributeValues={":p": f"T#{tenant_id}#M#{month}"})
        return [Submission.model_validate(_data(i)) for i in items]

    # --- drafts ------------------------------------------------------------------------------

    def put_draft(self, draft: Draft) -> bool:
        """A new draft version, once. False when that version already exists."""
        item = {"PK": _sub_pk(draft.tenant_id, draft.submission_id),
                "SK": _draft_sk(draft.procedure, draft.version), "rtype": "draft", **draft.model_dump(mode="json")}
        try:
            self._put(item, "attribute_not_exists(PK)")
        except Exception as err:
            if self._is_condition_failure(err):
                return False
            raise
        return True

    def get_draft(self, tenant_id: str, submission_id: str, procedure: Procedure, version: int | None = None) -> Draft:
        """One version, or the latest when ``version`` is None."""
        if version is not None:
            item = self._get(_sub_pk(tenant_id, submission_id), _draft_sk(procedure, version))
        else:
            items = self._table.query(
                KeyConditionExpression="PK = :p AND begins_with(SK, :s)", ScanIndexForward=False, Limit=1,
                ConsistentRead=True,
                ExpressionAttributeValues={":p": _sub_pk(tenant_id, submission_id), ":s": f"DRAFT#{procedure}#"},
            ).get("Items", [])
            item = items[0] if items else None
        if item is None:
            raise NotFound("draft")
        return Draft.model_validate(_data(item))

    def set_draft_status(self, draft: Draft, expected: DraftStatus, target: DraftStatus) -> bool:
        try:
            self._table.update_item(
                Key={"PK": _sub_pk(draft.tenant_id, draft.submission_id),
                     "SK": _draft_sk(draft.procedure, draft.version)},
                UpdateExpression="SET #s = :t", ConditionExpression="#s = :e",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":t": target.value, ":e": expected.value})
        except Exception as err:
            if self._is_condition_failure(err):
                return False
            raise
        return True

    # --- review links and decisions ----------------------------------------------------------

    def put_review_token(self, token: ReviewToken) -> None:
        self._put({"PK": f"T#{token.tenant_id}#RT#{token.token_hash}", "SK": "RT", "rtype": "review_token",
                   "ttl": int(token.expires_at.timestamp()) + 86400 * 30,
                   **token.model_dump(mode="json")}, "attribute_not_exists(PK)")

    def get_review_token(self, tenant_id: str, token_hash: str) -> ReviewToken | None:
        item = self._get(f"T#{tenant_id}#RT#{token_hash}", "RT")
        return ReviewToken.model_validate(_data(item)) if item else None

    def record_decision(self, token: ReviewToken, draft: Draft, decided: Draft, audit: AuditEntry) -> None:
        """Use the link, move the draft and append the audit entry in one transaction.

        Exactly one decision stands: the link must be unused and the draft still under review.
        """
        pk = _sub_pk(draft.tenant_id, draft.submission_id)
        values = {":e": DraftStatus.IN_REVIEW.value}
        try:
            client("dynamodb").transact_write_items(TransactItems=[
                {"Update": {"TableName": self.table_name,
                            "Key": self._ser({"PK": f"T#{token.tenant_id}#RT#{token.token_hash}", "SK": "RT"}),
                            "UpdateExpression": "SET used_at = :u",
                            "ConditionExpression": "attribute_not_exists(used_at) OR used_at = :null",
                            "ExpressionAttributeValues": self._ser({":u": iso(audit.at), ":null": None})}},
                {"Update": {"TableName": self.table_name,
                            "Key": self._ser({"PK": pk, "SK": _draft_sk(draft.procedure, draft.version)}),
                            "UpdateExpression": "SET #s = :t, decided_at = :at, decided_by = :by, "
                                                "decision_note = :n, reject_reason = :r",
                            "ConditionExpression": "#s = :e",
                            "ExpressionAttributeNames": {"#s": "status"},
                            "ExpressionAttributeValues": self._ser({
                                **values, ":t": decided.status.value, ":at": iso(audit.at),
                                ":by": decided.decided_by, ":n": decided.decision_note,
                                ":r": decided.reject_reason})}},
                {"Put": {"TableName": self.table_name, "Item": self._ser(self._audit_item(audit)),
                         "ConditionExpression": "attribute_not_exists(PK)"}},
            ])
        except Exception as err:
            if self._is_condition_failure(err):
                raise InvalidTransition(t("Draf ini sudah diputuskan sebelumnya.",
                                          "This draft has already been decided.")) from err
            raise

    # --- publications ------------------------------------------------------------------------

    def start_publication(self, pub: Publication) -> Publication:
        """Record the intent before the remote call; return what is recorded (maybe from earlier)."""
        item = {"PK": _sub_pk(pub.tenant_id, pub.submission_id), "SK": _pub_sk(pub.procedure, pub.version, pub.channel),
                "rtype": "publication", **pub.model_dump(mode="json")}
        try:
            self._put(item, "attribute_not_exists(PK)")
            return pub
        except Exception as err:
            if not self._is_condition_failure(err):
                raise
        existing = self._get(item["PK"], item["SK"])
        return Publication.model_validate(_data(existing))

    def save_publication(self, pub: Publication) -> None:
        self._put({"PK": _sub_pk(pub.tenant_id, pub.submission_id),
                   "SK": _pub_sk(pub.procedure, pub.version, pub.channel), "rtype": "publication",
                   **pub.model_dump(mode="json")})

    def publications(self, tenant_id: str, submission_id: str, procedure: Procedure, version: int) -> list[Publication]:
        items = self._query(KeyConditionExpression="PK = :p AND begins_with(SK, :s)", ConsistentRead=True,
                            ExpressionAttributeValues={":p": _sub_pk(tenant_id, submission_id),
                                                       ":s": f"PUB#{procedure}#{version:04d}#"})
        return [Publication.model_validate(_data(i)) for i in items]

    # --- audit -------------------------------------------------------------------------------

    def _audit_item(self, entry: AuditEntry) -> dict:
        return {"PK": _sub_pk(entry.tenant_id, entry.submission_id),
                "SK": f"AUDIT#{iso(entry.at)}#{secrets.token_hex(4)}", "rtype": "audit",
                **entry.model_dump(mode="json")}

    def append_audit(self, entry: AuditEntry) -> None:
        self._put(self._audit_item(entry), "attribute_not_exists(PK)")

    # --- clicks ------------------------------------------------------------------------------

    def count_click(self, tenant_id: str, item: str, channel: str, day: date) -> None:
        self._table.update_item(
            Key={"PK": f"T#{tenant_id}#CLICKS#{day:%Y-%m}", "SK": f"{item}#{channel}#{day.isoformat()}"},
            UpdateExpression="ADD #c :one SET rtype = :k, #i = :i, #ch = :ch, #d = :d",
            ExpressionAttributeNames={"#c": "count", "#d": "day", "#i": "item", "#ch": "channel"},
            ExpressionAttributeValues={":one": 1, ":k": "clicks", ":i": item, ":ch": channel,
                                       ":d": day.isoformat()})

    def clicks_in_month(self, tenant_id: str, month: str) -> list[ClickCount]:
        items = self._query(KeyConditionExpression="PK = :p",
                            ExpressionAttributeValues={":p": f"T#{tenant_id}#CLICKS#{month}"})
        return [ClickCount(item=i["item"], channel=i["channel"], day=i["day"], count=int(i["count"]))
                for i in items]

    # --- reports -----------------------------------------------------------------------------

    def put_report_record(self, tenant_id: str, month: str, keys: dict[str, str], digest: str) -> bool:
        """Record the month's report; False when a report with the same content is already recorded."""
        try:
            self._table.put_item(
                Item={"PK": f"T#{tenant_id}#REPORT", "SK": month, "rtype": "report", "keys": keys, "digest": digest},
                ConditionExpression="attribute_not_exists(PK) OR digest <> :d",
                ExpressionAttributeValues={":d": digest})
        except Exception as err:
            if self._is_condition_failure(err):
                return False
            raise
        return True
