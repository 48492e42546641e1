"""The SLA watch's rules with a controlled clock: what is due, for which draft version, when."""

from datetime import date, datetime, timedelta

from kabar.domain.clock import WIB
from kabar.domain.models import (
    Activity,
    Draft,
    DraftStatus,
    Procedure,
    Publication,
    PublicationStatus,
    Submission,
    SubmissionStatus,
)
from kabar.domain.sla import Due, due_actions

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=WIB)  # documentation complete
SID = "0123456789abcdef0123"


def _submission(status=SubmissionStatus.COMPLETE, procedures=(Procedure.WEBSITE,)) -> Submission:
    return Submission(tenant_id="purwobinangun", submission_id=SID, submitter_id="s1", submitter_name="Sri",
                      submitter_email="sri@purwobinangun.desa.id",
                      activity=Activity(title="Kerja Bakti", date=date(2026, 11, 27), location="Ngepring"),
                      narrative="n" * 50, procedures=list(procedures), status=status,
                      created_at=T0 - timedelta(hours=1), completed_at=T0)


def _draft(status=DraftStatus.IN_REVIEW, version=1, created=T0 + timedelta(minutes=5), decided=None) -> Draft:
    return Draft(tenant_id="purwobinangun", submission_id=SID, procedure=Procedure.WEBSITE, version=version,
                 status=status, title="Kerja Bakti", created_at=created, decided_at=decided)


def _due(submission, drafts, pubs, at):
    return [(a.due, a.version) for a in due_actions(submission, drafts, pubs, at)]


def test_nothing_is_due_before_half_of_the_reviewers_hour():
    assert _due(_submission(), [_draft()], [], T0 + timedelta(minutes=34)) == []


def test_the_reviewer_is_reminded_at_half_the_hour_and_escalated_when_it_is_over():
    ready = T0 + timedelta(minutes=5)
    assert _due(_submission(), [_draft()], [], ready + timedelta(minutes=30)) == [(Due.REMIND, 1)]
    assert _due(_submission(), [_draft()], [], ready + timedelta(minutes=59)) == [(Due.REMIND, 1)]
    assert _due(_submission(), [_draft()], [], ready + timedelta(hours=1)) == [(Due.ESCALATE, 1)]


def test_each_version_has_its_own_clock():
    revised = _draft(version=2, created=T0 + timedelta(hours=3))
    old = _draft(status=DraftStatus.SUPERSEDED)
    assert _due(_submission(), [revised, old], [], T0 + timedelta(hours=3, minutes=10)) == []
    actions = due_actions(_submission(), [old, revised], [], T0 + timedelta(hours=3, minutes=45))
    assert [(a.due, a.version, a.key) for a in actions] == [(Due.REMIND, 2, "remind#website#0002")]


def test_a_lost_completion_is_redriven_and_flagged_late_after_two_hours():
    assert _due(_submission(), [], [], T0 + timedelta(minutes=10)) == []
    assert _due(_submission(), [], [], T0 + timedelta(minutes=15)) == [(Due.REDRIVE_COMPLETED, 0)]
    assert _due(_submission(), [], [], T0 + timedelta(hours=2)) == [(Due.REDRIVE_COMPLETED, 0), (Due.DRAFT_LATE, 0)]


def test_a_correction_not_sent_within_two_hours_is_flagged():
    asked = _draft(status=DraftStatus.REVISION_REQUESTED, decided=T0 + timedelta(minutes=20))
    assert _due(_submission(), [asked], [], T0 + timedelta(hours=2, minutes=19)) == []
    assert _due(_submission(), [asked], [], T0 + timedelta(hours=2, minutes=20)) == [(Due.DRAFT_LATE, 1)]


def test_an_approval_without_a_publication_is_redriven_but_not_one_being_published():
    approved = _draft(status=DraftStatus.APPROVED, decided=T0 + timedelta(minutes=30))
    at = T0 + timedelta(minutes=50)
    assert _due(_submission(), [approved], [], at) == [(Due.REDRIVE_APPROVED, 1)]
    pub = Publication(tenant_id="purwobinangun", submission_id=SID, procedure=Procedure.WEBSITE, version=1,
                      channel="static_site", status=PublicationStatus.PENDING, marker="m")
    assert _due(_submission(), [approved], [pub], at) == []


def test_closed_receiving_and_decided_submissions_need_nothing():
    late = T0 + timedelta(days=1)
    assert _due(_submission(SubmissionStatus.REJECTED), [], [], late) == []
    receiving = _submission(SubmissionStatus.RECEIVING).model_copy(update={"completed_at": None})
    assert _due(receiving, [], [], late) == []
    assert _due(_submission(), [_draft(status=DraftStatus.PUBLISHED)], [], late) == []
