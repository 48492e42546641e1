"""The register in one DynamoDB table. Every key starts with the village (tenant) id.

Key layout (PK / SK):
- ``T#<t>`` / ``VILLAGE``: the village's configuration (GSI1: ``VILLAGES`` / ``<t>``)
- ``T#<t>`` / ``STAFF#<id>``: a person; ``T#<t>#AUTH#<sha256>`` / ``AUTH``: their token's hash
- ``T#<t>#S#<sid>`` / ``META``: a submission (GSI1: ``T#<t>#M#<yyyy-mm>`` / ``<created>#<sid>``)
- same PK / ``ASSET#<aid>``, ``DRAFT#<procedure>#<vvvv>``, ``PUB#<procedure>#<vvvv>#<channel>``,
  ``AUDIT#<at>#<n>``, ``SLA#<action>#<procedure>#<vvvv>`` (an SLA reminder or re-drive, done once),
  ``VIDEO#<aid>`` (the draft video made of a submitted video)
- ``T#<t>#RT#<sha256>`` / ``RT``: a review link (hash only)
- ``T#<t>#AUDIT`` / ``E#<seq>``: the village's hash-chained audit trail; ``HEAD``: its last seq and hash
- ``T#<t>#CLICKS#<yyyy-mm>`` / ``<item>#<channel>#<yyyy-mm-dd>``: click counters
- ``T#<t>#INQ#<comment id | mid>`` / ``INQ``: a comment or message (GSI1 ``T#<t>#INBOX#<yyyy-mm>`` /
  ``<received_at>#<id>``); ``T#<t>#DIGEST`` / ``<day>``: the inbox digest sent that day
- ``T#<t>#METRICS#<yyyy-mm>`` / ``A#<channel>#<account>#<day>``, ``I#<channel>#<remote id>#<day>``: daily metrics
- a publication, once online, also has GSI1 ``T#<t>#PUBM#<yyyy-mm>`` / ``<published_at>#<sid>#<SK>``
- ``T#<t>#OUTBOX#<id>`` / ``OUTBOX``: an event or a notice a change promised (``domain.outbox``), written in
  the change's transaction; the table's stream carries each new one to the relay. A notice's id comes
  from what it is for, so committing it twice is one item; its sender marks it sent.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cached_property
from typing import Any

from pydantic import BaseModel

from ..domain.audit import GENESIS, ChainLink, chain_hash, sealed_body
from ..domain.clock import iso, month_of
from ..domain.errors import InvalidTransition, NotFound
from ..domain.inbox import Inquiry
from ..domain.metrics import AccountSnapshot, ItemSnapshot
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
from ..domain.outbox import Change, Notice, NoticeRecord, event_id
from ..domain.report import ClickCount
from ..domain.retention import INQUIRY_DAYS, expires
from ..domain.text import t
from ..domain.video import VideoDraft
from .aws import client

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
                {"PK": _tenant(staff.tenant_id), "SK": f"STAFF#{staff.staff_id}", "rtype": "staff", **data,
                 "token_hash": token_hash})}},
            {"Put": {"TableName": self.table_name, "Item": self._ser(
                {"PK": f"T#{staff.tenant_id}#AUTH#{token_hash}", "SK": "AUTH", "rtype": "auth", **data}),
                "ConditionExpression": "attribute_not_exists(PK)"}},
        ])

    def staff_by_token_hash(self, tenant_id: str, token_hash: str) -> Staff | None:
        item = self._get(f"T#{tenant_id}#AUTH#{token_hash}", "AUTH")
        return Staff.model_validate(_data(item)) if item else None

    # --- staff tokens: revoke, rotate, failed attempts -------------------------------------------

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

    # --- submissions and assets --------------------------------------------------------------

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

    def create_submission(self, submission: Submission, assets: list[Asset]) -> None:
        items = self._submission_items(submission, assets)
        # One transaction: a submission and its declared files exist together or not at all.
        client("dynamodb").transact_write_items(TransactItems=[
            {"Put": {"TableName": self.table_name, "Item": self._ser(i),
                     "ConditionExpression": "attribute_not_exists(PK)"}} for i in items
        ])

    # --- POST /submissions with an Idempotency-Key ----------------------------------------------

    @staticmethod
    def _key_pk(tenant_id: str, key_hash: str) -> str:
        return f"T#{tenant_id}#IDEM#{key_hash}"

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

    # --- drafts ------------------------------------------------------------------------------

    def put_draft(self, draft: Draft, change: Change | None = None) -> bool:
        """A new draft version, once, with its consequences. False when that version already exists."""
        item = {"PK": _sub_pk(draft.tenant_id, draft.submission_id),
                "SK": _draft_sk(draft.procedure, draft.version), "rtype": "draft", **draft.model_dump(mode="json")}
        return self._commit_once([{"Put": {"TableName": self.table_name, "Item": self._ser(item),
                                           "ConditionExpression": "attribute_not_exists(PK)"}}], change or Change())

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
        return self._conditional(
            self._table.update_item,
            Key={"PK": _sub_pk(draft.tenant_id, draft.submission_id),
                 "SK": _draft_sk(draft.procedure, draft.version)},
            UpdateExpression="SET #s = :t", ConditionExpression="#s = :e",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":t": target.value, ":e": expected.value})

    # --- review links and decisions ----------------------------------------------------------

    def put_review_token(self, token: ReviewToken) -> None:
        self._put({"PK": f"T#{token.tenant_id}#RT#{token.token_hash}", "SK": "RT", "rtype": "review_token",
                   "ttl": int(token.expires_at.timestamp()) + 86400 * 30,
                   **token.model_dump(mode="json")}, "attribute_not_exists(PK)")

    def get_review_token(self, tenant_id: str, token_hash: str) -> ReviewToken | None:
        item = self._get(f"T#{tenant_id}#RT#{token_hash}", "RT")
        return ReviewToken.model_validate(_data(item)) if item else None

    def record_decision(self, token: ReviewToken, draft: Draft, decided: Draft, change: Change,
                        withdrawn: tuple[tuple[Draft, Draft], ...] = (), close: bool = False) -> None:
        """Use the link, move the draft, append the audit entry and promise what follows, in one transaction.

        Exactly one decision stands: the link must be unused and the draft still under review.
        """
        pk = _sub_pk(draft.tenant_id, draft.submission_id)
        values = {":e": DraftStatus.IN_REVIEW.value}
        assert change.audit is not None
        audit = change.audit
        try:
            self._commit([
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
            ] + [self._withdraw(before, after, audit) for before, after in withdrawn]
              + (self._close_rejected(decided, audit) if close else []), change)
        except Exception as err:
            if self._is_condition_failure(err):
                raise InvalidTransition(t("Draf ini sudah diputuskan sebelumnya.",
                                          "This draft has already been decided.")) from err
            raise

    def _withdraw(self, before: Draft, draft: Draft, audit: AuditEntry) -> dict:
        """The other procedure's draft refused with the activity, if it is still as it was read."""
        return {"Update": {
            "TableName": self.table_name,
            "Key": self._ser({"PK": _sub_pk(draft.tenant_id, draft.submission_id),
                              "SK": _draft_sk(draft.procedure, draft.version)}),
            "UpdateExpression": "SET #s = :t, decided_at = :at, decided_by = :by, decision_note = :n, "
                                "reject_reason = :r",
            "ConditionExpression": "#s = :e", "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": self._ser({
                ":t": DraftStatus.REJECTED.value, ":e": before.status.value, ":at": iso(audit.at),
                ":by": draft.decided_by, ":n": draft.decision_note, ":r": draft.reject_reason})}}

    def _close_rejected(self, decided: Draft, audit: AuditEntry) -> list[dict]:
        # Every procedure refused: the entry is closed as rejected; a resubmission is a new one pointing to it.
        return [{"Update": {"TableName": self.table_name,
                            "Key": self._ser({"PK": _sub_pk(decided.tenant_id, decided.submission_id), "SK": "META"}),
                            "UpdateExpression": "SET #s = :r, closed_at = :at",
                            "ExpressionAttributeNames": {"#s": "status"},
                            "ExpressionAttributeValues": self._ser({":r": SubmissionStatus.REJECTED.value,
                                                                    ":at": iso(audit.at)})}}]

    def put_revision(self, previous: Draft, revised: Draft, change: Change) -> None:
        """The admin's new version and the previous one superseded, with what follows, together or not at all."""
        pk = _sub_pk(previous.tenant_id, previous.submission_id)
        item = {"PK": pk, "SK": _draft_sk(revised.procedure, revised.version), "rtype": "draft",
                **revised.model_dump(mode="json")}
        try:
            self._commit([
                {"Update": {"TableName": self.table_name,
                            "Key": self._ser({"PK": pk, "SK": _draft_sk(previous.procedure, previous.version)}),
                            "UpdateExpression": "SET #s = :t", "ConditionExpression": "#s = :e",
                            "ExpressionAttributeNames": {"#s": "status"},
                            "ExpressionAttributeValues": self._ser({":t": DraftStatus.SUPERSEDED.value,
                                                                    ":e": previous.status.value})}},
                {"Put": {"TableName": self.table_name, "Item": self._ser(item),
                         "ConditionExpression": "attribute_not_exists(PK)"}},
            ], change)
        except Exception as err:
            if self._is_condition_failure(err):
                raise InvalidTransition(t("Draf ini sudah diubah atau diputuskan; muat ulang.",
                                          "This draft was changed or decided meanwhile; reload it.")) from err
            raise

    # --- publications ------------------------------------------------------------------------

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

    # --- audit -------------------------------------------------------------------------------

    def _audit_item(self, entry: AuditEntry) -> dict:
        return {"PK": _sub_pk(entry.tenant_id, entry.submission_id),
                "SK": f"AUDIT#{iso(entry.at)}#{secrets.token_hex(4)}", "rtype": "audit",
                **entry.model_dump(mode="json")}

    def append_audit(self, entry: AuditEntry) -> None:
        self._commit([], Change(audit=entry))

    # --- the unit of work: a change and its consequences in one transaction ---------------------

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

    def enqueue(self, change: Change) -> int:
        """Promise events and notices that follow no state change of their own (a report made, a digest due).

        Each notice is written once: one promised before is left as it is (sent or still due). Returns
        how many notices were new. An audit entry goes through :meth:`append_audit` instead.
        """
        if change.audit is not None:
            raise ValueError("enqueue() takes events and notices; commit an audited change with its state")
        at = datetime.now(UTC)
        new = 0
        for op in self._outbox_ops(Change(notices=change.notices), at):
            try:
                client("dynamodb").put_item(**op["Put"])
                new += 1
            except Exception as err:
                if not self._is_condition_failure(err):
                    raise
        events = self._outbox_ops(Change(events=change.events), at)
        for start in range(0, len(events), 100):
            client("dynamodb").transact_write_items(TransactItems=events[start:start + 100])
        return new

    def outbox_since(self, since: datetime, tenant_id: str | None = None) -> Iterator[dict]:
        """Outbox items promised since ``since`` that may still need relaying (events; notices not yet sent).

        A scan: this is the operator's replay after the relay's failure queue alarmed, not a request path.
        """
        expression = ("rtype = :o AND created_at >= :s AND attribute_not_exists(sent_at) AND "
                      "attribute_not_exists(skipped)")
        values: dict[str, Any] = {":o": "outbox", ":s": iso(since)}
        if tenant_id:
            expression += " AND tenant_id = :t"
            values[":t"] = tenant_id
        kwargs: dict[str, Any] = {"FilterExpression": expression, "ExpressionAttributeValues": values}
        while True:
            page = self._table.scan(**kwargs)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # --- notices: each one sent once ----------------------------------------------------------

    def get_notice(self, tenant_id: str, notice_id: str) -> NoticeRecord | None:
        item = self._get(f"T#{tenant_id}#OUTBOX#{notice_id}", "OUTBOX")
        if not item or item.get("kind") != "notice":
            return None
        return NoticeRecord(notice=Notice.model_validate(item["notice"]), created_at=item["created_at"],
                            sent_at=item.get("sent_at"), message_id=item.get("message_id"),
                            skipped=item.get("skipped"), attempts=int(item.get("attempts", 0)))

    def claim_notice(self, tenant_id: str, notice_id: str, at: datetime, lease_seconds: int) -> bool:
        """Take the notice for sending now; False when it was sent, skipped, or another sender holds it."""
        return self._conditional(
            self._table.update_item, Key={"PK": f"T#{tenant_id}#OUTBOX#{notice_id}", "SK": "OUTBOX"},
            UpdateExpression="SET sending_until = :until ADD attempts :one",
            ConditionExpression="attribute_exists(PK) AND attribute_not_exists(sent_at) AND "
                                "attribute_not_exists(skipped) AND "
                                "(attribute_not_exists(sending_until) OR sending_until < :now)",
            ExpressionAttributeValues={":until": iso(at + timedelta(seconds=lease_seconds)), ":now": iso(at),
                                       ":one": 1})

    def release_notice(self, tenant_id: str, notice_id: str) -> None:
        """A send failed before the provider took it: the next delivery may try at once."""
        self._table.update_item(Key={"PK": f"T#{tenant_id}#OUTBOX#{notice_id}", "SK": "OUTBOX"},
                                UpdateExpression="REMOVE sending_until")

    def mark_notice(self, tenant_id: str, notice_id: str, at: datetime, message_id: str | None = None,
                    skipped: str | None = None) -> None:
        values: dict[str, Any] = {":at": iso(at)}
        if skipped is not None:
            expression = "SET skipped = :s, decided_at = :at REMOVE sending_until"
            values[":s"] = skipped
        else:
            expression = "SET sent_at = :at, message_id = :m REMOVE sending_until"
            values[":m"] = message_id
        self._table.update_item(Key={"PK": f"T#{tenant_id}#OUTBOX#{notice_id}", "SK": "OUTBOX"},
                                UpdateExpression=expression, ExpressionAttributeValues=values)

    def audit_chain(self, tenant_id: str) -> tuple[list[ChainLink], int, str]:
        """The village's chain as stored, and its head (last seq and hash)."""
        links = []
        for item in self._query(KeyConditionExpression="PK = :p AND begins_with(SK, :s)", ConsistentRead=True,
                                ExpressionAttributeValues={":p": f"T#{tenant_id}#AUDIT", ":s": "E#"}):
            body = {k: v for k, v in _data(item).items() if k not in ("prev_hash", "hash")}
            body["seq"] = int(body.get("seq", 0))
            links.append(ChainLink(body=body, prev_hash=item.get("prev_hash", ""), hash=item.get("hash", "")))
        head = self._get(f"T#{tenant_id}#AUDIT", "HEAD")
        return links, int(head["seq"]) if head else 0, head["hash"] if head else GENESIS

    # --- the draft video (SK ``VIDEO#<asset id>``): what the video step made of a submission's video -------

    def put_video_draft(self, video: VideoDraft, change: Change | None = None) -> bool:
        """The video step's result, once, with its consequences: False when a delivery before this one recorded it."""
        item = {"PK": _sub_pk(video.tenant_id, video.submission_id), "SK": f"VIDEO#{video.asset_id}",
                "rtype": "video", **json.loads(video.model_dump_json(), parse_float=Decimal)}  # no floats in DynamoDB
        return self._commit_once([{"Put": {"TableName": self.table_name, "Item": self._ser(item),
                                           "ConditionExpression": "attribute_not_exists(PK)"}}], change or Change())

    def get_video_draft(self, tenant_id: str, submission_id: str, asset_id: str) -> VideoDraft | None:
        item = self._get(_sub_pk(tenant_id, submission_id), f"VIDEO#{asset_id}")
        return VideoDraft.model_validate(_data(item)) if item else None

    def audit_head(self, tenant_id: str) -> tuple[int, str]:
        """The chain's last sequence number and hash (what an anchor records)."""
        head = self._get(f"T#{tenant_id}#AUDIT", "HEAD")
        return (int(head["seq"]), head["hash"]) if head else (0, GENESIS)

    # --- SLA watch: each reminder, escalation and re-drive once ---------------------------------

    def claim_once(self, tenant_id: str, submission_id: str, key: str, at: datetime) -> bool:
        """Record that ``key`` is being done for this submission; False when it was already."""
        return self._conditional(
            self._put, {"PK": _sub_pk(tenant_id, submission_id), "SK": f"SLA#{key}", "rtype": "sla",
                        "key": key, "at": iso(at)}, "attribute_not_exists(PK)")

    def release_claim(self, tenant_id: str, submission_id: str, key: str) -> None:
        """Undo a claim whose action failed, so the next watch tries again."""
        self._table.delete_item(Key={"PK": _sub_pk(tenant_id, submission_id), "SK": f"SLA#{key}"})

    # --- clicks ------------------------------------------------------------------------------

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

    # --- metrics (daily snapshots) -----------------------------------------------------------

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

    # --- inbox (comments and messages) -------------------------------------------------------

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

    # --- reports -----------------------------------------------------------------------------

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

    # --- privacy: a person's erasure on request (usecases/erasure.py) --------------------------
    # Erasure is rare and asked for by an operator: it scans the village's items instead of keeping an
    # index of every place a person appears.

    def _scan_village(self, prefix: str, **filters: str) -> Iterator[dict]:
        from boto3.dynamodb.conditions import Attr

        condition = Attr("PK").begins_with(prefix)
        for name, value in filters.items():
            condition &= Attr(name).eq(value)
        kwargs: dict[str, Any] = {"FilterExpression": condition, "ConsistentRead": True}
        while True:
            page = self._table.scan(**kwargs)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    # --- the workspace (/app/): sign-in links, sessions, people ----------------------------------
    # ``T#<t>#SIGNIN#<sha256>`` / ``SIGNIN``: a personal sign-in link (hash only), used once
    # ``T#<t>#SESSION#<sha256>`` / ``SESSION``: a signed-in browser (hash of the cookie only)
    # Workspace actions not about one submission (people, settings) are audited under submission
    # id ``workspace`` (``T#<t>#S#workspace``), sealed onto the village's chain like every entry.

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

    def submissions_of(self, tenant_id: str, submitter_id: str) -> list[Submission]:
        items = self._scan_village(f"T#{tenant_id}#S#", rtype="submission", submitter_id=submitter_id)
        return [Submission.model_validate(_data(i)) for i in items if i["SK"] == "META"]

    def forget_submitter_contact(self, tenant_id: str, submission_id: str) -> None:
        """The register keeps who handed the documentation over (a public role), not how to reach them."""
        self._table.update_item(Key={"PK": _sub_pk(tenant_id, submission_id), "SK": "META"},
                                UpdateExpression="SET submitter_email = :e", ConditionExpression="attribute_exists(PK)",
                                ExpressionAttributeValues={":e": ""})

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

    def commit_change(self, change: Change) -> None:
        """An action whose only state is its audit entry (a file asked for, a person added), committed
        with the notices it promises, in one transaction."""
        self._commit([], change)

    def has_claim(self, tenant_id: str, submission_id: str, key: str) -> bool:
        """Whether ``claim_once(key)`` was made for this submission (e.g. a draft released to the PPID)."""
        return self._get(_sub_pk(tenant_id, submission_id), f"SLA#{key}") is not None

    def workspace_audit(self, tenant_id: str) -> list[AuditEntry]:
        items = self._query(KeyConditionExpression="PK = :p AND begins_with(SK, :s)", ConsistentRead=True,
                            ScanIndexForward=False,
                            ExpressionAttributeValues={":p": _sub_pk(tenant_id, "workspace"), ":s": "AUDIT#"})
        return [AuditEntry.model_validate(_data(i)) for i in items]

    def reports(self, tenant_id: str) -> list[dict]:
        """Every month's report record (its files' keys), newest first."""
        items = self._query(KeyConditionExpression="PK = :p", ScanIndexForward=False,
                            ExpressionAttributeValues={":p": f"T#{tenant_id}#REPORT"})
        return [{"month": i["SK"], "keys": i.get("keys", {})} for i in items if i.get("rtype") == "report"]
