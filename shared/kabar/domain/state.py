"""The draft's state machine (SOP step 3's decision: TERIMA / TOLAK / correction)."""

from __future__ import annotations

from .errors import InvalidTransition
from .models import Decision, DraftStatus
from .text import t

#: status after each decision on a draft under review
DECISION_OUTCOME: dict[Decision, DraftStatus] = {
    Decision.APPROVE: DraftStatus.APPROVED,
    Decision.REJECT: DraftStatus.REJECTED,
    Decision.REVISE: DraftStatus.REVISION_REQUESTED,
}

_ALLOWED: dict[DraftStatus, set[DraftStatus]] = {
    DraftStatus.IN_REVIEW: {DraftStatus.APPROVED, DraftStatus.REJECTED,
                            DraftStatus.REVISION_REQUESTED, DraftStatus.SUPERSEDED},
    DraftStatus.REVISION_REQUESTED: {DraftStatus.SUPERSEDED, DraftStatus.REJECTED},
    DraftStatus.APPROVED: {DraftStatus.PUBLISHED, DraftStatus.REJECTED},
    DraftStatus.REJECTED: set(),
    DraftStatus.SUPERSEDED: set(),
    DraftStatus.PUBLISHED: set(),
}


#: what a TOLAK of the whole activity withdraws on the other procedure (never what is already online)
WITHDRAWABLE = {DraftStatus.IN_REVIEW, DraftStatus.REVISION_REQUESTED, DraftStatus.APPROVED}


def can_move(current: DraftStatus, target: DraftStatus) -> bool:
    return target in _ALLOWED[current]


def decide(current: DraftStatus, decision: Decision) -> DraftStatus:
    """The status a decision leads to; only a draft under review can be decided."""
    target = DECISION_OUTCOME[decision]
    if current is not DraftStatus.IN_REVIEW or not can_move(current, target):
        raise InvalidTransition(t(
            "Draf ini sudah diputuskan sebelumnya.", "This draft has already been decided."))
    return target


def note_required(decision: Decision) -> bool:
    """A rejection must tell the submitter why; a correction must say what to correct."""
    return decision in (Decision.REJECT, Decision.REVISE)
