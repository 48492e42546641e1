"""One contract for the store's repositories, run against DynamoDB (moto's server, over HTTP) and against
the in-memory fake the unit tests use (``tests/fakes.MemoryStore``): the fake may not promise what the
adapter does not keep, nor the other way round."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from kabar.domain.errors import NotFound
from kabar.domain.models import (
    Activity,
    Asset,
    AssetStatus,
    AuditEntry,
    Contact,
    Draft,
    DraftStatus,
    FileKind,
    Procedure,
    Publication,
    PublicationStatus,
    Submission,
    SubmissionStatus,
    Village,
)
from kabar.domain.outbox import Change, Notice
from kabar.services import services
from tests.fakes import MemoryStore

AT = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "dynamodb"])
def store(request):
    if request.param == "memory":
        return MemoryStore()
    request.getfixturevalue("aws")
    return services().store


@pytest.fixture
def tenant():
    return f"desa-{uuid.uuid4().hex[:8]}"


def village(tenant: str) -> Village:
    return Village(id=tenant, name=f"Kalurahan {tenant}", reviewers=[Contact(name="PPID", email="ppid@desa.id")],
                   admins=[Contact(name="Admin", email="admin@desa.id")])


def submission(tenant: str, sid: str = "s1", created: datetime = AT) -> Submission:
    return Submission(tenant_id=tenant, submission_id=sid, submitter_id="st-1", submitter_name="Sri",
                      submitter_email="sri@desa.id", narrative="Kerja bakti membersihkan saluran air desa bersama.",
                      activity=Activity(title="Kerja bakti", date=date(2026, 11, 27), location="Balai desa"),
                      procedures=[Procedure.SOCIAL, Procedure.WEBSITE], created_at=created)


def asset(tenant: str, aid: str, sid: str = "s1") -> Asset:
    return Asset(tenant_id=tenant, submission_id=sid, asset_id=aid, name=f"{aid}.jpg", kind=FileKind.PHOTO,
                 content_type="image/jpeg", size=1000, key=f"{tenant}/{sid}/{aid}.jpg")


def draft(tenant: str, version: int = 1, procedure: Procedure = Procedure.SOCIAL) -> Draft:
    return Draft(tenant_id=tenant, submission_id="s1", procedure=procedure, version=version, title="Kerja bakti",
                 caption=f"versi {version}", created_at=AT + timedelta(minutes=version))


def audit(tenant: str, action: str) -> AuditEntry:
    return AuditEntry(tenant_id=tenant, submission_id="s1", at=AT, actor="test", action=action, subject="s1")


def notice(tenant: str, recipient: str = "admin@desa.id") -> Notice:
    return Notice(tenant_id=tenant, purpose="draft_ready", subject="draft:social:v1", recipient=recipient,
                  submission_id="s1")


def test_a_village_is_stored_and_listed_and_another_is_not_found(store, tenant):
    store.put_village(village(tenant))
    assert store.get_village(tenant).name == f"Kalurahan {tenant}"
    assert tenant in {v.id for v in store.list_villages()}
    with pytest.raises(NotFound):
        store.get_village(f"{tenant}-x")


def test_a_submission_and_its_files_are_one_register_entry(store, tenant):
    store.create_submission(submission(tenant), [asset(tenant, "a2"), asset(tenant, "a1")])
    assert store.get_submission(tenant, "s1").status is SubmissionStatus.RECEIVING
    assert [a.asset_id for a in store.list_assets(tenant, "s1")] == ["a1", "a2"]
    assert store.get_asset(tenant, "s1", "a1").status is AssetStatus.EXPECTED
    assert store.get_asset(tenant, "s1", "zz") is None
    with pytest.raises(NotFound):
        store.get_submission(f"{tenant}-other", "s1")  # another village sees nothing
    assert [s.submission_id for s in store.submissions_in_month(tenant, "2026-11")] == ["s1"]
    assert store.submissions_in_month(tenant, "2026-12") == []


def test_a_file_verdict_is_recorded_once_with_its_audit_entry(store, tenant):
    store.create_submission(submission(tenant), [asset(tenant, "a1")])
    accepted = asset(tenant, "a1").model_copy(update={"status": AssetStatus.ACCEPTED, "received_at": AT})
    assert store.record_asset(accepted, Change(audit=audit(tenant, "file_accepted"))) is True
    refused = accepted.model_copy(update={"status": AssetStatus.REJECTED})
    assert store.record_asset(refused, Change(audit=audit(tenant, "file_refused"))) is False  # decided before
    assert store.get_asset(tenant, "s1", "a1").status is AssetStatus.ACCEPTED
    assert [a.action for a in store.submission_items(tenant, "s1")["audit"]] == ["file_accepted"]


def test_completion_happens_once(store, tenant):
    store.create_submission(submission(tenant), [])
    sub = store.get_submission(tenant, "s1")
    assert store.mark_complete(sub, AT, Change(audit=audit(tenant, "completed"))) is True
    assert store.mark_complete(sub, AT, Change(audit=audit(tenant, "completed"))) is False
    done = store.get_submission(tenant, "s1")
    assert done.status is SubmissionStatus.COMPLETE and done.completed_at == AT
    assert [a.action for a in store.submission_items(tenant, "s1")["audit"]] == ["completed"]


def test_a_draft_version_exists_once_and_the_latest_is_found(store, tenant):
    store.create_submission(submission(tenant), [])
    assert store.put_draft(draft(tenant, 1), Change(audit=audit(tenant, "draft_made"))) is True
    assert store.put_draft(draft(tenant, 1).model_copy(update={"caption": "lain"})) is False
    assert store.put_draft(draft(tenant, 2)) is True
    assert store.get_draft(tenant, "s1", Procedure.SOCIAL).version == 2
    assert store.get_draft(tenant, "s1", Procedure.SOCIAL, 1).caption == "versi 1"
    with pytest.raises(NotFound):
        store.get_draft(tenant, "s1", Procedure.WEBSITE)
    items = store.submission_items(tenant, "s1")
    assert [d.version for d in items["draft"]] == [1, 2] and len(items["audit"]) == 1


def test_a_draft_moves_only_from_the_state_expected(store, tenant):
    store.create_submission(submission(tenant), [])
    store.put_draft(draft(tenant, 1))
    first = store.get_draft(tenant, "s1", Procedure.SOCIAL, 1)
    assert store.set_draft_status(first, DraftStatus.IN_REVIEW, DraftStatus.APPROVED) is True
    assert store.set_draft_status(first, DraftStatus.IN_REVIEW, DraftStatus.REJECTED) is False
    assert store.get_draft(tenant, "s1", Procedure.SOCIAL, 1).status is DraftStatus.APPROVED


def test_publication_closes_the_undo_window_only_of_an_approval_that_stands(store, tenant):
    store.create_submission(submission(tenant), [])
    store.put_draft(draft(tenant, 1))
    first = store.get_draft(tenant, "s1", Procedure.SOCIAL, 1)
    assert store.close_undo(first, AT) is False  # not approved (or undone): nothing to publish
    store.set_draft_status(first, DraftStatus.IN_REVIEW, DraftStatus.APPROVED)
    assert store.close_undo(first, AT) is True
    assert store.close_undo(first, AT + timedelta(minutes=1)) is True  # a redelivery: still closed


def test_a_publication_intent_is_recorded_once_and_its_outcome_found_by_month(store, tenant):
    store.create_submission(submission(tenant), [])
    pub = Publication(tenant_id=tenant, submission_id="s1", procedure=Procedure.SOCIAL, version=1,
                      channel="facebook", marker="m-1")
    assert store.start_publication(pub) == pub
    again = store.start_publication(pub.model_copy(update={"marker": "m-2"}))
    assert again.marker == "m-1"  # what was recorded first
    online = pub.model_copy(update={"status": PublicationStatus.PUBLISHED, "remote_id": "p1",
                                    "published_at": datetime(2026, 12, 1, 1, 0, tzinfo=UTC)})
    store.save_publication(online, Change(audit=audit(tenant, "published"), notices=[notice(tenant)]))
    assert [p.remote_id for p in store.publications(tenant, "s1", Procedure.SOCIAL, 1)] == ["p1"]
    assert store.publications(tenant, "s1", Procedure.SOCIAL, 2) == []
    assert [p.channel for p in store.publications_in_month(tenant, "2026-12")] == ["facebook"]
    assert store.publications_in_month(tenant, "2026-11") == []
    record = store.get_notice(tenant, notice(tenant).notice_id)
    assert record is not None and record.sent_at is None


def test_a_notice_promised_twice_is_one_notice_and_is_sent_once(store, tenant):
    first = store.enqueue(Change(notices=[notice(tenant), notice(tenant, "ppid@desa.id")]))
    again = store.enqueue(Change(notices=[notice(tenant)]))
    assert (first, again) == (2, 0)
    nid = notice(tenant).notice_id
    assert store.claim_notice(tenant, nid, AT, 60) is True
    assert store.claim_notice(tenant, nid, AT + timedelta(seconds=30), 60) is False  # leased
    store.release_notice(tenant, nid)
    assert store.claim_notice(tenant, nid, AT + timedelta(seconds=31), 60) is True
    store.mark_notice(tenant, nid, AT + timedelta(seconds=32), message_id="ses-1")
    assert store.claim_notice(tenant, nid, AT + timedelta(hours=1), 60) is False  # sent: never again
    record = store.get_notice(tenant, nid)
    assert record.sent_at is not None and record.message_id == "ses-1"
    assert store.get_notice(tenant, "no-such-notice") is None


def test_an_audited_change_commits_its_entry_and_its_notices_together(store, tenant):
    store.create_submission(submission(tenant), [])
    store.commit_change(Change(audit=audit(tenant, "file_asked"), notices=[notice(tenant)]))
    assert [a.action for a in store.submission_items(tenant, "s1")["audit"]] == ["file_asked"]
    assert store.get_notice(tenant, notice(tenant).notice_id) is not None
    with pytest.raises(ValueError):
        store.enqueue(Change(audit=audit(tenant, "not_here")))


def test_a_claim_is_made_once_until_released(store, tenant):
    assert store.has_claim(tenant, "s1", "remind:social:v1") is False
    assert store.claim_once(tenant, "s1", "remind:social:v1", AT) is True
    assert store.claim_once(tenant, "s1", "remind:social:v1", AT) is False
    assert store.has_claim(tenant, "s1", "remind:social:v1") is True
    store.release_claim(tenant, "s1", "remind:social:v1")
    assert store.claim_once(tenant, "s1", "remind:social:v1", AT) is True
    assert store.has_claim(f"{tenant}-other", "s1", "remind:social:v1") is False
