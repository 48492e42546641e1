"""SOP step 2 with the admin in it: "admin review before the PPID", an option per village.

- Off (the default): a ready draft goes to the PPID at once, as before, and the admins are told.
- On: the admins are told the draft is ready; they may adjust it (each adjustment is a new version)
  and send it to the PPID from the workspace. Only then are the PPID's links sent, and only then do
  the SLA watch's reminder and escalation apply to it.

Whether a version was sent is a once-only record per draft version (``released#<procedure>#<vvvv>``).
"""

from __future__ import annotations

from datetime import datetime

from aws_lambda_powertools import Logger

from ..domain.clock import now
from ..domain.events import DraftReady
from ..domain.models import DraftStatus, Procedure, Staff, Village
from ..domain.outbox import Change
from ..domain.text import t
from ..services import Services
from . import review
from .notices import promised

logger = Logger(child=True)


def release_key(procedure: Procedure, version: int) -> str:
    return f"released#{procedure.value}#{version:04d}"


def waits_for_admin(village: Village, submission_id: str, procedure: Procedure, version: int, svc: Services) -> bool:
    """True while this version waits for the admin to send it to the PPID."""
    return village.admin_review_first and not svc.store.has_claim(village.id, submission_id,
                                                                   release_key(procedure, version))


def on_draft_ready(event: DraftReady, svc: Services) -> list[str]:
    """The DraftReady consumer: the PPID's links (unless the admin looks first), and the admins told."""
    village = svc.store.get_village(event.tenant_id)
    draft = svc.store.get_draft(event.tenant_id, event.submission_id, event.procedure, event.version)
    if draft.status is not DraftStatus.IN_REVIEW:
        return []
    waiting = waits_for_admin(village, event.submission_id, event.procedure, event.version, svc)
    sent = [] if waiting else review.notify_reviewers(event, svc)
    sent.append(_tell_admins(village, event, waiting, svc))
    return sent


def _tell_admins(village: Village, event: DraftReady, waiting: bool, svc: Services) -> str:
    submission = svc.store.get_submission(event.tenant_id, event.submission_id)
    link = f"{svc.settings.public_url.rstrip('/')}/app/{village.id}/s/{event.submission_id}"
    context = {"village": village, "submission": submission, "procedure": review.PROCEDURE_LABEL[event.procedure],
               "version": event.version, "waiting": waiting, "link": link}
    subject = ("Draf siap diperiksa" if waiting else "Draf dikirim ke PPID")
    notices = promised(village.id, "draft_ready", f"draft:{event.procedure.value}:v{event.version}",
                       [str(a.email) for a in village.admins],
                       f"[Kabar {village.name}] {subject}: {submission.activity.title} (v{event.version})",
                       "email/draft_ready", context,
                       submission_id=event.submission_id)
    svc.store.enqueue(Change(notices=notices))
    return ",".join(n.notice_id for n in notices)


def send_to_ppid(staff: Staff, village: Village, submission_id: str, procedure: Procedure,
                 svc: Services, at: datetime | None = None) -> int:
    """The admin's "send to the PPID" for the newest version; once per version. Returns the version."""
    from ..domain.errors import Conflict
    from .sessions import audit

    at = at or now()
    draft = svc.store.get_draft(village.id, submission_id, procedure)
    if draft.status is not DraftStatus.IN_REVIEW:
        raise Conflict(t("Draf ini tidak sedang menunggu PPID.", "This draft is not waiting for the PPID."))
    if not svc.store.claim_once(village.id, submission_id, release_key(procedure, draft.version), at):
        return draft.version  # sent already (another tab): nothing twice
    try:
        review.notify_reviewers(DraftReady(tenant_id=village.id, submission_id=submission_id, procedure=procedure,
                                           version=draft.version, occurred_at=at), svc, at)
    except Exception:
        svc.store.release_claim(village.id, submission_id, release_key(procedure, draft.version))
        raise
    audit(svc, staff, village.id, "sent_to_ppid", f"draft:{procedure.value}:v{draft.version}", at,
          submission_id=submission_id)
    return draft.version
