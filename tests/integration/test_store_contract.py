"""One contract for the store's repositories, run against DynamoDB (moto's server, over HTTP) and against
the in-memory fake the unit tests use (``tests/fakes.MemoryStore``): the fake may not promise what the
adapter does not keep, nor the other way round."""

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from kabar.domain.audit import GENESIS, verify_chain
from kabar.domain.clock import iso
from kabar.domain.errors import Conflict, InvalidTransition, NotFound
from kabar.domain.events import SubmissionCompleted
from kabar.domain.fanout import shard_of
from kabar.domain.inbox import Inquiry, InquiryKind
from kabar.domain.metrics import AccountSnapshot, ItemSnapshot
from kabar.domain.models import (
    Activity,
    Asset,
    AssetStatus,
    AuditEntry,
    ChannelConfig,
    Contact,
    Draft,
    DraftStatus,
    FileKind,
    Procedure,
    Publication,
    PublicationStatus,
    ReviewToken,
    Role,
    Staff,
    Submission,
    SubmissionStatus,
    Village,
)
from kabar.domain.outbox import Change, Notice
from kabar.domain.regency import kabupaten_slug
from kabar.domain.video import VideoDraft
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


# --- the register's remaining promises: idempotency keys, files added and reopened, erasure ------------------

def test_an_idempotency_key_makes_one_submission_until_it_expires(store, tenant):
    expires = AT + timedelta(hours=24)
    assert store.submission_for_key(tenant, "k1", AT) is None
    assert store.create_submission_keyed(submission(tenant), [asset(tenant, "a1")], audit(tenant, "submitted"),
                                         "k1", "fp-1", expires) is True
    assert store.submission_for_key(tenant, "k1", AT + timedelta(hours=1)) == ("s1", "fp-1")
    assert store.submission_for_key(f"{tenant}-other", "k1", AT) is None  # another village's key space
    # the same key while live: nothing written
    assert store.create_submission_keyed(submission(tenant, "s2"), [], audit(tenant, "submitted"), "k1", "fp-2",
                                         expires) is False
    with pytest.raises(NotFound):
        store.get_submission(tenant, "s2")
    assert store.submission_for_key(tenant, "k1", expires) is None  # expired (TTL deletion lags: checked here)
    later = audit(tenant, "submitted").model_copy(update={"at": expires + timedelta(seconds=1),
                                                          "submission_id": "s3"})
    assert store.create_submission_keyed(submission(tenant, "s3"), [], later, "k1", "fp-3",
                                         expires + timedelta(days=1)) is True
    assert store.submission_for_key(tenant, "k1", expires + timedelta(hours=1)) == ("s3", "fp-3")
    assert [a.action for a in store.submission_items(tenant, "s1")["audit"]] == ["submitted"]


def test_a_file_is_added_only_to_an_open_hand_over_and_a_refused_one_reopened_once(store, tenant):
    store.create_submission(submission(tenant), [asset(tenant, "a1")])
    assert store.add_asset(asset(tenant, "a2"), audit(tenant, "file_added")) is True
    assert store.add_asset(asset(tenant, "a2"), audit(tenant, "file_added")) is False  # exists
    assert store.add_asset(asset(tenant, "a9", sid="nope"), audit(tenant, "file_added")) is False  # no submission
    refused = asset(tenant, "a1").model_copy(update={"status": AssetStatus.REJECTED, "received_at": AT})
    assert store.record_asset(refused) is True
    reopened = asset(tenant, "a1")
    assert store.reopen_asset(refused, reopened, audit(tenant, "file_reopened")) is True
    assert store.get_asset(tenant, "s1", "a1").status is AssetStatus.EXPECTED
    assert store.reopen_asset(refused, reopened, audit(tenant, "file_reopened")) is False  # no longer refused
    # entries of the same second come in no promised order
    assert sorted(a.action for a in store.submission_items(tenant, "s1")["audit"]) == ["file_added", "file_reopened"]


def test_a_submitters_contact_is_forgotten_and_their_submissions_found(store, tenant):
    store.create_submission(submission(tenant), [])
    store.create_submission(submission(tenant, "s2"), [])
    store.create_submission(submission(f"{tenant}-other"), [])
    assert sorted(s.submission_id for s in store.submissions_of(tenant, "st-1")) == ["s1", "s2"]
    assert store.submissions_of(tenant, "st-nobody") == []
    store.forget_submitter_contact(tenant, "s1")
    assert store.get_submission(tenant, "s1").submitter_email == ""
    assert store.get_submission(f"{tenant}-other", "s1").submitter_email == "sri@desa.id"
    with pytest.raises(Exception):  # noqa: B017,PT011 - ConditionalCheckFailed / ConditionFailed
        store.forget_submitter_contact(tenant, "no-such")


# --- drafts: review links, one decision, revisions, videos, the undo window ----------------------------------

def review_token(tenant: str, token_hash: str = "rt1", version: int = 1) -> ReviewToken:
    return ReviewToken(tenant_id=tenant, token_hash=token_hash, submission_id="s1", procedure=Procedure.SOCIAL,
                       version=version, reviewer_email="ppid@desa.id", reviewer_name="PPID",
                       expires_at=AT + timedelta(days=3))


def decision(tenant: str, action: str = "draft_approved") -> AuditEntry:
    return audit(tenant, action).model_copy(update={"at": AT + timedelta(hours=1, microseconds=123)})


def test_a_review_link_decides_once_and_the_decision_can_be_undone_until_publication(store, tenant):
    store.create_submission(submission(tenant), [])
    store.put_draft(draft(tenant, 1))
    token = review_token(tenant)
    store.put_review_token(token)
    with pytest.raises(Exception):  # noqa: B017,PT011 - a link's hash is written once
        store.put_review_token(token)
    assert store.get_review_token(f"{tenant}-other", "rt1") is None
    first = store.get_draft(tenant, "s1", Procedure.SOCIAL, 1)
    approved = first.model_copy(update={"status": DraftStatus.APPROVED, "decided_by": "ppid@desa.id"})
    store.record_decision(token, first, approved, Change(audit=decision(tenant), notices=[notice(tenant)]))
    with pytest.raises(InvalidTransition):
        store.record_decision(token, first, approved, Change(audit=decision(tenant)))
    stored = store.get_draft(tenant, "s1", Procedure.SOCIAL, 1)
    assert stored.status is DraftStatus.APPROVED and stored.decided_by == "ppid@desa.id"
    assert stored.decided_at == (AT + timedelta(hours=1)).replace(microsecond=0)  # kept to the second
    assert store.get_review_token(tenant, "rt1").used_at is not None
    assert store.get_notice(tenant, notice(tenant).notice_id) is not None
    # the undo link puts it back under review and lets the review link act again, once
    store.put_undo(tenant, "u1", {"submission_id": "s1", "version": 1}, AT + timedelta(hours=2))
    assert int(store.get_undo(tenant, "u1")["version"]) == 1
    store.undo_decision("u1", "rt1", stored, Change(audit=decision(tenant, "decision_undone")))
    assert store.get_draft(tenant, "s1", Procedure.SOCIAL, 1).status is DraftStatus.IN_REVIEW
    assert store.get_review_token(tenant, "rt1").used_at is None
    assert store.get_undo(tenant, "u1").get("used_at")
    with pytest.raises(InvalidTransition):
        store.undo_decision("u1", "rt1", stored, Change(audit=decision(tenant, "decision_undone")))
    # approved again; once publication began, the undo window is closed
    again = store.get_draft(tenant, "s1", Procedure.SOCIAL, 1)
    store.record_decision(token, again, approved, Change(audit=decision(tenant)))
    approved_now = store.get_draft(tenant, "s1", Procedure.SOCIAL, 1)
    store.put_undo(tenant, "u2", {"submission_id": "s1"}, AT + timedelta(hours=2))
    assert store.close_undo(approved_now, AT + timedelta(hours=1, minutes=5)) is True
    with pytest.raises(InvalidTransition):
        store.undo_decision("u2", "rt1", approved_now, Change(audit=decision(tenant, "decision_undone")))
    actions = [a.action for a in store.submission_items(tenant, "s1")["audit"]]
    assert actions.count("draft_approved") == 2 and actions.count("decision_undone") == 1


def test_refusing_every_procedure_withdraws_the_other_draft_and_closes_the_entry(store, tenant):
    store.create_submission(submission(tenant), [])
    store.put_draft(draft(tenant, 1))
    store.put_draft(draft(tenant, 1, Procedure.WEBSITE))
    token = review_token(tenant)
    store.put_review_token(token)
    social = store.get_draft(tenant, "s1", Procedure.SOCIAL, 1)
    website = store.get_draft(tenant, "s1", Procedure.WEBSITE, 1)
    refused = social.model_copy(update={"status": DraftStatus.REJECTED, "reject_reason": "foto buram"})
    withdrawn = website.model_copy(update={"status": DraftStatus.REJECTED, "reject_reason": "ditarik"})
    store.record_decision(token, social, refused, Change(audit=decision(tenant, "draft_rejected")),
                          withdrawn=((website, withdrawn),), close=True)
    assert store.get_draft(tenant, "s1", Procedure.WEBSITE, 1).reject_reason == "ditarik"
    assert store.get_submission(tenant, "s1").status is SubmissionStatus.REJECTED


def test_a_revision_supersedes_the_version_it_was_made_from_once(store, tenant):
    store.create_submission(submission(tenant), [])
    store.put_draft(draft(tenant, 1))
    v1 = store.get_draft(tenant, "s1", Procedure.SOCIAL, 1)
    store.put_revision(v1, draft(tenant, 2), Change(audit=audit(tenant, "draft_revised")))
    assert store.get_draft(tenant, "s1", Procedure.SOCIAL, 1).status is DraftStatus.SUPERSEDED
    assert store.get_draft(tenant, "s1", Procedure.SOCIAL).version == 2
    with pytest.raises(InvalidTransition):  # v1 is no longer what was read; v2 exists
        store.put_revision(v1, draft(tenant, 2), Change(audit=audit(tenant, "draft_revised")))
    assert [a.action for a in store.submission_items(tenant, "s1")["audit"]] == ["draft_revised"]


def test_a_draft_video_is_recorded_once(store, tenant):
    video = VideoDraft(tenant_id=tenant, submission_id="s1", asset_id="v1", status="ready", duration=12.5, fps=29.97,
                       width=1080, height=1920, made_at=AT)
    assert store.get_video_draft(tenant, "s1", "v1") is None
    assert store.put_video_draft(video) is True
    assert store.put_video_draft(video) is False
    assert store.get_video_draft(tenant, "s1", "v1") == video
    assert store.get_video_draft(f"{tenant}-other", "s1", "v1") is None


# --- the journal: the audit chain, the workspace trail, the operator's replay ---------------------------------

def test_every_audited_change_is_sealed_onto_the_villages_chain(store, tenant):
    store.create_submission(submission(tenant), [])
    assert store.audit_head(tenant) == (0, GENESIS)
    store.append_audit(audit(tenant, "one"))
    store.commit_change(Change(audit=audit(tenant, "two"), more_audit=[audit(tenant, "three")]))
    store.put_draft(draft(tenant, 1), Change(audit=audit(tenant, "four")))
    links, seq, head = store.audit_chain(tenant)
    assert seq == 4 and verify_chain(links, seq, head) == []
    assert [link.body["action"] for link in sorted(links, key=lambda x: x.body["seq"])] == ["one", "two", "three",
                                                                                           "four"]
    assert store.audit_head(tenant) == (4, head)
    assert store.audit_chain(f"{tenant}-other") == ([], 0, GENESIS)
    with pytest.raises(ValueError):  # one change belongs to one village
        store.commit_change(Change(audit=audit(tenant, "x"), more_audit=[audit(f"{tenant}-other", "y")]))


def test_the_workspace_trail_is_newest_first(store, tenant):
    for n, action in enumerate(("signed_in", "person_added", "signed_out")):
        store.commit_change(Change(audit=AuditEntry(tenant_id=tenant, submission_id="workspace",
                                                    at=AT + timedelta(minutes=n), actor="admin:a@desa.id",
                                                    action=action, subject="staff:x")))
    assert [e.action for e in store.workspace_audit(tenant)] == ["signed_out", "person_added", "signed_in"]
    assert store.workspace_audit(f"{tenant}-other") == []


def test_the_replay_finds_events_and_unsent_notices_of_a_village(store, tenant):
    since = datetime.now(UTC) - timedelta(minutes=1)
    store.enqueue(Change(events=[SubmissionCompleted(tenant_id=tenant, submission_id="s7", occurred_at=AT)],
                         notices=[notice(tenant), notice(tenant, "ppid@desa.id")]))
    store.mark_notice(tenant, notice(tenant, "ppid@desa.id").notice_id, AT, message_id="m-1")
    items = list(store.outbox_since(since, tenant))
    assert sorted(i["kind"] for i in items) == ["event", "notice"]
    (event,) = [i for i in items if i["kind"] == "event"]
    assert event["rtype"] == "outbox" and event["detail_type"] == SubmissionCompleted.detail_type()
    assert json.loads(event["detail"])["submission_id"] == "s7"
    (due,) = [i for i in items if i["kind"] == "notice"]
    assert due["outbox_id"] == notice(tenant).notice_id and due["tenant_id"] == tenant
    assert list(store.outbox_since(since, f"{tenant}-other")) == []
    assert list(store.outbox_since(datetime.now(UTC) + timedelta(minutes=5), tenant)) == []


# --- people: staff and their tokens, sign-in links, sessions, failed attempts ---------------------------------

def staff(tenant: str, staff_id: str = "p1", email: str = "admin@desa.id") -> Staff:
    return Staff(tenant_id=tenant, staff_id=staff_id, role=Role.ADMIN, name="Admin", email=email, created_at=AT,
                 token_expires_at=AT + timedelta(days=90))


def test_a_persons_token_finds_them_only_in_their_village_until_replaced(store, tenant):
    store.put_village(village(tenant))
    store.put_staff(staff(tenant), "h1")
    store.put_staff(staff(tenant, "p2", "dua@desa.id"), "h2")
    with pytest.raises(Exception):  # noqa: B017,PT011 - one token hash, one person
        store.put_staff(staff(tenant, "p3", "tiga@desa.id"), "h1")
    assert store.get_staff(tenant, "p3") is None  # nothing of the refused write
    assert store.staff_by_token_hash(tenant, "h1").staff_id == "p1"
    assert store.staff_by_token_hash(f"{tenant}-other", "h1") is None
    assert [(s.staff_id, h) for s, h in store.list_staff(tenant)] == [("p1", "h1"), ("p2", "h2")]
    assert [s.staff_id for s in store.people(tenant)] == ["p1", "p2"]
    assert store.people(f"{tenant}-other") == []
    rotated = staff(tenant).model_copy(update={"token_expires_at": AT + timedelta(days=180)})
    store.replace_staff_token(rotated, "h1", "h1b", audit(tenant, "staff_token_rotated"))
    assert store.staff_by_token_hash(tenant, "h1") is None
    assert store.staff_by_token_hash(tenant, "h1b").token_expires_at == AT + timedelta(days=180)
    store.replace_staff_token(rotated, "h1b", None, audit(tenant, "staff_token_revoked"))
    assert store.staff_by_token_hash(tenant, "h1b") is None
    assert dict((s.staff_id, h) for s, h in store.list_staff(tenant))["p1"] is None
    assert sorted(a.action for a in store.submission_items(tenant, "s1")["audit"]) == [
        "staff_token_revoked", "staff_token_rotated"]
    assert store.remove_staff(tenant, "p2") == 2  # the record and its one token
    assert store.get_staff(tenant, "p2") is None and store.staff_by_token_hash(tenant, "h2") is None
    assert store.remove_staff(tenant, "p2") == 0


def test_revoking_and_rotating_a_person_changes_their_record_not_their_old_tokens_copy(store, tenant):
    store.put_staff(staff(tenant), "h1")
    person = store.get_staff(tenant, "p1")
    rotated = store.rotate_staff(person, "h-new")
    assert rotated.epoch == 1 and store.get_staff(tenant, "p1").epoch == 1
    assert store.staff_by_token_hash(tenant, "h1").epoch == 0  # the old token names the old epoch: refused
    assert store.staff_by_token_hash(tenant, "h-new").epoch == 1
    with pytest.raises(Exception):  # noqa: B017,PT011 - rotated meanwhile: the epoch read is no longer it
        store.rotate_staff(person, "h-newer")
    assert store.staff_by_token_hash(tenant, "h-newer") is None
    assert store.revoke_staff(rotated, AT + timedelta(microseconds=500)) is True
    assert store.get_staff(tenant, "p1").revoked_at == AT
    assert store.revoke_staff(staff(tenant, "ghost"), AT) is False


def test_failed_attempts_are_counted_per_client_and_window(store, tenant):
    key = f"client-{tenant}"
    assert store.auth_failures(key, 7) == 0
    assert [store.count_auth_failure(key, 7, AT, 900) for _ in range(3)] == [1, 2, 3]
    assert store.auth_failures(key, 7) == 3
    assert store.auth_failures(key, 8) == 0 and store.auth_failures(f"{key}-b", 7) == 0


def test_a_sign_in_link_is_used_once_and_a_session_is_the_villages_own(store, tenant):
    store.put_sign_in(tenant, "l1", "p1", 2, AT + timedelta(minutes=15))
    link = store.get_sign_in(tenant, "l1")
    assert link["staff_id"] == "p1" and link["epoch"] == 2 and isinstance(link["epoch"], Decimal)
    assert datetime.fromisoformat(link["expires_at"]) == AT + timedelta(minutes=15)
    with pytest.raises(Exception):  # noqa: B017,PT011 - a link's hash is written once
        store.put_sign_in(tenant, "l1", "p9", 0, AT)
    assert store.get_sign_in(f"{tenant}-other", "l1") is None
    assert store.use_sign_in(tenant, "l1", AT) is True
    assert store.use_sign_in(tenant, "l1", AT) is False
    assert store.use_sign_in(tenant, "never", AT) is False
    assert store.get_sign_in(tenant, "never") is None
    record = {"staff_id": "p1", "epoch": 2, "csrf": "c", "created_at": iso(AT), "last_seen_at": iso(AT)}
    store.put_session(tenant, "s1", record, AT + timedelta(hours=8))
    with pytest.raises(Exception):  # noqa: B017,PT011
        store.put_session(tenant, "s1", record, AT + timedelta(hours=8))
    assert store.get_session(tenant, "s1") == {**record, "epoch": Decimal(2)}
    assert store.get_session(f"{tenant}-other", "s1") is None
    store.touch_session(tenant, "s1", AT + timedelta(minutes=30, microseconds=9))
    assert store.get_session(tenant, "s1")["last_seen_at"] == iso(AT + timedelta(minutes=30))
    store.touch_session(tenant, "gone", AT)  # an ended session is not made again
    assert store.get_session(tenant, "gone") is None
    store.end_session(tenant, "s1")
    assert store.get_session(tenant, "s1") is None


# --- analytics: clicks, metrics, inquiries, once-a-day records --------------------------------------------------

def inquiry(tenant: str, iid: str = "c1", received: datetime = AT, **more) -> Inquiry:
    values = {"tenant_id": tenant, "inquiry_id": iid, "kind": InquiryKind.COMMENT, "page_id": "pg",
              "thread_id": "pg_post", "author_id": "u1", "author_name": "Sri", "text": "Kapan posyandu?",
              "received_at": received}
    return Inquiry(**{**values, **more})


def test_clicks_are_counted_by_item_channel_and_day_and_marks_kept_once(store, tenant):
    for _ in range(2):
        store.count_click(tenant, "kerja-bakti", "facebook", date(2026, 11, 27))
    store.count_click(tenant, "kerja-bakti", "direct", date(2026, 11, 28))
    store.count_click(tenant, "kerja-bakti", "direct", date(2026, 12, 1))
    assert [(c.channel, c.day, c.count) for c in store.clicks_in_month(tenant, "2026-11")] == [
        ("direct", date(2026, 11, 28), 1), ("facebook", date(2026, 11, 27), 2)]
    assert store.clicks_in_month(f"{tenant}-other", "2026-11") == []
    day = date(2026, 11, 27)
    assert store.click_salt(day) == store.click_salt(day) and len(store.click_salt(day)) == 64
    assert store.first_click(tenant, "mark-1", day) is True
    assert store.first_click(tenant, "mark-1", day) is False
    assert store.first_click(tenant, "mark-1", date(2026, 11, 28)) is True
    assert store.first_click(f"{tenant}-other", "mark-1", day) is True


def test_a_days_metrics_are_replaced_when_collected_again(store, tenant):
    acc = AccountSnapshot(tenant_id=tenant, channel="facebook", account_id="pg", day=date(2026, 11, 27),
                          values={"followers": 10}, collected_at=AT)
    store.put_account_snapshot(acc)
    store.put_account_snapshot(acc.model_copy(update={"values": {"followers": 12}}))
    item = ItemSnapshot(tenant_id=tenant, channel="facebook", remote_id="p1", day=date(2026, 11, 27),
                        values={"reactions": 3}, unavailable={"views": "not given"}, collected_at=AT)
    store.put_item_snapshot(item)
    assert [s.values for s in store.account_snapshots(tenant, "2026-11")] == [{"followers": 12}]
    assert store.item_snapshots(tenant, "2026-11") == [item]
    assert store.account_snapshots(tenant, "2026-12") == [] and store.item_snapshots(f"{tenant}-x", "2026-11") == []


def test_an_inquiry_is_recorded_once_answered_once_and_anonymised(store, tenant):
    first = inquiry(tenant)
    assert store.put_inquiry(first) is True
    assert store.put_inquiry(first.model_copy(update={"text": "lain"})) is False
    assert store.get_inquiry(tenant, "c1").text == "Kapan posyandu?"
    assert store.get_inquiry(f"{tenant}-other", "c1") is None
    assert store.mark_answered(first, AT + timedelta(hours=2), "r1") is True
    assert store.mark_answered(first, AT + timedelta(hours=3), "r2") is False
    assert store.get_inquiry(tenant, "c1").answer_id == "r1"
    store.put_inquiry(inquiry(tenant, "m1", AT + timedelta(days=5), kind=InquiryKind.MESSAGE, thread_id="u1"))
    assert [i.inquiry_id for i in store.inquiries_in_month(tenant, "2026-11")] == ["c1"]
    assert [i.inquiry_id for i in store.inquiries_in_month(tenant, "2026-12")] == ["m1"]
    assert sorted(i.inquiry_id for i in store.inquiries_from(tenant, "u1")) == ["c1", "m1"]
    message = store.get_inquiry(tenant, "m1")
    store.anonymise_inquiry(message, "anon-1")
    gone = store.get_inquiry(tenant, "m1")
    assert (gone.author_id, gone.author_name, gone.text, gone.thread_id) == ("anon-1", "", "", "anon-1")
    assert gone.received_at == message.received_at  # the times stay (the report's answer KPI)
    assert store.inquiries_from(tenant, "u1")[0].inquiry_id == "c1"


def test_a_digest_and_a_token_notice_are_recorded_once(store, tenant):
    day = date(2026, 11, 27)
    assert store.record_digest(tenant, day) is True
    assert store.record_digest(tenant, day) is False
    assert store.record_digest(f"{tenant}-other", day) is True
    assert store.record_token_notice(tenant, "tok:warn:2026-12-01", AT) is True
    assert store.record_token_notice(tenant, "tok:warn:2026-12-01", AT) is False
    store.release_token_notice(tenant, "tok:warn:2026-12-01")
    assert store.record_token_notice(tenant, "tok:warn:2026-12-01", AT) is True


# --- the inbox's threads ---------------------------------------------------------------------------------------

def test_an_inquiry_and_its_thread_are_recorded_together_once(store, tenant):
    inbox = store.inbox
    first = inquiry(tenant)
    assert inbox.record(first) is True
    assert inbox.record(first) is False
    thread = inbox.thread(tenant, first.thread_key)
    assert thread["key"] == first.thread_key and thread["author_id"] == "u1" and thread["author_name"] == "Sri"
    assert thread["post_id"] == "pg_post" and thread["kind"] == "comment" and thread["account_id"] == "pg"
    reply = inquiry(tenant, "c2", AT + timedelta(minutes=5), parent_id="c1", author_id="u2", author_name="")
    assert inbox.record(reply) is True
    assert list(inbox.threads(tenant)) == [first.thread_key]  # a reply is in its top comment's thread
    assert inbox.thread(tenant, first.thread_key)["author_id"] == "u1"  # the thread keeps who began it
    assert inbox.thread(tenant, first.thread_key)["last_at"] == iso(AT + timedelta(minutes=5))
    assert inbox.threads(f"{tenant}-other") == {} and inbox.thread(f"{tenant}-other", first.thread_key) is None


def test_an_inquiry_is_answered_once_with_its_audit_entry(store, tenant):
    inbox = store.inbox
    first = inquiry(tenant)
    inbox.record(first)
    answered = Change(audit=audit(tenant, "inquiry_answered"))
    assert inbox.answered(first, AT + timedelta(hours=1), "r1", "kabar", "Pukul 08.00", answered) is True
    assert inbox.answered(first, AT + timedelta(hours=2), "r2", "meta") is False
    got = store.get_inquiry(tenant, "c1")
    assert (got.answer_id, got.answered_via, got.answer_text) == ("r1", "kabar", "Pukul 08.00")
    assert inbox.answered(inquiry(tenant, "never"), AT, "r", "kabar") is False
    assert [a.action for a in store.submission_items(tenant, "s1")["audit"]] == ["inquiry_answered"]


def test_a_private_reply_is_sent_once_and_answers_only_what_was_waiting(store, tenant):
    inbox = store.inbox
    waiting, answered = inquiry(tenant), inquiry(tenant, "c5")
    inbox.record(waiting)
    inbox.record(answered)
    inbox.answered(answered, AT, "r0", "meta")
    assert inbox.private_replied(waiting, AT + timedelta(hours=1), "pm1", "Kami kirim pesan.", Change()) is True
    assert inbox.private_replied(waiting, AT + timedelta(hours=2), "pm2", "lagi", Change()) is False
    got = store.get_inquiry(tenant, "c1")
    assert (got.private_reply_id, got.answer_id, got.answered_via) == ("pm1", "pm1", "kabar")
    answered_now = store.get_inquiry(tenant, "c5")
    assert inbox.private_replied(answered_now, AT + timedelta(hours=1), "pm3", "x", Change()) is True
    assert store.get_inquiry(tenant, "c5").answer_id == "r0"  # the earlier answer stands


def test_settling_without_an_answer_is_all_or_nothing(store, tenant):
    inbox = store.inbox
    a, b, c = inquiry(tenant, "a"), inquiry(tenant, "b"), inquiry(tenant, "c")
    for i in (a, b, c):
        inbox.record(i)
    inbox.answered(c, AT, "r", "meta")
    assert inbox.settle_without_answer([a, c], "admin", AT) is False  # c was answered meanwhile
    assert store.get_inquiry(tenant, "a").no_answer is None
    assert inbox.settle_without_answer([a, b], "thanks", AT, Change(audit=audit(tenant, "settled"))) is True
    assert store.get_inquiry(tenant, "b").no_answer == "thanks"
    assert inbox.settle_without_answer([a], "admin", AT) is False
    assert inbox.settle_without_answer([], "admin", AT) is False


def test_platform_edits_removals_and_hides_apply_once(store, tenant):
    inbox = store.inbox
    first = inquiry(tenant)
    inbox.record(first)
    assert inbox.revise(tenant, "c1", AT + timedelta(minutes=1), "edited", "Kapan posyandu, Pak?") is True
    assert inbox.revise(tenant, "c1", AT + timedelta(minutes=1), "edited", "lama") is False  # not newer
    assert store.get_inquiry(tenant, "c1").text == "Kapan posyandu, Pak?"
    assert inbox.revise(tenant, "c1", AT + timedelta(minutes=2), "remove", None) is True
    assert inbox.revise(tenant, "c1", AT + timedelta(minutes=3), "remove", None) is False
    assert store.get_inquiry(tenant, "c1").no_answer == "deleted"
    assert inbox.revise(tenant, "c1", AT, "hide", None) is True
    assert inbox.revise(tenant, "c1", AT, "hide", None) is False
    assert inbox.revise(tenant, "never", AT, "edited", "x") is False
    assert inbox.revise(tenant, "c1", AT, "reacted", None) is False
    spam = inquiry(tenant, "c9")
    inbox.record(spam)
    assert inbox.hide(spam, AT, Change(audit=audit(tenant, "inquiry_hidden"))) is True
    assert inbox.hide(spam, AT, Change(audit=audit(tenant, "inquiry_hidden"))) is False
    assert store.get_inquiry(tenant, "c9").no_answer == "hidden"


def test_a_thread_changes_only_as_expected_and_forgets_its_author(store, tenant):
    inbox = store.inbox
    first = inquiry(tenant)
    inbox.record(first)
    key = first.thread_key
    assert inbox.update_thread(tenant, key, {"assigned_to": "p1", "seen_at": AT}, expected={"assigned_to": None},
                               change=Change(audit=audit(tenant, "thread_assigned"))) is True
    assert inbox.update_thread(tenant, key, {"assigned_to": "p2"}, expected={"assigned_to": None}) is False
    assert inbox.update_thread(tenant, key, {"assigned_to": "p2"}, expected={"assigned_to": "p1"}) is True
    assert inbox.update_thread(tenant, key, {"seen_at": AT + timedelta(hours=1)}, expected={"seen_at": AT}) is True
    thread = inbox.thread(tenant, key)
    assert thread["assigned_to"] == "p2" and thread["seen_at"] == iso(AT + timedelta(hours=1))
    assert inbox.update_thread(tenant, "no-such-thread", {"assigned_to": "p1"}) is False
    assert inbox.update_thread(f"{tenant}-other", key, {"assigned_to": "p1"}) is False
    with pytest.raises(ValueError):
        inbox.update_thread(tenant, key, {"author_id": "someone"})
    inbox.record(inquiry(f"{tenant}-other"))  # the same person on another village's Page
    assert inbox.forget_author(tenant, "u1", "anon-7") == 1
    assert inbox.thread(f"{tenant}-other", key)["author_id"] == "u1"  # that village's record is its own
    assert (inbox.thread(tenant, key)["author_id"], inbox.thread(tenant, key)["author_name"]) == ("anon-7", "")
    assert inbox.forget_author(tenant, "u1", "anon-7") == 0


# --- reports ---------------------------------------------------------------------------------------------------

def test_a_months_report_is_recorded_again_only_when_its_content_changed(store, tenant):
    keys = {"pdf": f"{tenant}/2026-11/laporan.pdf"}
    assert store.report_record(tenant, "2026-11") is None
    assert store.put_report_record(tenant, "2026-11", keys, "d1", first_issued="2026-12-01") is True
    assert store.put_report_record(tenant, "2026-11", keys, "d1") is False
    assert store.put_report_record(tenant, "2026-11", keys, "d2") is True
    record = store.report_record(tenant, "2026-11")
    assert record["digest"] == "d2" and record["keys"] == keys
    store.put_report_record(tenant, "2026-10", {"pdf": "x"}, "d0")
    assert store.report_issued_at(tenant, "2026-11", "f1", "2026-12-01T07:00:00+07:00") == "2026-12-01T07:00:00+07:00"
    assert store.report_issued_at(tenant, "2026-11", "f1", "2026-12-02T07:00:00+07:00") == "2026-12-01T07:00:00+07:00"
    assert [r["month"] for r in store.reports(tenant)] == ["2026-11", "2026-10"]  # newest first, no issue dates
    assert store.reports(f"{tenant}-other") == [] and store.report_record(f"{tenant}-other", "2026-11") is None


# --- scheduled jobs: the directory, the Page lookup, runs once a period ----------------------------------------

def test_the_directory_pages_a_partition_and_the_page_lookup_follows_the_village(store, tenant):
    a, b = f"{tenant}-a", f"{tenant}-b"
    for v in (a, b):
        store.put_village(village(v).model_copy(update={"kabupaten": "Gunung Kidul"}))
    shard = shard_of(a)
    mine = [i for i in store.village_ids(shard, None, 1000) if i.startswith(tenant)]
    assert a in mine
    first = store.village_ids(shard, None, 1)
    assert len(first) == 1 and store.village_ids(shard, first[0], 1) != first
    assert store.village_ids(shard, a, 1000) == [i for i in store.village_ids(shard, None, 1000) if i > a]
    assert "Gunung Kidul" in store.regencies()
    page = f"pg-{tenant}"
    social = [ChannelConfig(type="facebook", page_id=page, secret_name="s")]
    store.put_village(village(a).model_copy(update={"channels": {Procedure.SOCIAL: social}}))
    assert store.village_for_page(page) == a
    with pytest.raises(Conflict):  # another village's Page
        store.put_village(village(b).model_copy(update={"channels": {Procedure.SOCIAL: social}}))
    assert store.get_village(b).channels == {}
    store.put_village(village(a))  # the Page removed from a: free again
    assert store.village_for_page(page) is None


def test_the_directory_backfill_writes_what_is_missing_once_and_takes_no_page(store, tenant):
    """A village saved before the directory existed (here: never put) gets its entry, its kabupaten's
    and its Page lookup; a second run writes nothing; another village naming that Page is refused it."""
    a, b, page, kab = f"{tenant}-a", f"{tenant}-b", f"pg-{tenant}", f"Kabupaten {tenant}"
    social = {Procedure.SOCIAL: [ChannelConfig(type="facebook", page_id=page, secret_name="s")]}
    old = village(a).model_copy(update={"kabupaten": kab, "channels": social})
    done = store.backfill_directory(old)
    assert done.written == [f"VILLAGEDIR#{shard_of(a):02d}/{a}", f"REGENCYDIR/{kabupaten_slug(kab)}",
                            f"PAGE#{page}/PAGE"] and not done.present and not done.conflicts
    assert a in store.village_ids(shard_of(a), None, 1000) and kab in store.regencies()
    assert store.village_for_page(page) == a
    again = store.backfill_directory(old)
    assert again.written == [] and again.present == done.written and not again.conflicts
    other = store.backfill_directory(village(b).model_copy(update={"channels": social}))
    assert other.conflicts == [f"PAGE#{page}/PAGE -> {a}"] and store.village_for_page(page) == a


def test_a_job_run_is_claimed_once_a_period_released_only_while_queued(store, tenant):
    assert store.job_run(tenant, "sla-watch", "2026-11-27") is None
    assert store.claim_job_run(tenant, "sla-watch", "2026-11-27", AT) is True
    assert store.claim_job_run(tenant, "sla-watch", "2026-11-27", AT) is False
    assert store.claim_job_run(tenant, "sla-watch", "2026-11-28", AT) is True
    assert store.job_run(tenant, "sla-watch", "2026-11-27")["status"] == "queued"
    store.release_job_run(tenant, "sla-watch", "2026-11-27")
    assert store.claim_job_run(tenant, "sla-watch", "2026-11-27", AT) is True
    store.finish_job_run(tenant, "sla-watch", "2026-11-27", AT, {"reminded": 2})
    store.release_job_run(tenant, "sla-watch", "2026-11-27")  # done: kept
    run = store.job_run(tenant, "sla-watch", "2026-11-27")
    assert run["status"] == "done" and json.loads(run["result"]) == {"reminded": 2} and run["ttl"] > 0
    store.finish_job_run("kabupaten:gunung-kidul", "regency-report", "2026-11", AT, {})  # no claim: made here
    assert store.job_run("kabupaten:gunung-kidul", "regency-report", "2026-11")["status"] == "done"
    assert store.job_run(f"{tenant}-other", "sla-watch", "2026-11-27") is None


def test_of_many_concurrent_conditional_writes_exactly_one_wins(store, tenant):
    store.put_sign_in(tenant, "l1", "p1", 0, AT + timedelta(minutes=15))
    store.put_inquiry(inquiry(tenant))
    with ThreadPoolExecutor(max_workers=8) as pool:
        claims = list(pool.map(lambda _: store.claim_once(tenant, "s1", "remind", AT), range(8)))
        runs = list(pool.map(lambda _: store.claim_job_run(tenant, "sla-watch", "2026-11-27", AT), range(8)))
        links = list(pool.map(lambda _: store.use_sign_in(tenant, "l1", AT), range(8)))
        answers = list(pool.map(lambda n: store.mark_answered(inquiry(tenant), AT, f"r{n}"), range(8)))
    assert [sum(x) for x in (claims, runs, links, answers)] == [1, 1, 1, 1]
    assert store.get_inquiry(tenant, "c1").answer_id == f"r{answers.index(True)}"
