"""People and their personal tokens. A token works only for its village and its role."""

from __future__ import annotations

import uuid

from ..domain.clock import now
from ..domain.errors import Unauthorized
from ..domain.models import Role, Staff
from ..domain.tokens import new_token, split_token, token_hash
from ..services import Services, services


def add_staff(tenant_id: str, role: Role | str, name: str, email: str,
              svc: Services | None = None) -> tuple[Staff, str]:
    svc = svc or services()
    svc.store.get_village(tenant_id)  # raises NotFound for an unknown village
    staff = Staff(tenant_id=tenant_id, staff_id=uuid.uuid4().hex[:12], role=Role(role), name=name,
                  email=email, created_at=now())
    token = new_token(tenant_id)
    svc.store.put_staff(staff, token_hash(token))
    return staff, token


def authenticate(authorization: str | None, roles: set[Role], svc: Services | None = None) -> Staff:
    """The person behind ``Authorization: Bearer <token>``, if their role may do this."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthorized()
    parts = split_token(authorization[7:].strip())
    if parts is None:
        raise Unauthorized()
    tenant_id, token = parts
    svc = svc or services()
    staff = svc.store.staff_by_token_hash(tenant_id, token_hash(token))
    if staff is None or staff.role not in roles:
        raise Unauthorized()
    current = svc.store.get_staff(tenant_id, staff.staff_id)
    # revoked or rotated in the workspace (People): the token stops working at once
    if current is None or current.revoked_at is not None or current.epoch != staff.epoch:
        raise Unauthorized()
    return current
