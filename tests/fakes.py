"""In-memory fakes of the store's unit of work (the outbox), shared by the unit tests.

They keep the same promises as the DynamoDB adapter (tests/integration/test_store_contract.py holds both to
one contract): a change commits its audit entry, events and notices together; a notice promised twice is
one notice; a claimed notice is not claimed again until its lease ends; a sent one is never re-sent.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from kabar.domain.clock import month_of
from kabar.domain.errors import NotFound
from kabar.domain.events import Event
from kabar.domain.models import (
    Asset,
    AssetStatus,
    AuditEntry,
    Draft,
    DraftStatus,
    Procedure,
    Publication,
    Submission,
    SubmissionStatus,
    Village,
)
from kabar.domain.outbox import Change, NoticeRecord


class MemoryOutbox:
    """Mix into a test's store: commit(), enqueue() and the notice records, in memory."""

    def _outbox_init(self) -> None:
        if not hasattr(self, "audit"):
            self.audit: list[AuditEntry] = []
        self.events_out: list[Event] = []
        self.notice_records: dict[tuple[str, str], NoticeRecord] = {}
        self._leases: dict[tuple[str, str], datetime] = {}

    def _ensure(self) -> None:
        if not hasattr(self, "notice_records"):
            self._outbox_init()

    def commit(self, change: Change | None, at: datetime | None = None) -> None:
        self._ensure()
        if change is None:
            return
        if change.audit is not None:
            self.audit.append(change.audit)
        self._promise(change, at or (change.audit.at if change.audit else datetime.now().astimezone()))

    def _promise(self, change: Change, at: datetime) -> int:
        self.events_out.extend(change.events)
        new = 0
        for notice in change.notices:
            key = (notice.tenant_id, notice.notice_id)
            if key not in self.notice_records:
                self.notice_records[key] = NoticeRecord(notice=notice, created_at=at)
                new += 1
        return new

    def enqueue(self, change: Change) -> int:
        self._ensure()
        if change.audit is not None:
            raise ValueError("enqueue() takes events and notices")
        return self._promise(change, datetime.now().astimezone())

    def append_audit(self, entry: AuditEntry) -> None:
        self.commit(Change(audit=entry))

    def get_notice(self, tenant_id: str, notice_id: str) -> NoticeRecord | None:
        self._ensure()
        return self.notice_records.get((tenant_id, notice_id))

    def claim_notice(self, tenant_id: str, notice_id: str, at: datetime, lease_seconds: int) -> bool:
        self._ensure()
        record = self.notice_records.get((tenant_id, notice_id))
        if record is None or record.sent_at is not None or record.skipped is not None:
            return False
        until = self._leases.get((tenant_id, notice_id))
        if until is not None and until >= at:
            return False
        self._leases[(tenant_id, notice_id)] = at + timedelta(seconds=lease_seconds)
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
            record.sent_at, record.message_id = at, message_id
        self._leases.pop((tenant_id, notice_id), None)

    # --- what a test does instead of the relay and the notice sender ---

    def pending_notices(self) -> list[tuple[str, str]]:
        self._ensure()
        return [k for k, r in self.notice_records.items() if r.sent_at is None and r.skipped is None]


def settle(svc: Any, at: datetime | None = None) -> None:
    """Relay and send what the store holds: events to ``svc.events``, each due notice through its sender."""
    from kabar.usecases.notices import deliver

    store = svc.store
    store._ensure()
    if store.events_out:
        svc.events.publish(list(store.events_out))
        store.events_out.clear()
    for tenant_id, notice_id in store.pending_notices():
        deliver(tenant_id, notice_id, svc, at)


class MemoryStore(MemoryOutbox):
    """The store's repositories in memory, for unit tests of use cases: villages, the register (submissions
    and their files), drafts, publications, the journal (audit entries, notices, one-time claims).

    It keeps the DynamoDB adapter's promises; ``tests/integration/test_store_contract.py`` runs the same
    contract against both. Repositories a unit test does not need are not here: such a test fails loudly
    (AttributeError), it never passes on a silent default.
    """

    def __init__(self) -> None:
        self.villages: dict[str, Village] = {}
        self.submissions: dict[tuple[str, str], Submission] = {}
        self.assets: dict[tuple[str, str, str], Asset] = {}
        self.drafts: dict[tuple[str, str, str, int], Draft] = {}
        self.publication_items: dict[tuple[str, str, str, int, str], Publication] = {}
        self.claims: set[tuple[str, str, str]] = set()
        self.audit: list[AuditEntry] = []
        self._outbox_init()

    # --- Villages
    def put_village(self, village: Village) -> None:
        self.villages[village.id] = village.model_copy(deep=True)

    def get_village(self, tenant_id: str) -> Village:
        if tenant_id not in self.villages:
            raise NotFound("village")
        return self.villages[tenant_id].model_copy(deep=True)

    def list_villages(self) -> list[Village]:
        return [v.model_copy(deep=True) for v in self.villages.values()]

    # --- Submissions
    def create_submission(self, submission: Submission, assets: list[Asset]) -> None:
        key = (submission.tenant_id, submission.submission_id)
        if key in self.submissions:
            raise ConditionFailed("submission exists")
        self.submissions[key] = submission.model_copy(deep=True)
        for a in assets:
            self.assets[(a.tenant_id, a.submission_id, a.asset_id)] = a.model_copy(deep=True)

    def get_submission(self, tenant_id: str, submission_id: str) -> Submission:
        if (tenant_id, submission_id) not in self.submissions:
            raise NotFound("submission")
        return self.submissions[(tenant_id, submission_id)].model_copy(deep=True)

    def list_assets(self, tenant_id: str, submission_id: str) -> list[Asset]:
        return sorted((a.model_copy(deep=True) for (t, s, _), a in self.assets.items()
                       if (t, s) == (tenant_id, submission_id)), key=lambda a: a.asset_id)

    def get_asset(self, tenant_id: str, submission_id: str, asset_id: str) -> Asset | None:
        found = self.assets.get((tenant_id, submission_id, asset_id))
        return found.model_copy(deep=True) if found else None

    def record_asset(self, asset: Asset, change: Change | None = None) -> bool:
        key = (asset.tenant_id, asset.submission_id, asset.asset_id)
        if key not in self.assets or self.assets[key].status is not AssetStatus.EXPECTED:
            return False
        self.assets[key] = asset.model_copy(deep=True)
        self.commit(change)
        return True

    def mark_complete(self, submission: Submission, completed_at: datetime, change: Change | None = None) -> bool:
        key = (submission.tenant_id, submission.submission_id)
        stored = self.submissions.get(key)
        if stored is None or stored.status is not SubmissionStatus.RECEIVING:
            return False
        self.submissions[key] = stored.model_copy(update={"status": SubmissionStatus.COMPLETE,
                                                          "completed_at": completed_at})
        self.commit(change)
        return True

    def submissions_in_month(self, tenant_id: str, month: str) -> list[Submission]:
        return [s.model_copy(deep=True) for (t, _), s in self.submissions.items()
                if t == tenant_id and month_of(s.created_at) == month]

    def submission_items(self, tenant_id: str, submission_id: str) -> dict[str, list]:
        subs = [self.get_submission(tenant_id, submission_id)] if (tenant_id, submission_id) in self.submissions \
            else []
        return {"submission": subs, "asset": self.list_assets(tenant_id, submission_id),
                "draft": [d.model_copy(deep=True) for k, d in sorted(self.drafts.items()) if k[:2] == (tenant_id,
                                                                                                      submission_id)],
                "publication": [p.model_copy(deep=True) for k, p in sorted(self.publication_items.items())
                                if k[:2] == (tenant_id, submission_id)],
                "audit": [a for a in self.audit if (a.tenant_id, a.submission_id) == (tenant_id, submission_id)]}

    # --- Drafts
    def put_draft(self, draft: Draft, change: Change | None = None) -> bool:
        key = (draft.tenant_id, draft.submission_id, str(draft.procedure), draft.version)
        if key in self.drafts:
            return False
        self.drafts[key] = draft.model_copy(deep=True)
        self.commit(change)
        return True

    def get_draft(self, tenant_id: str, submission_id: str, procedure: Procedure, version: int | None = None) -> Draft:
        versions = {k[3]: d for k, d in self.drafts.items() if k[:3] == (tenant_id, submission_id, str(procedure))}
        chosen = versions.get(version) if version is not None else (versions[max(versions)] if versions else None)
        if chosen is None:
            raise NotFound("draft")
        return chosen.model_copy(deep=True)

    def set_draft_status(self, draft: Draft, expected: DraftStatus, target: DraftStatus) -> bool:
        key = (draft.tenant_id, draft.submission_id, str(draft.procedure), draft.version)
        stored = self.drafts.get(key)
        if stored is None or stored.status is not expected:
            return False
        self.drafts[key] = stored.model_copy(update={"status": target})
        return True

    def close_undo(self, draft: Draft, at: datetime) -> bool:
        """Publication begins (usecases/undo.py): False when the approval was undone first."""
        stored = self.drafts.get((draft.tenant_id, draft.submission_id, str(draft.procedure), draft.version))
        return stored is not None and stored.status in (DraftStatus.APPROVED, DraftStatus.PUBLISHED)

    # --- Publications
    def start_publication(self, pub: Publication) -> Publication:
        key = (pub.tenant_id, pub.submission_id, str(pub.procedure), pub.version, pub.channel)
        return self.publication_items.setdefault(key, pub.model_copy(deep=True)).model_copy(deep=True)

    def save_publication(self, pub: Publication, change: Change | None = None) -> None:
        self.publication_items[(pub.tenant_id, pub.submission_id, str(pub.procedure), pub.version, pub.channel)] = \
            pub.model_copy(deep=True)
        self.commit(change)

    def publications(self, tenant_id: str, submission_id: str, procedure: Procedure, version: int) -> list[Publication]:
        return [p.model_copy(deep=True) for k, p in sorted(self.publication_items.items())
                if k[:4] == (tenant_id, submission_id, str(procedure), version)]

    def publications_in_month(self, tenant_id: str, month: str) -> list[Publication]:
        return [p.model_copy(deep=True) for k, p in sorted(self.publication_items.items())
                if k[0] == tenant_id and p.published_at is not None and month_of(p.published_at) == month]

    # --- Journal: one-time claims (the audit entries and notices are MemoryOutbox's)
    def commit_change(self, change: Change) -> None:
        self.commit(change)

    def claim_once(self, tenant_id: str, submission_id: str, key: str, at: datetime) -> bool:
        if (tenant_id, submission_id, key) in self.claims:
            return False
        self.claims.add((tenant_id, submission_id, key))
        return True

    def release_claim(self, tenant_id: str, submission_id: str, key: str) -> None:
        self.claims.discard((tenant_id, submission_id, key))

    def has_claim(self, tenant_id: str, submission_id: str, key: str) -> bool:
        return (tenant_id, submission_id, key) in self.claims


class ConditionFailed(Exception):
    """What the memory store raises where DynamoDB answers ConditionalCheckFailed to an unconditional caller."""


class RecordedMetrics:
    """The Metrics port (kabar/ports.py) keeping each count: (name, village, dimensions)."""

    def __init__(self) -> None:
        self.counts: list[tuple[str, str, dict[str, str]]] = []

    def count(self, name: str, tenant_id: str, **dimensions: str) -> None:
        self.counts.append((name, tenant_id, dimensions))

    def of(self, name: str) -> list[dict[str, str]]:
        return [dimensions for n, _, dimensions in self.counts if n == name]
