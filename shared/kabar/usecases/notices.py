"""Notices: every email Kabar sends is promised as an outbox notice, then delivered here once.

A use case commits its notices with its change (``domain.outbox``); the relay announces each new one
(``NoticeDue``) and :func:`deliver` sends it: claimed for a short lease, composed, sent, marked sent.
A failed send is released and retried by the queue, never forgotten (the queue's DLQ is alarmed); a
retry finds a sent notice sent and does nothing, so nobody gets the same email twice because someone
else's failed. The one window left is a crash after the mail service took the email and before it was
marked sent: then it is sent again rather than never (an email lost is worse than one repeated).

Most notices carry the facts their email tells, decided with the change (a report's figures, a digest's
list: ``domain.facts``), and the template that shows them; the email is written out when it is sent, by
the ``MailComposer`` at the edge. A review, sign-in or undo link is composed at sending time, because its
token is secret and only its hash may be stored. A notice promised before notices kept facts carries
its email already rendered (``params["mail"]``) and is sent as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from ..domain import facts as kept
from ..domain.clock import now
from ..domain.outbox import Notice
from ..messages import Letter, Mail

if TYPE_CHECKING:
    from ..services import Services

logger = Logger(child=True)

#: how long a sender holds a notice before another may try it (a send takes seconds)
LEASE_SECONDS = 120


class Skip(Exception):  # noqa: N818 - a composer's answer, not an error
    """The notice no longer needs sending (say, the draft was decided before its link went out)."""


class NoticeBusy(RuntimeError):
    """Another sender holds the notice's lease: the queue brings the message back later."""


def promised(tenant_id: str, purpose: str, subject: str, recipients: Iterable[str], mail_subject: str,
             template: str, facts: dict[str, Any], submission_id: str | None = None,
             reply_to: tuple[str, ...] = ()) -> list[Notice]:
    """One notice per recipient for an email whose content is decided now: ``facts`` are what
    ``template`` (``email/<name>``, written out when sent) shows, kept as they are now."""
    params = {"template": template, "mail_subject": mail_subject, "reply_to": list(reply_to),
              "facts": kept.encode(facts)}
    return [Notice(tenant_id=tenant_id, purpose=purpose, subject=subject, recipient=str(r),
                   submission_id=submission_id, params=params)
            for r in dict.fromkeys(str(r) for r in recipients)]


def _prerendered(notice: Notice) -> Mail:
    """A notice promised before notices kept facts: its email as it was rendered then."""
    body = notice.params["mail"]
    return Mail(to=(notice.recipient,), subject=body["subject"], text=body["text"], html=body["html"],
                reply_to=tuple(body.get("reply_to") or ()), tags={"kind": notice.purpose})


def _stored(notice: Notice, svc: Services, at: datetime) -> Letter:
    """The letter a notice's facts make (see :func:`promised`)."""
    params = notice.params
    return Letter(to=(notice.recipient,), subject=params["mail_subject"], template=params["template"],
                  facts=kept.decode(params["facts"]), reply_to=tuple(params.get("reply_to") or ()),
                  tags={"kind": notice.purpose})


def _composers() -> dict[str, Callable[[Notice, Services, datetime], Letter]]:
    from . import review, sessions, undo

    return {"review_link": review.review_link_mail, "sign_in_link": sessions.sign_in_link_mail,
            "undo_link": undo.undo_link_mail}


def mail_of(notice: Notice, svc: Services, at: datetime) -> Mail:
    """The email a notice sends: written out now from its facts (or a link composed now), or as stored."""
    if "mail" in notice.params:
        return _prerendered(notice)
    letter = _composers().get(notice.purpose, _stored)(notice, svc, at)
    return svc.mail_composer.compose(letter)


@dataclass(frozen=True)
class Delivery:
    notice_id: str
    outcome: str  # sent | already | skipped | missing
    message_id: str | None = None


def deliver(tenant_id: str, notice_id: str, svc: Services, at: datetime | None = None) -> Delivery:
    """Send one notice once. Raises when the send failed (the caller's queue retries) or is held elsewhere."""
    at = at or now()
    record = svc.store.get_notice(tenant_id, notice_id)
    if record is None:
        logger.warning("notice not found", extra={"tenant_id": tenant_id, "notice_id": notice_id})
        return Delivery(notice_id, "missing")
    if record.sent_at is not None or record.skipped is not None:
        return Delivery(notice_id, "already", record.message_id)
    if not svc.store.claim_notice(tenant_id, notice_id, at, LEASE_SECONDS):
        again = svc.store.get_notice(tenant_id, notice_id)
        if again is not None and (again.sent_at is not None or again.skipped is not None):
            return Delivery(notice_id, "already", again.message_id)
        raise NoticeBusy(f"notice {notice_id} is being sent by another delivery")
    notice = record.notice
    try:
        mail = mail_of(notice, svc, at)
    except Skip as why:
        svc.store.mark_notice(tenant_id, notice_id, at, skipped=str(why) or "not needed")
        logger.info("notice not needed", extra={"purpose": notice.purpose, "why": str(why)})
        return Delivery(notice_id, "skipped")
    except Exception:
        svc.store.release_notice(tenant_id, notice_id)
        raise
    try:
        message_id = svc.mailer.send(mail)
    except Exception:
        svc.store.release_notice(tenant_id, notice_id)
        raise
    svc.store.mark_notice(tenant_id, notice_id, at, message_id=message_id)
    logger.info("notice sent", extra={"purpose": notice.purpose, "submission_id": notice.submission_id,
                                      "notice_subject": notice.subject})
    return Delivery(notice_id, "sent", message_id)
