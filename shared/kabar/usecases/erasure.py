"""A person's erasure on request (UU 27/2022 PDP Pasal 8 and 16): what is not part of the public-information
record is removed or anonymised, and the erasure itself is audited.

- **A staff member who leaves**: their staff record and every personal token are deleted (they can no
  longer act), and their e-mail address is dropped from the submissions they handed over. Their name
  stays on those register entries and their actions stay in the audit trail: who ran an activity and who
  decided on a draft is the public body's record (UU 14/2008, PP 61/2010), sealed in the hash chain.
- **A commenter or a person who sent a message**: their name, their id and their words are removed from
  each comment or message; the times stay, pseudonymous, because the monthly report counts answers
  within a day.

What was published is not touched here: a published item is taken down (or corrected) through the PPID's
own procedure. The audit entry names the request, never the person's data.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from aws_lambda_powertools import Logger

from ..domain.clock import now
from ..domain.errors import NotFound
from ..domain.models import AuditEntry
from ..services import Services

logger = Logger(child=True)

#: where erasures are audited: a register entry of their own, beside the village's submissions
ERASURE_RECORD = "privacy-requests"


@dataclass
class Erasure:
    village: str
    subject: str  # "staff" | "commenter"
    removed: dict[str, int] = field(default_factory=dict)
    anonymised: dict[str, int] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)


def _pseudonym(tenant_id: str, value: str) -> str:
    return "erased:" + hashlib.sha256(f"{tenant_id}:{value}".encode()).hexdigest()[:16]


def _audit(svc: Services, tenant_id: str, at: datetime, requested_by: str, subject: str, result: Erasure,
           reason: str) -> None:
    counts = ", ".join(f"{k}={v}" for k, v in {**result.removed, **result.anonymised}.items())
    svc.store.append_audit(AuditEntry(
        tenant_id=tenant_id, submission_id=ERASURE_RECORD, at=at, actor=requested_by, action="erasure",
        subject=subject, note=f"{reason} ({counts})".strip()))


def erase_staff(tenant_id: str, staff_id: str, requested_by: str, *, reason: str = "permintaan penghapusan",
                svc: Services, at: datetime | None = None) -> Erasure:
    at = at or now()
    svc.store.get_village(tenant_id)
    if svc.store.get_staff(tenant_id, staff_id) is None:
        raise NotFound("staff")
    result = Erasure(tenant_id, "staff")
    submissions = [s for s in svc.store.submissions_of(tenant_id, staff_id) if s.submitter_email]
    for submission in submissions:
        svc.store.forget_submitter_contact(tenant_id, submission.submission_id)
    result.anonymised["submission_email"] = len(submissions)
    result.removed["staff_and_tokens"] = svc.store.remove_staff(tenant_id, staff_id)
    result.kept = ["submitter_name (register)", "audit trail (record)", "published content"]
    _audit(svc, tenant_id, at, requested_by, f"staff:{staff_id}", result, reason)
    logger.info("staff erased", extra={"tenant_id": tenant_id, "staff_id": staff_id})
    return result


def erase_commenter(tenant_id: str, author_id: str, requested_by: str, *, reason: str = "permintaan penghapusan",
                    svc: Services, at: datetime | None = None) -> Erasure:
    at = at or now()
    svc.store.get_village(tenant_id)
    pseudonym = _pseudonym(tenant_id, author_id)
    inquiries = svc.store.inquiries_from(tenant_id, author_id)
    for inquiry in inquiries:
        svc.store.anonymise_inquiry(inquiry, pseudonym)
    svc.store.inbox.forget_author(tenant_id, author_id, pseudonym)  # the inbox's threads (their names)
    result = Erasure(tenant_id, "commenter", anonymised={"inquiries": len(inquiries)},
                     kept=["received/answered times (monthly KPI), pseudonymous"])
    # the audit entry names the pseudonym: a second request can be checked without keeping the id
    _audit(svc, tenant_id, at, requested_by, f"commenter:{pseudonym}", result, reason)
    logger.info("commenter erased", extra={"tenant_id": tenant_id, "inquiries": len(inquiries)})
    return result
