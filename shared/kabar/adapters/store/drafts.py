"""Drafts, their review links and decisions, revisions and draft videos.

The ``Drafts`` repository of ``kabar.ports``; ``adapters.dynamo.DynamoStore`` composes them all.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from ...domain.clock import iso
from ...domain.errors import InvalidTransition, NotFound
from ...domain.models import (
    AuditEntry,
    Draft,
    DraftStatus,
    Procedure,
    ReviewToken,
    SubmissionStatus,
)
from ...domain.outbox import Change
from ...domain.text import t
from ...domain.video import VideoDraft
from .base import TableBase, _data, _draft_sk, _sub_pk


class DraftTable(TableBase):
    """Drafts, their review links and decisions, revisions and draft videos."""

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

    def put_video_draft(self, video: VideoDraft, change: Change | None = None) -> bool:
        """The video step's result, once, with its consequences: False when a delivery before this one recorded it."""
        item = {"PK": _sub_pk(video.tenant_id, video.submission_id), "SK": f"VIDEO#{video.asset_id}",
                "rtype": "video", **json.loads(video.model_dump_json(), parse_float=Decimal)}  # no floats in DynamoDB
        return self._commit_once([{"Put": {"TableName": self.table_name, "Item": self._ser(item),
                                           "ConditionExpression": "attribute_not_exists(PK)"}}], change or Change())

    def get_video_draft(self, tenant_id: str, submission_id: str, asset_id: str) -> VideoDraft | None:
        item = self._get(_sub_pk(tenant_id, submission_id), f"VIDEO#{asset_id}")
        return VideoDraft.model_validate(_data(item)) if item else None

    # --- a TERIMA's undo window (usecases/undo.py) -----------------------------------------------
    # ``T#<t>#UNDO#<sha256>`` / ``UNDO``: an undo link (hash only), bound to one approved draft version
    # and its decision time, expiring when the window closes, used once. ``undo_closed_at`` on a draft:
    # publication began, so the decision can no longer be undone (whichever writes first wins).

    def put_undo(self, tenant_id: str, token_hash: str, record: dict, expires_at: datetime) -> None:
        self._put({"PK": f"T#{tenant_id}#UNDO#{token_hash}", "SK": "UNDO", "rtype": "undo_link",
                   "expires_at": iso(expires_at), "ttl": int(expires_at.timestamp()) + 86400 * 30, **record},
                  "attribute_not_exists(PK)")

    def get_undo(self, tenant_id: str, token_hash: str) -> dict | None:
        item = self._get(f"T#{tenant_id}#UNDO#{token_hash}", "UNDO")
        return _data(item) if item else None

    def close_undo(self, draft: Draft, at: datetime) -> bool:
        """Publication begins: the approval of this version can no longer be undone. False when it was
        undone first (the draft is no longer approved)."""
        return self._conditional(
            self._table.update_item,
            Key={"PK": _sub_pk(draft.tenant_id, draft.submission_id), "SK": _draft_sk(draft.procedure, draft.version)},
            UpdateExpression="SET undo_closed_at = if_not_exists(undo_closed_at, :at)",
            ConditionExpression="#s IN (:a, :p)", ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":at": iso(at), ":a": DraftStatus.APPROVED.value,
                                       ":p": DraftStatus.PUBLISHED.value})

    def undo_decision(self, undo_hash: str, review_token_hash: str, draft: Draft, change: Change) -> None:
        """Use the undo link, put the draft back under review and let its review link act again, with the
        audit entry and what follows, in one transaction; only while the same approval stands and its
        publication has not begun."""
        assert change.audit is not None and draft.decided_at is not None
        tenant = draft.tenant_id
        try:
            self._commit([
                {"Update": {"TableName": self.table_name,
                            "Key": self._ser({"PK": f"T#{tenant}#UNDO#{undo_hash}", "SK": "UNDO"}),
                            "UpdateExpression": "SET used_at = :u",
                            "ConditionExpression": "attribute_exists(PK) AND attribute_not_exists(used_at)",
                            "ExpressionAttributeValues": self._ser({":u": iso(change.audit.at)})}},
                {"Update": {"TableName": self.table_name,
                            "Key": self._ser({"PK": _sub_pk(tenant, draft.submission_id),
                                              "SK": _draft_sk(draft.procedure, draft.version)}),
                            "UpdateExpression": "SET #s = :r REMOVE decided_at, decided_by, decision_note, "
                                                "reject_reason",
                            "ConditionExpression": "#s = :a AND decided_at = :d "
                                                   "AND attribute_not_exists(undo_closed_at)",
                            "ExpressionAttributeNames": {"#s": "status"},
                            "ExpressionAttributeValues": self._ser({
                                ":r": DraftStatus.IN_REVIEW.value, ":a": DraftStatus.APPROVED.value,
                                ":d": iso(draft.decided_at)})}},
                {"Update": {"TableName": self.table_name,
                            "Key": self._ser({"PK": f"T#{tenant}#RT#{review_token_hash}", "SK": "RT"}),
                            "UpdateExpression": "REMOVE used_at", "ConditionExpression": "attribute_exists(PK)"}},
            ], change)
        except Exception as err:
            if self._is_condition_failure(err):
                raise InvalidTransition(t("Keputusan ini tidak dapat dibatalkan lagi.",
                                          "This decision can no longer be undone.")) from err
            raise
