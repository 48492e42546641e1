"""The draft's state machine: only a draft under review can be decided, once."""

import pytest

from kabar.domain import state
from kabar.domain.errors import InvalidTransition
from kabar.domain.models import Decision, DraftStatus


@pytest.mark.parametrize(("decision", "outcome"), [
    (Decision.APPROVE, DraftStatus.APPROVED),
    (Decision.REJECT, DraftStatus.REJECTED),
    (Decision.REVISE, DraftStatus.REVISION_REQUESTED),
])
def test_a_draft_under_review_takes_each_decision(decision, outcome):
    assert state.decide(DraftStatus.IN_REVIEW, decision) is outcome


@pytest.mark.parametrize("status", [s for s in DraftStatus if s is not DraftStatus.IN_REVIEW])
@pytest.mark.parametrize("decision", list(Decision))
def test_anything_else_cannot_be_decided_again(status, decision):
    with pytest.raises(InvalidTransition) as err:
        state.decide(status, decision)
    assert "sudah diputuskan" in err.value.message.id


def test_publishing_only_follows_approval():
    assert state.can_move(DraftStatus.APPROVED, DraftStatus.PUBLISHED)
    assert not state.can_move(DraftStatus.IN_REVIEW, DraftStatus.PUBLISHED)
    assert not state.can_move(DraftStatus.REJECTED, DraftStatus.PUBLISHED)


def test_only_a_refused_activity_withdraws_a_decided_draft():
    for status in state.WITHDRAWABLE:
        assert state.can_move(status, DraftStatus.REJECTED)
    assert not state.can_move(DraftStatus.PUBLISHED, DraftStatus.REJECTED)  # what is online stays online


def test_reject_and_revise_need_a_note():
    assert state.note_required(Decision.REJECT) and state.note_required(Decision.REVISE)
    assert not state.note_required(Decision.APPROVE)
