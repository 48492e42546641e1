"""The outbox: what a state change promises to do next, written in the same transaction as the change.

A use case states its change as a :class:`Change`: the audit entry, the events for other functions and
the notices (emails) for people. The store commits them with the state in one DynamoDB transaction;
a relay fed by the table's stream delivers each outbox item at least once, and every consumer is
idempotent. Nothing is "written, then hoped for".

A notice is keyed by what it is for (purpose, subject, recipient), so the same notice committed twice
is one item, and a sender that delivers it marks it sent: a retry never reaches a recipient who
already has it, and one failed send never re-sends to the others.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .events import Event
from .models import AuditEntry


class Notice(BaseModel):
    """One email to one person, sent once."""
    model_config = ConfigDict(defer_build=True)  # built when first used (cold start)

    tenant_id: str
    purpose: str  # review_link, rejected, revision, publish_failed, publish_late, report, digest, ...
    #: what it is about, version included, within its submission (if any): "draft:social:v2", "report:2026-11"
    subject: str
    recipient: str  # an email address
    submission_id: str | None = None
    #: what the sender needs to compose it: ids (a link made when sent), or the template and facts of an
    #: email decided now (``usecases.notices.promised``); a notice promised before facts were kept holds
    #: its email already rendered (``mail``)
    params: dict[str, Any] = Field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.purpose}|{self.submission_id or '-'}|{self.subject}|{self.recipient.lower()}"

    @property
    def notice_id(self) -> str:
        """The same notice always has the same id (per village): committed twice, it is one item."""
        return hashlib.sha256(f"{self.tenant_id}|{self.key}".encode()).hexdigest()[:32]


def event_id() -> str:
    """Events are not deduplicated here: their consumers are idempotent (and a republish is a new event)."""
    return secrets.token_hex(16)


@dataclass
class Change:
    """A use case's consequences, committed with its state in one transaction."""

    audit: AuditEntry | None = None
    events: list[Event] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    #: further audit entries of the same change (say, a draft withdrawn with the decision), sealed after ``audit``
    more_audit: list[AuditEntry] = field(default_factory=list)

    @property
    def audits(self) -> list[AuditEntry]:
        return ([self.audit] if self.audit else []) + list(self.more_audit)

    def __bool__(self) -> bool:
        return bool(self.audit or self.events or self.notices or self.more_audit)


class NoticeDue(BaseModel):
    """What the relay puts on the bus for a notice: the sender reads the notice by its id."""
    model_config = ConfigDict(defer_build=True)  # built when first used (cold start)

    tenant_id: str
    notice_id: str
    purpose: str
    occurred_at: datetime

    @classmethod
    def detail_type(cls) -> str:
        return "NoticeDue"


class NoticeRecord(BaseModel):
    """A notice as stored: delivered at most once to its recipient, never forgotten until it is."""
    model_config = ConfigDict(defer_build=True)  # built when first used (cold start)

    notice: Notice
    created_at: datetime
    sent_at: datetime | None = None
    message_id: str | None = None
    skipped: str | None = None  # why it was not sent (e.g. the draft was decided meanwhile)
    attempts: int = 0
