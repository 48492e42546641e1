"""Signing in to the workspace without passwords, and the cookie session that follows.

- A personal sign-in link (``/app/masuk/<token>``) is 256 random bits, stored as a hash, bound to one
  person and their epoch, expiring (``SIGN_IN_LINK_TTL``) and single-use. Opening it (GET, HEAD)
  changes nothing: only the button on that page (a POST) signs in, so mail scanners sign nobody in.
- The session cookie holds ``<village>.<256 random bits>``; the table holds only its hash, the person,
  their epoch, a CSRF secret, and when it began and was last used (idle and absolute expiry).
- Every check re-reads the person: revoked or rotated (People page) ends every session at once.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from aws_lambda_powertools import Logger

from ..domain.clock import iso, now, to_wib
from ..domain.models import AuditEntry, Staff
from ..domain.outbox import Change, Notice
from ..domain.tokens import new_token, split_token, token_hash
from ..domain.workspace import (
    SESSION_TOUCH_EVERY,
    SIGN_IN_LINK_TTL,
    WORKSPACE_ROLES,
    session_expires,
    when_id,
)
from ..messages import Letter
from ..services import Services

logger = Logger(child=True)

COOKIE = "kabar_session"


@dataclass(frozen=True)
class Session:
    staff: Staff
    session_hash: str
    csrf: str  # the form token bound to this session
    expires_at: datetime


def audit(svc: Services, staff_or_actor: Staff | str, tenant_id: str, action: str, subject: str,
          at: datetime, note: str | None = None, submission_id: str = "workspace",
          from_state: str | None = None, to_state: str | None = None, notices: list[Notice] | None = None) -> None:
    """Every workspace action goes onto the village's audit trail, naming who did it, in one transaction
    with the emails it promises."""
    actor = staff_or_actor if isinstance(staff_or_actor, str) else f"{staff_or_actor.role.value}:{staff_or_actor.email}"
    entry = AuditEntry(tenant_id=tenant_id, submission_id=submission_id, at=at, actor=actor, action=action,
                       subject=subject, note=note, from_state=from_state, to_state=to_state)
    svc.store.commit_change(Change(audit=entry, notices=notices or []))


def _active(svc: Services, tenant_id: str, staff_id: str, epoch: int) -> Staff | None:
    staff = svc.store.get_staff(tenant_id, staff_id)
    if staff is None or staff.revoked_at is not None or staff.epoch != epoch or staff.role not in WORKSPACE_ROLES:
        return None
    return staff


# --- the personal sign-in link -------------------------------------------------------------------

def issue_sign_in_link(staff: Staff, svc: Services, at: datetime | None = None) -> str:
    at = at or now()
    token = new_token(staff.tenant_id)
    svc.store.put_sign_in(staff.tenant_id, token_hash(token), staff.staff_id, staff.epoch, at + SIGN_IN_LINK_TTL)
    return f"{svc.settings.public_url.rstrip('/')}/app/masuk/{token}"


def sign_in_notice(staff: Staff, at: datetime) -> Notice:
    """The email with a personal sign-in link, promised as a notice: its token is made when it is sent
    (like a review link), so no usable link ever rests in the table."""
    return Notice(tenant_id=staff.tenant_id, purpose="sign_in_link", recipient=str(staff.email),
                  subject=f"staff:{staff.staff_id}:e{staff.epoch}:{at.isoformat()}",
                  params={"staff_id": staff.staff_id, "epoch": staff.epoch})


def send_sign_in_link(staff: Staff, svc: Services, at: datetime | None = None) -> str:
    """Promise the email with a fresh personal link; returns the notice id."""
    notice = sign_in_notice(staff, at or now())
    svc.store.enqueue(Change(notices=[notice]))
    return notice.notice_id


def sign_in_link_mail(notice: Notice, svc: Services, at: datetime) -> Letter:
    """Compose the sign-in email at sending time (the notice's composer in ``notices``)."""
    from .notices import Skip

    staff = _active(svc, notice.tenant_id, notice.params["staff_id"], int(notice.params.get("epoch", 0)))
    if staff is None:
        raise Skip("the person was revoked or rotated before the link went out")
    village = svc.store.get_village(notice.tenant_id)
    link = issue_sign_in_link(staff, svc, at)
    context = {"village": village, "staff": staff, "link": link, "until": when_id(at + SIGN_IN_LINK_TTL)}
    return Letter(to=(str(staff.email),), subject=f"[Kabar {village.name}] Tautan masuk pribadi Anda",
                  template="email/sign_in", facts=context, tags={"kind": "sign_in_link"})


def _sign_in_record(raw_token: str, svc: Services, at: datetime) -> tuple[str, dict, Staff] | None:
    parts = split_token(raw_token)
    if parts is None:
        return None
    tenant_id = parts[0]
    record = svc.store.get_sign_in(tenant_id, token_hash(raw_token))
    if record is None or record.get("used_at") or datetime.fromisoformat(record["expires_at"]) <= at:
        return None
    staff = _active(svc, tenant_id, record["staff_id"], int(record.get("epoch", 0)))
    return (tenant_id, record, staff) if staff else None


def sign_in_page(raw_token: str, svc: Services, at: datetime | None = None) -> Staff | None:
    """GET/HEAD: who the link belongs to, when it may still be used. Changes nothing."""
    found = _sign_in_record(raw_token, svc, to_wib(at or now()))
    return found[2] if found else None


def sign_in(raw_token: str, *, user_agent: str = "", svc: Services,
            at: datetime | None = None) -> tuple[str, Session] | None:
    """POST: use the link once and open a session; returns (cookie value, session), or None."""
    at = to_wib(at or now())
    found = _sign_in_record(raw_token, svc, at)
    if found is None:
        return None
    tenant_id, _record, staff = found
    if not svc.store.use_sign_in(tenant_id, token_hash(raw_token), at):
        return None  # another tab or a replay used it first
    cookie = new_token(tenant_id)
    csrf = secrets.token_urlsafe(32)
    expires = session_expires(at, at)
    svc.store.put_session(tenant_id, token_hash(cookie), {
        "staff_id": staff.staff_id, "epoch": staff.epoch, "csrf": csrf, "created_at": iso(at),
        "last_seen_at": iso(at), "user_agent": user_agent[:200]}, session_expires(at, at))
    audit(svc, staff, tenant_id, "signed_in", f"staff:{staff.staff_id}", at)
    logger.info("signed in", extra={"tenant_id": tenant_id, "staff_id": staff.staff_id})
    return cookie, Session(staff=staff, session_hash=token_hash(cookie), csrf=csrf, expires_at=expires)


# --- the session ---------------------------------------------------------------------------------

def current_session(cookie: str | None, svc: Services, at: datetime | None = None) -> Session | None:
    """The session behind a cookie, if it is still good (not idle too long, not too old, the person active)."""
    if not cookie:
        return None
    parts = split_token(cookie)
    if parts is None:
        return None
    at = to_wib(at or now())
    tenant_id = parts[0]
    digest = token_hash(cookie)
    record = svc.store.get_session(tenant_id, digest)
    if record is None:
        return None
    created, seen = datetime.fromisoformat(record["created_at"]), datetime.fromisoformat(record["last_seen_at"])
    expires = session_expires(created, seen)
    if expires <= at:
        svc.store.end_session(tenant_id, digest)
        return None
    staff = _active(svc, tenant_id, record["staff_id"], int(record.get("epoch", 0)))
    if staff is None:
        svc.store.end_session(tenant_id, digest)
        return None
    if at - to_wib(seen) >= SESSION_TOUCH_EVERY:
        svc.store.touch_session(tenant_id, digest, at)
        expires = session_expires(created, at)
    return Session(staff=staff, session_hash=digest, csrf=record["csrf"], expires_at=expires)


def csrf_ok(session: Session, submitted: str | None) -> bool:
    return bool(submitted) and hmac.compare_digest(session.csrf.encode(), str(submitted).encode())


def sign_out(session: Session, svc: Services, at: datetime | None = None) -> None:
    svc.store.end_session(session.staff.tenant_id, session.session_hash)
    audit(svc, session.staff, session.staff.tenant_id, "signed_out", f"staff:{session.staff.staff_id}", at or now())

