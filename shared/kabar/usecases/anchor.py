"""The audit trail's head anchored outside the table, once a month, by the monthly report (domain/anchors.py)."""

from __future__ import annotations

from datetime import datetime

from aws_lambda_powertools import Logger

from ..domain.anchors import ANCHOR_RETENTION_YEARS, Anchor, anchor_key
from ..domain.clock import now
from ..services import Services

logger = Logger(child=True)


def anchor_audit_chain(tenant_id: str, month: str, svc: Services,
                       at: datetime | None = None) -> Anchor:
    """The month's anchor: written once under Object Lock; a rebuilt report prints the same one."""
    at = at or now()
    key = anchor_key(tenant_id, month)
    if svc.reports.head(key) is None:
        seq, head_hash = svc.store.audit_head(tenant_id)
        anchor = Anchor(tenant_id=tenant_id, month=month, seq=seq, hash=head_hash, anchored_at=at)
        retain = at.replace(year=at.year + ANCHOR_RETENTION_YEARS, day=min(at.day, 28))
        if svc.reports.put_locked(key, anchor.to_bytes(), "application/json", retain):
            logger.info("audit trail anchored", extra={"tenant_id": tenant_id, "month": month, "seq": seq})
            return anchor
    return Anchor.model_validate_json(svc.reports.get(key))  # the first write stands


def load_anchors(tenant_id: str, svc: Services) -> list[Anchor]:
    prefix = anchor_key(tenant_id, "")[: -len(".json")]
    return [Anchor.model_validate_json(svc.reports.get(k)) for k in svc.reports.keys(prefix) if k.endswith(".json")]
