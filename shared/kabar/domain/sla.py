"""The SLA watch's rules: what is due for one submission at one instant (pure; no clock, no AWS).

- half of the PPID's hour gone on a draft under review -> remind the reviewer;
- the hour over -> escalate: the link to the deputy reviewers as well, and tell the admins;
- drafts (or a correction asked for) past the 2-hour limit -> tell the admins;
- a state written but its event lost -> re-drive it: a complete submission with no draft
  re-emits SubmissionCompleted, an approved draft with no publication re-emits DraftApproved;
- a publication stranded (a channel still pending long after its last attempt: its message gave up,
  say after a long outage) -> re-driven every hour until the end of H+1, the admins told once; past
  H+1 it needs the admin's attention (``perlu_tindakan``), and the admins are told that once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from . import sop
from .clock import to_wib
from .models import Draft, DraftStatus, Procedure, Publication, PublicationStatus, Submission, SubmissionStatus

#: how long an event may take to be consumed before the watch thinks it was lost
REDRIVE_AFTER = timedelta(minutes=15)
#: older submissions are not watched any more (their clocks are long over)
WATCH_DAYS = 7
#: a pending channel untouched this long is stranded: beyond the longest retry wait (1 hour) and its run
STRANDED_AFTER = timedelta(minutes=75)


class Due(StrEnum):
    REMIND = "remind"
    ESCALATE = "escalate"
    DRAFT_LATE = "draft_late"
    REDRIVE_COMPLETED = "redrive_completed"
    REDRIVE_APPROVED = "redrive_approved"
    REDRIVE_STRANDED = "redrive_stranded"
    PUBLISH_STALLED = "publish_stalled"
    PUBLISH_ATTENTION = "publish_attention"


@dataclass(frozen=True)
class Action:
    due: Due
    submission_id: str
    procedure: Procedure | None = None
    version: int = 0
    slot: str = ""  # for an action repeated on a schedule (a re-drive each hour): which turn this is

    @property
    def key(self) -> str:
        """What makes it happen once: the same action on the same draft version is never repeated."""
        base = f"{self.due.value}#{self.procedure.value if self.procedure else '-'}#{self.version:04d}"
        return f"{base}#{self.slot}" if self.slot else base


def pengingat_keputusan(draft_ready_at: datetime) -> datetime:
    """Half of step 3's hour: when the reviewer is reminded."""
    return to_wib(draft_ready_at) + sop.WAKTU_KEPUTUSAN / 2


def terdampar(pub: Publication, draft: Draft, at: datetime) -> bool:
    """A channel still pending long after its last attempt (or the approval): its delivery gave up."""
    last = pub.updated_at or draft.decided_at
    return pub.status is PublicationStatus.PENDING and last is not None and at >= to_wib(last) + STRANDED_AFTER


def perlu_tindakan(pub: Publication, activity_date: date, at: datetime) -> bool:
    """Past H+1 and still not online (stranded or failed for good): it waits for the admin to act."""
    return pub.status is not PublicationStatus.PUBLISHED and to_wib(at) > sop.batas_unggah(activity_date)


def due_actions(submission: Submission, drafts: list[Draft], publications: list[Publication],
                at: datetime) -> list[Action]:
    at = to_wib(at)
    sid = submission.submission_id
    if submission.status is SubmissionStatus.REJECTED or submission.completed_at is None:
        return []
    out: list[Action] = []
    latest: dict[Procedure, Draft] = {}
    for draft in sorted(drafts, key=lambda d: d.version):
        latest[draft.procedure] = draft
    missing = [p for p in submission.procedures if p not in latest]
    if missing and at >= to_wib(submission.completed_at) + REDRIVE_AFTER:
        out.append(Action(Due.REDRIVE_COMPLETED, sid))
    for procedure in missing:
        if at >= sop.batas_draf(submission.completed_at):
            out.append(Action(Due.DRAFT_LATE, sid, procedure, 0))
    for procedure, draft in latest.items():
        if draft.status is DraftStatus.IN_REVIEW:
            if at >= sop.batas_keputusan(draft.created_at):
                out.append(Action(Due.ESCALATE, sid, procedure, draft.version))
            elif at >= pengingat_keputusan(draft.created_at):
                out.append(Action(Due.REMIND, sid, procedure, draft.version))
        elif draft.status is DraftStatus.REVISION_REQUESTED and draft.decided_at is not None:
            if at >= sop.batas_draf(draft.decided_at):
                out.append(Action(Due.DRAFT_LATE, sid, procedure, draft.version))
        elif draft.status is DraftStatus.APPROVED and draft.decided_at is not None:
            published = [p for p in publications if p.procedure == procedure and p.version == draft.version]
            if not published and at >= to_wib(draft.decided_at) + REDRIVE_AFTER:
                out.append(Action(Due.REDRIVE_APPROVED, sid, procedure, draft.version))
            stranded = [p for p in published if terdampar(p, draft, at)]
            if stranded and at <= sop.batas_unggah(submission.activity.date):
                out.append(Action(Due.REDRIVE_STRANDED, sid, procedure, draft.version, slot=f"{at:%Y%m%d%H}"))
                out.append(Action(Due.PUBLISH_STALLED, sid, procedure, draft.version))
            elif any(perlu_tindakan(p, submission.activity.date, at) for p in published):
                out.append(Action(Due.PUBLISH_ATTENTION, sid, procedure, draft.version))
    return out
