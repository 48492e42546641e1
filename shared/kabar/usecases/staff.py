"""People and their personal tokens. A token works only for its village and its role, until it expires
or is revoked; rotating gives a new one and ends the old. Failed token attempts are limited per client."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from ..domain.clock import iso, now
from ..domain.errors import NotFound, TooManyAttempts, Unauthorized
from ..domain.models import AuditEntry, Role, Staff
from ..domain.tokens import new_token, split_token, token_hash
from ..services import Services

logger = Logger(child=True)

#: the audit trail's subject for staff tokens (they belong to no submission)
STAFF_AUDIT = "staff"


def add_staff(tenant_id: str, role: Role | str, name: str, email: str,
              svc: Services) -> tuple[Staff, str]:
    svc.store.get_village(tenant_id)  # raises NotFound for an unknown village
    at = now()
    staff = Staff(tenant_id=tenant_id, staff_id=uuid.uuid4().hex[:12], role=Role(role), name=name,
                  email=email, created_at=at, token_expires_at=at + timedelta(days=svc.settings.staff_token_days))
    token = new_token(tenant_id)
    svc.store.put_staff(staff, token_hash(token))
    return staff, token


def _find(tenant_id: str, who: str, svc: Services) -> tuple[Staff, str | None]:
    """A person of the village by staff id or email."""
    for staff, current in svc.store.list_staff(tenant_id):
        if who in (staff.staff_id, str(staff.email)) or who.lower() == str(staff.email).lower():
            return staff, current
    raise NotFound("staff")


def _audit(staff: Staff, action: str, at: datetime, actor: str, note: str | None = None) -> AuditEntry:
    return AuditEntry(tenant_id=staff.tenant_id, submission_id=STAFF_AUDIT, at=at, actor=actor, action=action,
                      subject=f"staff:{staff.staff_id}", note=note)


def revoke_staff(tenant_id: str, who: str, *, actor: str = "cli", svc: Services,
                 at: datetime | None = None) -> Staff:
    """The person's token stops working now (audited)."""
    at = at or now()
    staff, current = _find(tenant_id, who, svc)
    revoked = staff.model_copy(update={"token_expires_at": at})
    svc.store.replace_staff_token(revoked, current, None, _audit(staff, "staff_token_revoked", at, actor))
    return revoked


def rotate_staff(tenant_id: str, who: str, *, actor: str = "cli", svc: Services,
                 at: datetime | None = None) -> tuple[Staff, str]:
    """A new token for the person, with a fresh expiry; the old one stops working (audited)."""
    at = at or now()
    staff, current = _find(tenant_id, who, svc)
    expires = at + timedelta(days=svc.settings.staff_token_days)
    rotated = staff.model_copy(update={"token_expires_at": expires})
    token = new_token(tenant_id)
    svc.store.replace_staff_token(rotated, current, token_hash(token),
                                  _audit(staff, "staff_token_rotated", at, actor,
                                         note=f"expires {iso(expires)}"))
    return rotated, token


def _client_key(client: str) -> str:
    return hashlib.sha256(f"kabar-auth|{client}".encode()).hexdigest()[:32]


def _window(at: datetime, seconds: int) -> tuple[int, int]:
    """The attempt window ``at`` is in, and the seconds until it ends."""
    epoch = int(at.timestamp())
    return epoch // seconds, seconds - epoch % seconds


def authenticate(authorization: str | None, roles: set[Role], svc: Services,
                 client: str | None = None, at: datetime | None = None) -> Staff:
    """The person behind ``Authorization: Bearer <token>``, if their role may do this.

    A client (its address, never stored in clear) that failed too often in the window is answered 429
    until the window ends, even with a good token."""
    at = at or now()
    window, retry_after = _window(at, svc.settings.auth_failure_window_seconds)
    key = _client_key(client) if client else None
    if key and svc.store.auth_failures(key, window) >= svc.settings.auth_failures_max:
        raise TooManyAttempts(retry_after)
    staff = _staff(authorization, svc, at)
    if staff is None:
        if key:
            count = svc.store.count_auth_failure(key, window, at, svc.settings.auth_failure_window_seconds)
            if count == svc.settings.auth_failures_max:  # the lock-out begins: said once per window
                tenant = (split_token((authorization or "")[7:].strip()) or ("", ""))[0]
                logger.warning("token attempts limited", extra={"tenant_id": tenant, "failures": count})
                _audit_lockout(tenant, count, at, svc)
        raise Unauthorized()
    if staff.role not in roles:
        raise Unauthorized()
    return staff


def _staff(authorization: str | None, svc: Services, at: datetime) -> Staff | None:
    if not authorization or not authorization.lower().startswith("bearer "):
        return None
    parts = split_token(authorization[7:].strip())
    if parts is None:
        return None
    tenant_id, token = parts
    staff = svc.store.staff_by_token_hash(tenant_id, token_hash(token))
    if staff is None:
        return None
    if staff.token_expires_at is not None and staff.token_expires_at <= at:
        logger.info("expired staff token", extra={"tenant_id": tenant_id, "staff_id": staff.staff_id})
        return None
    current = svc.store.get_staff(tenant_id, staff.staff_id)
    # revoked or rotated in the workspace (People): the token stops working at once
    if current is None or current.revoked_at is not None or current.epoch != staff.epoch:
        return None
    return current


def _audit_lockout(tenant_id: str, count: int, at: datetime, svc: Services) -> None:
    """Audited in the village the tokens claimed, when it is one (an unknown one has no trail)."""
    try:
        svc.store.get_village(tenant_id)
    except (NotFound, ValueError):
        return
    svc.store.append_audit(AuditEntry(
        tenant_id=tenant_id, submission_id=STAFF_AUDIT, at=at, actor="client", action="token_attempts_limited",
        subject="staff:tokens", note=f"{count} failed token attempts in {svc.settings.auth_failure_window_seconds} s"))
