"""Notices: every email Kabar sends is promised as an outbox notice, then delivered here once.

A use case commits its notices with its change (``domain.outbox``); the relay announces each new one
(``NoticeDue``) and :func:`deliver` sends it: claimed for a short lease, composed, sent, marked sent.
A failed send is released and retried by the queue, never forgotten (the queue's DLQ is alarmed); a
retry finds a sent notice sent and does nothing, so nobody gets the same email twice because someone
else's failed. The one window left is a crash after the mail service took the email and before it was
marked sent: then it is sent again rather than never (an email lost is worse than one repeated).

Most notices carry their email already rendered (the content was computed with the change: a report's
figures, a digest's list); a review link is composed at sending time, because its token is secret and
only its hash may be stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger

from .. import web
from ..domain.clock import now
from ..domain.outbox import Notice
from ..ports import Mail

if TYPE_CHECKING:
    from ..services import Services

logger = Logger(child=True)

#: how long a sender holds a notice before another may try it (a send takes seconds)
LEASE_SECONDS = 120


class Skip(Exception):  # noqa: N818 - a composer's answer, not an error
    """The notice no longer needs sending (say, the draft was decided before its link went out)."""


class NoticeBusy(RuntimeError):
    """Another sender holds the notice's lease: the queue brings the message back later."""


def rendered(tenant_id: str, purpose: str, subject: str, recipients: Iterable[str], mail_subject: str,
             text: str, html: str, submission_id: str | None = None,
             reply_to: tuple[str, ...] = ()) -> list[Notice]:
    """One notice per recipient for an email whose content is decided now."""
    body = {"subject": mail_subject, "text": text, "html": html, "reply_to": list(reply_to)}
    return [Notice(tenant_id=tenant_id, purpose=purpose, subject=subject, recipient=str(r),
                   submission_id=submission_id, params={"mail": body})
            for r in dict.fromkeys(str(r) for r in recipients)]


def _prerendered(notice: Notice, svc: Services, at: datetime) -> Mail:
    body = notice.params["mail"]
    return Mail(to=(notice.recipient,), subject=body["subject"], text=body["text"], html=body["html"],
                reply_to=tuple(body.get("reply_to") or ()), tags={"kind": notice.purpose})


def _composers() -> dict[str, Callable[[Notice, Services, datetime], Mail]]:
    from . import review, sessions, undo

    return {"review_link": review.review_link_mail, "sign_in_link": sessions.sign_in_link_mail,
            "undo_link": undo.undo_link_mail}


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
    compose = _composers().get(notice.purpose, _prerendered)
    try:
        mail = compose(notice, svc, at)
    except Skip as why:
        svc.store.mark_notice(tenant_id, notice_id, at, skipped=str(why) or "not needed")
        logger.info("notice not needed", extra={"purpose": notice.purpose, "why": str(why)})
        return Delivery(notice_id, "skipped")
    except Exception:
        svc.store.release_notice(tenant_id, notice_id)
        raise
    web.seen(f"subject: {notice.purpose}", mail.subject)  # its reader sees the subject first
    try:
        message_id = svc.mailer.send(mail)
    except Exception:
        svc.store.release_notice(tenant_id, notice_id)
        raise
    svc.store.mark_notice(tenant_id, notice_id, at, message_id=message_id)
    logger.info("notice sent", extra={"purpose": notice.purpose, "submission_id": notice.submission_id,
                                      "notice_subject": notice.subject})
    return Delivery(notice_id, "sent", message_id)
