"""The store (every repository of ``kabar.ports.Store``, and its ``Inbox``) in memory, for unit tests.

It keeps the DynamoDB adapter's promises, and no others: ``tests/integration/test_store_contract.py`` runs
one contract against both. Where the table changes what it is given, so does this: times written with
``iso()`` come back to the second, records read as dicts come back as DynamoDB gives them (numbers as
``Decimal``; a float or a ``datetime`` is refused on the way in), and every read is a copy. A change and
its consequences (audit entry sealed onto the village's chain, events, notices) commit together or not
at all: every condition is checked before anything is written.
"""

from __future__ import annotations

import copy
import functools
import json
import secrets
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import Any, TypeVar

from pydantic import BaseModel

from kabar.domain.audit import GENESIS, ChainLink, chain_hash, sealed_body
from kabar.domain.clock import iso, month_of
from kabar.domain.errors import Conflict, InvalidTransition, NotFound
from kabar.domain.events import Event
from kabar.domain.fanout import meta_ids, shard_of
from kabar.domain.inbox import Inquiry
from kabar.domain.metrics import AccountSnapshot, ItemSnapshot
from kabar.domain.models import (
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
from kabar.domain.outbox import Change, NoticeRecord, event_id
from kabar.domain.regency import kabupaten_slug
from kabar.domain.report import ClickCount
from kabar.domain.text import t
from kabar.domain.video import VideoDraft
from kabar.ports import DirectoryBackfill

M = TypeVar("M", bound=BaseModel)
C = TypeVar("C", bound=type)

#: one lock for every memory store: each method runs alone, as each DynamoDB request is atomic (a use
#: case may call the store from threads, as the fan-out's claims do)
_LOCK = threading.RLock()


def _locked(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return fn(*args, **kwargs)
    return run


def atomic(cls: C) -> C:
    """Every public method of the class runs under the lock (a conditional write is check-and-set at once)."""
    for name, value in list(vars(cls).items()):
        if not name.startswith("_") and callable(value) and not isinstance(value, type):
            setattr(cls, name, _locked(value))
    return cls

#: what the inbox's thread record may hold (``adapters/store/inbox.py``'s THREAD_FIELDS)
THREAD_FIELDS = frozenset({"assigned_to", "assigned_name", "seen_at", "author_name", "post_title", "post_thumb",
                           "post_link", "resolved_at"})
#: the job runs' and outbox items' lifetimes (``store/jobs.py``, ``store/base.py``)
JOB_KEEP_DAYS = 45


class ConditionFailed(Exception):
    """What the memory store raises where DynamoDB answers ConditionalCheckFailed to an unconditional caller."""


def sec(moment: datetime) -> datetime:
    """A time as the table keeps one written with ``iso()``: Jakarta time, to the second."""
    return datetime.fromisoformat(iso(moment))


def stored(record: dict) -> dict:
    """A record as DynamoDB gives it back: through boto3's own (de)serializer, so numbers are Decimal and
    what the table cannot hold (a float, a datetime) fails here as it fails there."""
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

    ser, de = TypeSerializer(), TypeDeserializer()
    return {k: de.deserialize(ser.serialize(v)) for k, v in record.items()}


def kept(model: M) -> M:
    """A model as the table gives it back: dumped to JSON and validated again (a copy)."""
    return type(model).model_validate(model.model_dump(mode="json"))


@atomic
class MemoryOutbox:
    """The unit of work in memory: commit(), enqueue(), the audit chain and the notice records. A test's
    own store may mix this in for just those."""

    def _outbox_init(self) -> None:
        if not hasattr(self, "audit"):
            self.audit: list[AuditEntry] = []
        self.chains: dict[str, list[ChainLink]] = {}
        self.events_out: list[Event] = []
        self.outbox_events: list[dict] = []
        self.notice_records: dict[tuple[str, str], NoticeRecord] = {}
        self._leases: dict[tuple[str, str], datetime] = {}

    def _ensure(self) -> None:
        if not hasattr(self, "notice_records"):
            self._outbox_init()

    def commit(self, change: Change | None, at: datetime | None = None) -> None:
        """The change's audit entries (sealed onto the village's chain), events and notices, together."""
        self._ensure()
        if change is None:
            return
        entries = change.audits
        if len({e.tenant_id for e in entries}) > 1:
            raise ValueError("one change belongs to one village")
        for entry in entries:
            self.audit.append(kept(entry))
            chain = self.chains.setdefault(entry.tenant_id, [])
            body = sealed_body(entry, len(chain) + 1)
            prev = chain[-1].hash if chain else GENESIS
            chain.append(ChainLink(body=json.loads(json.dumps(body, default=str)), prev_hash=prev,
                                   hash=chain_hash(body, prev)))
        self._promise(change, at or (entries[0].at if entries else datetime.now(UTC)))

    def _promise(self, change: Change, at: datetime) -> int:
        for event in change.events:
            self.events_out.append(event)
            self.outbox_events.append({"rtype": "outbox", "kind": "event", "outbox_id": event_id(),
                                       "tenant_id": event.tenant_id, "detail_type": event.detail_type(),
                                       "detail": event.model_dump_json(), "created_at": iso(at)})
        new = 0
        for notice in change.notices:
            key = (notice.tenant_id, notice.notice_id)
            if key not in self.notice_records:
                self.notice_records[key] = NoticeRecord(notice=notice, created_at=sec(at))
                new += 1
        return new

    def enqueue(self, change: Change) -> int:
        self._ensure()
        if change.audit is not None:
            raise ValueError("enqueue() takes events and notices")
        return self._promise(change, datetime.now(UTC))

    def append_audit(self, entry: AuditEntry) -> None:
        self.commit(Change(audit=entry))

    def commit_change(self, change: Change) -> None:
        self.commit(change)

    def audit_chain(self, tenant_id: str) -> tuple[list[ChainLink], int, str]:
        self._ensure()
        links = [copy.deepcopy(link) for link in self.chains.get(tenant_id, [])]
        seq, head = self.audit_head(tenant_id)
        return links, seq, head

    def audit_head(self, tenant_id: str) -> tuple[int, str]:
        self._ensure()
        chain = self.chains.get(tenant_id, [])
        return (len(chain), chain[-1].hash) if chain else (0, GENESIS)

    def outbox_since(self, since: datetime, tenant_id: str | None = None) -> Iterator[dict]:
        self._ensure()
        items = list(self.outbox_events)
        for (tenant, notice_id), record in self.notice_records.items():
            if record.sent_at is None and record.skipped is None:
                items.append({"rtype": "outbox", "kind": "notice", "outbox_id": notice_id, "tenant_id": tenant,
                              "purpose": record.notice.purpose, "notice": record.notice.model_dump(mode="json"),
                              "created_at": iso(record.created_at), "attempts": record.attempts})
        return iter([stored(i) for i in items if i["created_at"] >= iso(since)
                     and (tenant_id is None or i["tenant_id"] == tenant_id)])

    def get_notice(self, tenant_id: str, notice_id: str) -> NoticeRecord | None:
        self._ensure()
        record = self.notice_records.get((tenant_id, notice_id))
        return record.model_copy(deep=True) if record else None

    def claim_notice(self, tenant_id: str, notice_id: str, at: datetime, lease_seconds: int) -> bool:
        self._ensure()
        record = self.notice_records.get((tenant_id, notice_id))
        if record is None or record.sent_at is not None or record.skipped is not None:
            return False
        until = self._leases.get((tenant_id, notice_id))
        if until is not None and until >= sec(at):
            return False
        self._leases[(tenant_id, notice_id)] = sec(at + timedelta(seconds=lease_seconds))
        record.attempts += 1
        return True

    def release_notice(self, tenant_id: str, notice_id: str) -> None:
        self._ensure()
        self._leases.pop((tenant_id, notice_id), None)

    def mark_notice(self, tenant_id: str, notice_id: str, at: datetime, message_id: str | None = None,
                    skipped: str | None = None) -> None:
        self._ensure()
        record = self.notice_records[(tenant_id, notice_id)]
        if skipped is not None:
            record.skipped = skipped
        else:
            record.sent_at, record.message_id = sec(at), message_id
        self._leases.pop((tenant_id, notice_id), None)

    # --- what a test does instead of the relay and the notice sender ---

    def pending_notices(self) -> list[tuple[str, str]]:
        self._ensure()
        return [k for k, r in self.notice_records.items() if r.sent_at is None and r.skipped is None]


@atomic
class MemoryStore(MemoryOutbox):
    """Every repository of the ``Store`` port in memory, with its ``inbox``. The dicts below are the table;
    a test may look at them, and should change state only through the methods (as a use case does)."""

    def __init__(self) -> None:
        self.villages: dict[str, Village] = {}
        # People: the staff record (with the current token's hash), each token's copy, sign-ins, sessions
        self.staff_items: dict[tuple[str, str], tuple[Staff, str | None]] = {}
        self.auth_items: dict[tuple[str, str], Staff] = {}
        self.auth_failure_counts: dict[tuple[str, int], int] = {}
        self.sign_ins: dict[tuple[str, str], dict] = {}
        self.sessions: dict[tuple[str, str], dict] = {}
        # the register
        self.submissions: dict[tuple[str, str], Submission] = {}
        self.assets: dict[tuple[str, str, str], Asset] = {}
        self.idempotency_keys: dict[tuple[str, str], dict] = {}
        # drafts, their links, videos, undo windows
        self.drafts: dict[tuple[str, str, str, int], Draft] = {}
        self.undo_closed: dict[tuple[str, str, str, int], datetime] = {}
        self.review_tokens: dict[tuple[str, str], ReviewToken] = {}
        self.video_drafts: dict[tuple[str, str, str], VideoDraft] = {}
        self.undo_links: dict[tuple[str, str], dict] = {}
        self.publication_items: dict[tuple[str, str, str, int, str], Publication] = {}
        self.claims: set[tuple[str, str, str]] = set()
        # analytics and the inbox
        self.clicks: dict[tuple[str, str], dict[str, ClickCount]] = {}
        self.click_salts: dict[str, str] = {}
        self.click_marks: set[tuple[str, str, str]] = set()
        self.snapshots: dict[tuple[str, str], dict[str, AccountSnapshot | ItemSnapshot]] = {}
        self.inquiries: dict[tuple[str, str], Inquiry] = {}
        self.thread_items: dict[tuple[str, str], dict] = {}
        self.digests: set[tuple[str, str]] = set()
        self.token_notices: set[tuple[str, str]] = set()
        # reports and scheduled jobs
        self.report_items: dict[tuple[str, str], dict] = {}
        self.report_dates: dict[tuple[str, str, str], str] = {}
        self.directory: dict[int, set[str]] = {}
        self.regency_names: dict[str, str] = {}
        self.pages: dict[str, str] = {}
        self.job_runs: dict[tuple[str, str, str], dict] = {}
        self.audit: list[AuditEntry] = []
        self._outbox_init()

    @cached_property
    def inbox(self) -> MemoryInbox:
        return MemoryInbox(self)

    # --- Villages ---------------------------------------------------------------------------------
    def put_village(self, village: Village) -> None:
        before = self.villages.get(village.id)
        old_ids, new_ids = (meta_ids(before) if before else set()), meta_ids(village)
        if any(self.pages.get(p, village.id) != village.id for p in new_ids | old_ids):
            raise Conflict(t("Halaman Facebook/akun Instagram ini sudah terhubung ke desa lain.",
                             "This Facebook Page or Instagram account is already connected to another village."))
        self.villages[village.id] = kept(village)
        self.directory.setdefault(shard_of(village.id), set()).add(village.id)
        if village.kabupaten.strip():
            self.regency_names[kabupaten_slug(village.kabupaten)] = village.kabupaten.strip()
        for page_id in new_ids:
            self.pages[page_id] = village.id
        for page_id in old_ids - new_ids:
            self.pages.pop(page_id, None)

    def get_village(self, tenant_id: str) -> Village:
        if tenant_id not in self.villages:
            raise NotFound("village")
        return kept(self.villages[tenant_id])

    def list_villages(self) -> list[Village]:
        return [kept(v) for _, v in sorted(self.villages.items())]

    # --- People -----------------------------------------------------------------------------------
    def put_staff(self, staff: Staff, token_hash: str) -> None:
        if (staff.tenant_id, token_hash) in self.auth_items:
            raise ConditionFailed("token exists")
        self.staff_items[(staff.tenant_id, staff.staff_id)] = (kept(staff), token_hash)
        self.auth_items[(staff.tenant_id, token_hash)] = kept(staff)

    def staff_by_token_hash(self, tenant_id: str, token_hash: str) -> Staff | None:
        found = self.auth_items.get((tenant_id, token_hash))
        return kept(found) if found else None

    def list_staff(self, tenant_id: str) -> list[tuple[Staff, str | None]]:
        return [(kept(s), h) for (t_, _), (s, h) in sorted(self.staff_items.items()) if t_ == tenant_id]

    def replace_staff_token(self, staff: Staff, old_hash: str | None, new_hash: str | None,
                            audit: AuditEntry) -> None:
        if new_hash and (staff.tenant_id, new_hash) in self.auth_items:
            raise ConditionFailed("token exists")
        self.staff_items[(staff.tenant_id, staff.staff_id)] = (kept(staff), new_hash)
        if old_hash:
            self.auth_items.pop((staff.tenant_id, old_hash), None)
        if new_hash:
            self.auth_items[(staff.tenant_id, new_hash)] = kept(staff)
        self.commit(Change(audit=audit))

    def count_auth_failure(self, client_key: str, window: int, at: datetime, window_seconds: int) -> int:
        key = (client_key, window)
        self.auth_failure_counts[key] = self.auth_failure_counts.get(key, 0) + 1
        return self.auth_failure_counts[key]

    def auth_failures(self, client_key: str, window: int) -> int:
        return self.auth_failure_counts.get((client_key, window), 0)

    def put_sign_in(self, tenant_id: str, token_hash: str, staff_id: str, epoch: int, expires_at: datetime) -> None:
        if (tenant_id, token_hash) in self.sign_ins:
            raise ConditionFailed("sign-in link exists")
        self.sign_ins[(tenant_id, token_hash)] = stored({"staff_id": staff_id, "epoch": epoch,
                                                         "expires_at": iso(expires_at)})

    def get_sign_in(self, tenant_id: str, token_hash: str) -> dict | None:
        found = self.sign_ins.get((tenant_id, token_hash))
        return copy.deepcopy(found) if found is not None else None

    def use_sign_in(self, tenant_id: str, token_hash: str, at: datetime) -> bool:
        found = self.sign_ins.get((tenant_id, token_hash))
        if found is None or "used_at" in found:
            return False
        found["used_at"] = iso(at)
        return True

    def put_session(self, tenant_id: str, session_hash: str, record: dict, expires_at: datetime) -> None:
        if (tenant_id, session_hash) in self.sessions:
            raise ConditionFailed("session exists")
        self.sessions[(tenant_id, session_hash)] = stored(record)

    def get_session(self, tenant_id: str, session_hash: str) -> dict | None:
        found = self.sessions.get((tenant_id, session_hash))
        return copy.deepcopy(found) if found is not None else None

    def touch_session(self, tenant_id: str, session_hash: str, at: datetime) -> None:
        found = self.sessions.get((tenant_id, session_hash))
        if found is not None:
            found["last_seen_at"] = iso(at)

    def end_session(self, tenant_id: str, session_hash: str) -> None:
        self.sessions.pop((tenant_id, session_hash), None)

    def get_staff(self, tenant_id: str, staff_id: str) -> Staff | None:
        found = self.staff_items.get((tenant_id, staff_id))
        return kept(found[0]) if found else None

    def remove_staff(self, tenant_id: str, staff_id: str) -> int:
        tokens = [k for k, s in self.auth_items.items() if k[0] == tenant_id and s.staff_id == staff_id]
        for key in tokens:
            del self.auth_items[key]
        return len(tokens) + (self.staff_items.pop((tenant_id, staff_id), None) is not None)

    def people(self, tenant_id: str) -> list[Staff]:
        return [s for s, _ in self.list_staff(tenant_id)]

    def revoke_staff(self, staff: Staff, at: datetime) -> bool:
        key = (staff.tenant_id, staff.staff_id)
        if key not in self.staff_items:
            return False
        current, token = self.staff_items[key]
        self.staff_items[key] = (current.model_copy(update={"revoked_at": sec(at)}), token)
        return True

    def rotate_staff(self, staff: Staff, token_hash: str) -> Staff:
        key = (staff.tenant_id, staff.staff_id)
        current = self.staff_items.get(key)
        if current is None or current[0].epoch != staff.epoch or (staff.tenant_id, token_hash) in self.auth_items:
            raise ConditionFailed("rotated meanwhile")
        rotated = staff.model_copy(update={"epoch": staff.epoch + 1})
        self.staff_items[key] = (current[0].model_copy(update={"epoch": rotated.epoch}), current[1])
        self.auth_items[(staff.tenant_id, token_hash)] = kept(rotated)
        return rotated

    # --- Submissions ------------------------------------------------------------------------------
    def _submission_free(self, submission: Submission, assets: list[Asset]) -> bool:
        return (submission.tenant_id, submission.submission_id) not in self.submissions and not any(
            (a.tenant_id, a.submission_id, a.asset_id) in self.assets for a in assets)

    def _write_submission(self, submission: Submission, assets: list[Asset]) -> None:
        self.submissions[(submission.tenant_id, submission.submission_id)] = kept(submission)
        for a in assets:
            self.assets[(a.tenant_id, a.submission_id, a.asset_id)] = kept(a)

    def create_submission(self, submission: Submission, assets: list[Asset]) -> None:
        if not self._submission_free(submission, assets):
            raise ConditionFailed("submission exists")
        self._write_submission(submission, assets)

    def submission_for_key(self, tenant_id: str, key_hash: str, at: datetime) -> tuple[str, str] | None:
        item = self.idempotency_keys.get((tenant_id, key_hash))
        if item is None or int(item["ttl"]) <= int(at.timestamp()):
            return None
        return str(item["submission_id"]), str(item["fingerprint"])

    def create_submission_keyed(self, submission: Submission, assets: list[Asset], audit: AuditEntry,
                                key_hash: str, fingerprint: str, expires_at: datetime) -> bool:
        live = self.idempotency_keys.get((submission.tenant_id, key_hash))
        if not self._submission_free(submission, assets) or (
                live is not None and int(live["ttl"]) > int(audit.at.timestamp())):
            return False
        self._write_submission(submission, assets)
        self.idempotency_keys[(submission.tenant_id, key_hash)] = {
            "submission_id": submission.submission_id, "submitter_id": submission.submitter_id,
            "fingerprint": fingerprint, "ttl": int(expires_at.timestamp())}
        self.commit(Change(audit=audit))
        return True

    def get_submission(self, tenant_id: str, submission_id: str) -> Submission:
        if (tenant_id, submission_id) not in self.submissions:
            raise NotFound("submission")
        return kept(self.submissions[(tenant_id, submission_id)])

    def submission_items(self, tenant_id: str, submission_id: str) -> dict[str, list]:
        subs = [self.get_submission(tenant_id, submission_id)] if (tenant_id, submission_id) in self.submissions \
            else []
        mine = (tenant_id, submission_id)
        return {"submission": subs, "asset": self.list_assets(tenant_id, submission_id),
                "draft": [kept(d) for k, d in sorted(self.drafts.items()) if k[:2] == mine],
                "publication": [kept(p) for k, p in sorted(self.publication_items.items()) if k[:2] == mine],
                "audit": sorted((kept(a) for a in self.audit if (a.tenant_id, a.submission_id) == mine),
                                key=lambda a: iso(a.at))}

    def list_assets(self, tenant_id: str, submission_id: str) -> list[Asset]:
        return [kept(a) for (t_, s, _), a in sorted(self.assets.items()) if (t_, s) == (tenant_id, submission_id)]

    def get_asset(self, tenant_id: str, submission_id: str, asset_id: str) -> Asset | None:
        found = self.assets.get((tenant_id, submission_id, asset_id))
        return kept(found) if found else None

    def record_asset(self, asset: Asset, change: Change | None = None) -> bool:
        key = (asset.tenant_id, asset.submission_id, asset.asset_id)
        if key not in self.assets or self.assets[key].status is not AssetStatus.EXPECTED:
            return False
        self.assets[key] = kept(asset)
        self.commit(change)
        return True

    def add_asset(self, asset: Asset, audit: AuditEntry) -> bool:
        sub = self.submissions.get((asset.tenant_id, asset.submission_id))
        key = (asset.tenant_id, asset.submission_id, asset.asset_id)
        if key in self.assets or sub is None or sub.status not in (SubmissionStatus.RECEIVING,
                                                                    SubmissionStatus.COMPLETE):
            return False
        self.assets[key] = kept(asset)
        self.commit(Change(audit=audit))
        return True

    def reopen_asset(self, refused: Asset, reopened: Asset, audit: AuditEntry) -> bool:
        key = (refused.tenant_id, refused.submission_id, refused.asset_id)
        now_ = self.assets.get(key)
        sub = self.submissions.get((refused.tenant_id, refused.submission_id))
        if (now_ is None or now_.status is not AssetStatus.REJECTED
                or now_.model_dump(mode="json")["received_at"] != refused.model_dump(mode="json")["received_at"]
                or sub is None or sub.status is not SubmissionStatus.RECEIVING):
            return False
        self.assets[key] = kept(reopened)
        self.commit(Change(audit=audit))
        return True

    def mark_complete(self, submission: Submission, completed_at: datetime, change: Change | None = None) -> bool:
        key = (submission.tenant_id, submission.submission_id)
        stored_ = self.submissions.get(key)
        if stored_ is None or stored_.status is not SubmissionStatus.RECEIVING:
            return False
        self.submissions[key] = stored_.model_copy(update={"status": SubmissionStatus.COMPLETE,
                                                           "completed_at": sec(completed_at)})
        self.commit(change)
        return True

    def submissions_in_month(self, tenant_id: str, month: str) -> list[Submission]:
        found = [s for (t_, _), s in self.submissions.items() if t_ == tenant_id and month_of(s.created_at) == month]
        return [kept(s) for s in sorted(found, key=lambda s: (iso(s.created_at), s.submission_id))]

    def submissions_of(self, tenant_id: str, submitter_id: str) -> list[Submission]:
        return [kept(s) for (t_, _), s in sorted(self.submissions.items())
                if t_ == tenant_id and s.submitter_id == submitter_id]

    def forget_submitter_contact(self, tenant_id: str, submission_id: str) -> None:
        key = (tenant_id, submission_id)
        if key not in self.submissions:
            raise ConditionFailed("no such submission")
        self.submissions[key] = self.submissions[key].model_copy(update={"submitter_email": ""})

    # --- Drafts -----------------------------------------------------------------------------------
    @staticmethod
    def _draft_key(draft: Draft) -> tuple[str, str, str, int]:
        return draft.tenant_id, draft.submission_id, str(draft.procedure), draft.version

    def put_draft(self, draft: Draft, change: Change | None = None) -> bool:
        key = self._draft_key(draft)
        if key in self.drafts:
            return False
        self.drafts[key] = kept(draft)
        self.commit(change)
        return True

    def get_draft(self, tenant_id: str, submission_id: str, procedure: Procedure, version: int | None = None) -> Draft:
        versions = {k[3]: d for k, d in self.drafts.items() if k[:3] == (tenant_id, submission_id, str(procedure))}
        chosen = versions.get(version) if version is not None else (versions[max(versions)] if versions else None)
        if chosen is None:
            raise NotFound("draft")
        return kept(chosen)

    def set_draft_status(self, draft: Draft, expected: DraftStatus, target: DraftStatus) -> bool:
        key = self._draft_key(draft)
        stored_ = self.drafts.get(key)
        if stored_ is None or stored_.status is not expected:
            return False
        self.drafts[key] = stored_.model_copy(update={"status": target})
        return True

    def put_review_token(self, token: ReviewToken) -> None:
        if (token.tenant_id, token.token_hash) in self.review_tokens:
            raise ConditionFailed("review link exists")
        self.review_tokens[(token.tenant_id, token.token_hash)] = kept(token)

    def get_review_token(self, tenant_id: str, token_hash: str) -> ReviewToken | None:
        found = self.review_tokens.get((tenant_id, token_hash))
        return kept(found) if found else None

    def _decided(self, stored_: Draft, status: DraftStatus, by: Draft, at: datetime) -> Draft:
        return stored_.model_copy(update={"status": status, "decided_at": sec(at), "decided_by": by.decided_by,
                                          "decision_note": by.decision_note, "reject_reason": by.reject_reason})

    def record_decision(self, token: ReviewToken, draft: Draft, decided: Draft, change: Change,
                        withdrawn: tuple[tuple[Draft, Draft], ...] = (), close: bool = False) -> None:
        assert change.audit is not None
        at = change.audit.at
        link = self.review_tokens.get((token.tenant_id, token.token_hash))
        current = self.drafts.get(self._draft_key(draft))
        ok = (link is None or link.used_at is None) and current is not None \
            and current.status is DraftStatus.IN_REVIEW and all(
                (w := self.drafts.get(self._draft_key(after))) is not None and w.status is before.status
                for before, after in withdrawn)
        if not ok or current is None:
            raise InvalidTransition(t("Draf ini sudah diputuskan sebelumnya.", "This draft has already been decided."))
        if link is not None:
            self.review_tokens[(token.tenant_id, token.token_hash)] = link.model_copy(update={"used_at": sec(at)})
        self.drafts[self._draft_key(draft)] = self._decided(current, decided.status, decided, at)
        for _before, after in withdrawn:
            key = self._draft_key(after)
            self.drafts[key] = self._decided(self.drafts[key], DraftStatus.REJECTED, after, at)
        if close:
            key2 = (decided.tenant_id, decided.submission_id)
            if key2 in self.submissions:
                self.submissions[key2] = self.submissions[key2].model_copy(
                    update={"status": SubmissionStatus.REJECTED, "closed_at": sec(at)})
        self.commit(change)

    def put_revision(self, previous: Draft, revised: Draft, change: Change) -> None:
        before = self.drafts.get(self._draft_key(previous))
        if before is None or before.status is not previous.status or self._draft_key(revised) in self.drafts:
            raise InvalidTransition(t("Draf ini sudah diubah atau diputuskan; muat ulang.",
                                      "This draft was changed or decided meanwhile; reload it."))
        self.drafts[self._draft_key(previous)] = before.model_copy(update={"status": DraftStatus.SUPERSEDED})
        self.drafts[self._draft_key(revised)] = kept(revised)
        self.commit(change)

    def put_video_draft(self, video: VideoDraft, change: Change | None = None) -> bool:
        key = (video.tenant_id, video.submission_id, video.asset_id)
        if key in self.video_drafts:
            return False
        self.video_drafts[key] = kept(video)
        self.commit(change)
        return True

    def get_video_draft(self, tenant_id: str, submission_id: str, asset_id: str) -> VideoDraft | None:
        found = self.video_drafts.get((tenant_id, submission_id, asset_id))
        return kept(found) if found else None

    def put_undo(self, tenant_id: str, token_hash: str, record: dict, expires_at: datetime) -> None:
        if (tenant_id, token_hash) in self.undo_links:
            raise ConditionFailed("undo link exists")
        self.undo_links[(tenant_id, token_hash)] = stored({"expires_at": iso(expires_at), **record})

    def get_undo(self, tenant_id: str, token_hash: str) -> dict | None:
        found = self.undo_links.get((tenant_id, token_hash))
        return copy.deepcopy(found) if found is not None else None

    def close_undo(self, draft: Draft, at: datetime) -> bool:
        """Publication begins (usecases/undo.py): False when the approval was undone first."""
        key = self._draft_key(draft)
        stored_ = self.drafts.get(key)
        if stored_ is None or stored_.status not in (DraftStatus.APPROVED, DraftStatus.PUBLISHED):
            return False
        self.undo_closed.setdefault(key, sec(at))
        return True

    def undo_decision(self, undo_hash: str, review_token_hash: str, draft: Draft, change: Change) -> None:
        assert change.audit is not None and draft.decided_at is not None
        tenant, key = draft.tenant_id, self._draft_key(draft)
        link = self.undo_links.get((tenant, undo_hash))
        current = self.drafts.get(key)
        token = self.review_tokens.get((tenant, review_token_hash))
        if (link is None or "used_at" in link or current is None or current.status is not DraftStatus.APPROVED
                or current.decided_at is None or iso(current.decided_at) != iso(draft.decided_at)
                or key in self.undo_closed or token is None):
            raise InvalidTransition(t("Keputusan ini tidak dapat dibatalkan lagi.",
                                      "This decision can no longer be undone."))
        link["used_at"] = iso(change.audit.at)
        self.drafts[key] = current.model_copy(update={"status": DraftStatus.IN_REVIEW, "decided_at": None,
                                                      "decided_by": None, "decision_note": None,
                                                      "reject_reason": None})
        self.review_tokens[(tenant, review_token_hash)] = token.model_copy(update={"used_at": None})
        self.commit(change)

    # --- Publications -----------------------------------------------------------------------------
    def start_publication(self, pub: Publication) -> Publication:
        key = (pub.tenant_id, pub.submission_id, str(pub.procedure), pub.version, pub.channel)
        return kept(self.publication_items.setdefault(key, kept(pub)))

    def save_publication(self, pub: Publication, change: Change | None = None) -> None:
        self.publication_items[(pub.tenant_id, pub.submission_id, str(pub.procedure), pub.version, pub.channel)] = \
            kept(pub)
        self.commit(change)

    def publications(self, tenant_id: str, submission_id: str, procedure: Procedure, version: int) -> list[Publication]:
        return [kept(p) for k, p in sorted(self.publication_items.items())
                if k[:4] == (tenant_id, submission_id, str(procedure), version)]

    def publications_in_month(self, tenant_id: str, month: str) -> list[Publication]:
        found = {f"{iso(p.published_at)}#{p.submission_id}#PUB#{p.procedure}#{p.version:04d}#{p.channel}": p
                 for k, p in self.publication_items.items()
                 if k[0] == tenant_id and p.published_at is not None and month_of(p.published_at) == month}
        return [kept(p) for _, p in sorted(found.items())]

    # --- Journal: one-time claims and the workspace's trail ---------------------------------------
    def claim_once(self, tenant_id: str, submission_id: str, key: str, at: datetime) -> bool:
        if (tenant_id, submission_id, key) in self.claims:
            return False
        self.claims.add((tenant_id, submission_id, key))
        return True

    def release_claim(self, tenant_id: str, submission_id: str, key: str) -> None:
        self.claims.discard((tenant_id, submission_id, key))

    def has_claim(self, tenant_id: str, submission_id: str, key: str) -> bool:
        return (tenant_id, submission_id, key) in self.claims

    def workspace_audit(self, tenant_id: str) -> list[AuditEntry]:
        return list(reversed(self.submission_items(tenant_id, "workspace")["audit"]))

    # --- Analytics --------------------------------------------------------------------------------
    def count_click(self, tenant_id: str, item: str, channel: str, day: date) -> None:
        counts = self.clicks.setdefault((tenant_id, f"{day:%Y-%m}"), {})
        key = f"{item}#{channel}#{day.isoformat()}"
        before = counts[key].count if key in counts else 0
        counts[key] = ClickCount(item=item, channel=channel, day=day, count=before + 1)

    def click_salt(self, day: date) -> str:
        return self.click_salts.setdefault(day.isoformat(), secrets.token_hex(32))

    def first_click(self, tenant_id: str, mark: str, day: date) -> bool:
        key = (tenant_id, day.isoformat(), mark)
        if key in self.click_marks:
            return False
        self.click_marks.add(key)
        return True

    def clicks_in_month(self, tenant_id: str, month: str) -> list[ClickCount]:
        return [kept(c) for _, c in sorted(self.clicks.get((tenant_id, month), {}).items())]

    def put_account_snapshot(self, snap: AccountSnapshot) -> None:
        self.snapshots.setdefault((snap.tenant_id, f"{snap.day:%Y-%m}"), {})[
            f"A#{snap.channel}#{snap.account_id}#{snap.day.isoformat()}"] = kept(snap)

    def put_item_snapshot(self, snap: ItemSnapshot) -> None:
        self.snapshots.setdefault((snap.tenant_id, f"{snap.day:%Y-%m}"), {})[
            f"I#{snap.channel}#{snap.remote_id}#{snap.day.isoformat()}"] = kept(snap)

    def account_snapshots(self, tenant_id: str, month: str) -> list[AccountSnapshot]:
        return [kept(s) for k, s in sorted(self.snapshots.get((tenant_id, month), {}).items())
                if k.startswith("A#") and isinstance(s, AccountSnapshot)]

    def item_snapshots(self, tenant_id: str, month: str) -> list[ItemSnapshot]:
        return [kept(s) for k, s in sorted(self.snapshots.get((tenant_id, month), {}).items())
                if k.startswith("I#") and isinstance(s, ItemSnapshot)]

    def put_inquiry(self, inq: Inquiry) -> bool:
        if (inq.tenant_id, inq.inquiry_id) in self.inquiries:
            return False
        self.inquiries[(inq.tenant_id, inq.inquiry_id)] = kept(inq)
        return True

    def get_inquiry(self, tenant_id: str, inquiry_id: str) -> Inquiry | None:
        found = self.inquiries.get((tenant_id, inquiry_id))
        return kept(found) if found else None

    def mark_answered(self, inq: Inquiry, at: datetime, answer_id: str) -> bool:
        key = (inq.tenant_id, inq.inquiry_id)
        found = self.inquiries.get(key)
        if found is None or found.answered_at is not None:
            return False
        self.inquiries[key] = found.model_copy(update={"answered_at": sec(at), "answer_id": answer_id})
        return True

    def inquiries_in_month(self, tenant_id: str, month: str) -> list[Inquiry]:
        found = [i for (t_, _), i in self.inquiries.items() if t_ == tenant_id and month_of(i.received_at) == month]
        return [kept(i) for i in sorted(found, key=lambda i: f"{iso(i.received_at)}#{i.inquiry_id}")]

    def record_digest(self, tenant_id: str, day: date) -> bool:
        if (tenant_id, day.isoformat()) in self.digests:
            return False
        self.digests.add((tenant_id, day.isoformat()))
        return True

    def record_token_notice(self, tenant_id: str, key: str, at: datetime) -> bool:
        if (tenant_id, key) in self.token_notices:
            return False
        self.token_notices.add((tenant_id, key))
        return True

    def release_token_notice(self, tenant_id: str, key: str) -> None:
        self.token_notices.discard((tenant_id, key))

    def inquiries_from(self, tenant_id: str, author_id: str) -> list[Inquiry]:
        return [kept(i) for (t_, _), i in sorted(self.inquiries.items())
                if t_ == tenant_id and i.author_id == author_id]

    def anonymise_inquiry(self, inq: Inquiry, pseudonym: str) -> None:
        key = (inq.tenant_id, inq.inquiry_id)
        found = self.inquiries.get(key)
        if found is None:
            return
        update: dict[str, Any] = {"author_id": pseudonym, "author_name": "", "text": ""}
        if inq.thread_id == inq.author_id:  # a direct message's thread is the person
            update["thread_id"] = pseudonym
        self.inquiries[key] = found.model_copy(update=update)

    # --- Reports ----------------------------------------------------------------------------------
    def put_report_record(self, tenant_id: str, month: str, keys: dict[str, str], digest: str,
                          **extra: str) -> bool:
        before = self.report_items.get((tenant_id, month))
        if before is not None and before.get("digest") == digest:
            return False
        self.report_items[(tenant_id, month)] = stored({**extra, "rtype": "report", "keys": dict(keys),
                                                        "digest": digest})
        return True

    def report_issued_at(self, tenant_id: str, month: str, figures_digest: str, at: str) -> str:
        return self.report_dates.setdefault((tenant_id, month, figures_digest), at)

    def report_record(self, tenant_id: str, month: str) -> dict | None:
        found = self.report_items.get((tenant_id, month))
        return copy.deepcopy(found) if found is not None else None

    def reports(self, tenant_id: str) -> list[dict]:
        months = sorted((m for t_, m in self.report_items if t_ == tenant_id), reverse=True)
        return [{"month": m, "keys": copy.deepcopy(self.report_items[(tenant_id, m)].get("keys", {}))}
                for m in months]

    # --- Jobs -------------------------------------------------------------------------------------
    def village_ids(self, shard: int, after: str | None, limit: int) -> list[str]:
        ids = sorted(self.directory.get(shard, set()))
        return [i for i in ids if after is None or i > after][:limit]

    def regencies(self) -> list[str]:
        return [name for _, name in sorted(self.regency_names.items())]

    def village_for_page(self, page_id: str) -> str | None:
        return self.pages.get(page_id)

    def backfill_directory(self, village: Village) -> DirectoryBackfill:
        done = DirectoryBackfill(village.id)
        shard = self.directory.setdefault(shard_of(village.id), set())
        key = f"VILLAGEDIR#{shard_of(village.id):02d}/{village.id}"
        (done.present if village.id in shard else done.written).append(key)
        shard.add(village.id)
        if village.kabupaten.strip():
            slug = kabupaten_slug(village.kabupaten)
            (done.present if slug in self.regency_names else done.written).append(f"REGENCYDIR/{slug}")
            self.regency_names.setdefault(slug, village.kabupaten.strip())
        for page_id in sorted(meta_ids(village)):
            key = f"PAGE#{page_id}/PAGE"
            held = self.pages.get(page_id)
            if held is None:
                self.pages[page_id] = village.id
                done.written.append(key)
            elif held == village.id:
                done.present.append(key)
            else:
                done.conflicts.append(f"{key} -> {held}")
        return done

    def claim_job_run(self, unit: str, job: str, period: str, at: datetime) -> bool:
        if (unit, job, period) in self.job_runs:
            return False
        self.job_runs[(unit, job, period)] = stored({"rtype": "job_run", "status": "queued", "queued_at": iso(at),
                                                     "ttl": int(at.timestamp()) + JOB_KEEP_DAYS * 86400})
        return True

    def release_job_run(self, unit: str, job: str, period: str) -> None:
        found = self.job_runs.get((unit, job, period))
        if found is not None and found.get("status") == "queued":
            del self.job_runs[(unit, job, period)]

    def job_run(self, unit: str, job: str, period: str) -> dict | None:
        found = self.job_runs.get((unit, job, period))
        return copy.deepcopy(found) if found is not None else None

    def finish_job_run(self, unit: str, job: str, period: str, at: datetime, result: dict) -> None:
        found = self.job_runs.setdefault((unit, job, period), {})
        found.update(stored({"status": "done", "done_at": iso(at), "result": json.dumps(result, default=str),
                             "rtype": "job_run"}))
        found.setdefault("ttl", stored({"ttl": int(at.timestamp()) + JOB_KEEP_DAYS * 86400})["ttl"])


@atomic
class MemoryInbox:
    """The ``Inbox`` port over a MemoryStore: inquiries (the store's) and their threads' records; each
    change conditional, with its audit entry and notices committed by the store's unit of work."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    def _inquiry(self, tenant_id: str, inquiry_id: str) -> Inquiry | None:
        return self.store.inquiries.get((tenant_id, inquiry_id))

    def _set(self, inq: Inquiry, **update: Any) -> None:
        self.store.inquiries[(inq.tenant_id, inq.inquiry_id)] = inq.model_copy(update=update)

    def record(self, inq: Inquiry) -> bool:
        if self._inquiry(inq.tenant_id, inq.inquiry_id) is not None:
            return False
        self.store.inquiries[(inq.tenant_id, inq.inquiry_id)] = kept(inq)
        thread = self.store.thread_items.setdefault((inq.tenant_id, inq.thread_key), {})
        thread.update(channel=inq.channel, kind=inq.kind.value, account_id=inq.page_id, last_at=iso(inq.received_at))
        thread.setdefault("author_id", inq.author_id)
        if inq.author_name:
            thread["author_name"] = inq.author_name
        if inq.kind.value == "comment" and inq.thread_id:
            thread.setdefault("post_id", inq.thread_id)
        return True

    def revise(self, tenant_id: str, inquiry_id: str, at: datetime, verb: str, text: str | None) -> bool:
        found = self._inquiry(tenant_id, inquiry_id)
        if found is None:
            return False
        if verb == "edited":
            if found.edited_at is not None and iso(found.edited_at) >= iso(at):
                return False
            self._set(found, text=text or "", edited_at=sec(at))
        elif verb == "remove":
            if found.no_answer == "deleted":
                return False
            self._set(found, no_answer="deleted", no_answer_at=sec(at))
        elif verb == "hide":
            if found.hidden_at is not None:
                return False
            self._set(found, hidden_at=sec(at))
        else:
            return False
        return True

    def answered(self, inq: Inquiry, at: datetime, answer_id: str, via: str, text: str = "",
                 change: Change | None = None) -> bool:
        found = self._inquiry(inq.tenant_id, inq.inquiry_id)
        if found is None or found.answered_at is not None:
            return False
        self._set(found, answered_at=sec(at), answer_id=answer_id, answered_via=via, answer_text=text[:2000])
        self.store.commit(change)
        return True

    def private_replied(self, inq: Inquiry, at: datetime, message_id: str, text: str, change: Change) -> bool:
        found = self._inquiry(inq.tenant_id, inq.inquiry_id)
        if found is None or found.private_reply_id is not None:
            return False
        if inq.answered_at is None:
            if found.answered_at is not None:
                return False
            self._set(found, private_reply_id=message_id, answered_at=sec(at), answer_id=message_id,
                      answered_via="kabar", answer_text=text[:2000])
        else:
            self._set(found, private_reply_id=message_id)
        self.store.commit(change)
        return True

    def settle_without_answer(self, inquiries: list[Inquiry], reason: str, at: datetime,
                              change: Change | None = None) -> bool:
        found = [self._inquiry(i.tenant_id, i.inquiry_id) for i in inquiries]
        if not found or any(f is None or f.answered_at is not None or f.no_answer is not None for f in found):
            return False
        for f in found:
            assert f is not None
            self._set(f, no_answer=reason, no_answer_at=sec(at))
        self.store.commit(change)
        return True

    def hide(self, inq: Inquiry, at: datetime, change: Change) -> bool:
        found = self._inquiry(inq.tenant_id, inq.inquiry_id)
        if found is None or found.hidden_at is not None:
            return False
        update: dict[str, Any] = {"hidden_at": sec(at)}
        if inq.open:
            update.update(no_answer="hidden", no_answer_at=sec(at))
        self._set(found, **update)
        self.store.commit(change)
        return True

    def thread(self, tenant_id: str, key: str) -> dict | None:
        found = self.store.thread_items.get((tenant_id, key))
        return {**stored(found), "key": key} if found is not None else None

    def threads(self, tenant_id: str) -> dict[str, dict]:
        return {k: {**stored(v), "key": k} for (t_, k), v in sorted(self.store.thread_items.items()) if t_ == tenant_id}

    def update_thread(self, tenant_id: str, key: str, fields: dict[str, object], change: Change | None = None,
                      expected: dict[str, object] | None = None) -> bool:
        unknown = set(fields) - THREAD_FIELDS
        if unknown:
            raise ValueError(f"not thread fields: {sorted(unknown)}")
        found = self.store.thread_items.get((tenant_id, key))
        if found is None:
            return False
        for name, value in (expected or {}).items():
            if (found.get(name) is not None) if value is None else found.get(name) != stored(
                    {"v": _value(value)})["v"]:
                return False
        found.update(stored({name: _value(value) for name, value in fields.items()}))
        self.store.commit(change)
        return True

    def forget_author(self, tenant_id: str, author_id: str, pseudonym: str) -> int:
        forgotten = 0
        for (t_, _), thread in self.store.thread_items.items():
            if t_ == tenant_id and thread.get("author_id") == author_id:
                thread.update(author_id=pseudonym, author_name="")
                forgotten += 1
        return forgotten


def _value(value: Any) -> Any:
    return iso(value) if isinstance(value, datetime) else value
