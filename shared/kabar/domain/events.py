"""Events on the ``kabar`` bus: ``source`` is ``kabar``, ``detail-type`` the class name."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from .models import Procedure

SOURCE = "kabar"


class Event(BaseModel):
    # each event's validator is built when first used, not at import (cold start, issue 15)
    model_config = ConfigDict(defer_build=True)

    tenant_id: str
    submission_id: str
    occurred_at: datetime

    @classmethod
    def detail_type(cls) -> str:
        return cls.__name__


class SubmissionCompleted(Event):
    """Every declared file arrived and passed intake: drafting can start (SOP step 2)."""


class VideoDrafted(Event):
    """The video step is done with a submission's video: its copies are ready, or it was refused or
    came too late (``status``). The social draft, which waits for it, can be made."""

    asset_id: str
    status: str  # ready | refused | late


class RevisionSubmitted(Event):
    procedure: Procedure
    version: int


class DraftReady(Event):
    procedure: Procedure
    version: int


class _Decided(Event):
    procedure: Procedure
    version: int
    reviewer: str
    note: str | None = None


class DraftApproved(_Decided):
    pass


class DraftRejected(_Decided):
    reason: str | None = None


class RevisionRequested(_Decided):
    pass


class ContentPublished(Event):
    procedure: Procedure
    version: int
    channel: str
    url: str | None = None


class ChannelCheckDue(Event):
    """Ask one channel again about a post it is still processing (not on the bus: a delayed message the
    publication function sends to its own queue). ``check`` numbers the question: an older one is stale."""

    procedure: Procedure
    version: int
    channel: str
    check: int


EVENT_TYPES: dict[str, type[Event]] = {
    cls.__name__: cls
    for cls in (SubmissionCompleted, VideoDrafted, RevisionSubmitted, DraftReady, DraftApproved, DraftRejected,
                RevisionRequested, ContentPublished, ChannelCheckDue)
}


def parse_event(detail_type: str, detail: dict) -> Event:
    try:
        model = EVENT_TYPES[detail_type]
    except KeyError:
        raise ValueError(f"unknown event type {detail_type!r}") from None
    return model.model_validate(detail)
