"""Hand-overs whose files never all arrived: after a configurable time, the submitter is told what is missing.

A phone that lost its connection, a file refused at intake, a page closed too early: the register
entry stays ``receiving`` and nobody would notice until the SOP's day H has passed. The intake watch
(hourly, WIB) marks each such submission incomplete once (an audit entry) and emails the submitter
the list of files still missing or refused, with what to do. Done once per submission (a conditional
claim); a failed mail is released so the next run tries again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from ..domain import sop
from ..domain.clock import long_date_id, month_of, now, previous_month, to_wib
from ..domain.models import Asset, AssetStatus, AuditEntry, Submission, SubmissionStatus, Village
from ..domain.outbox import Change
from ..domain.text import Bilingual, t
from ..domain.wording import when_id
from ..services import Services
from .notices import promised

logger = Logger(child=True)

CLAIM = "incomplete-notice"


def is_overdue(submission: Submission, at: datetime, after_hours: int) -> bool:
    """Still receiving files ``after_hours`` after the hand-over began."""
    return (submission.status is SubmissionStatus.RECEIVING
            and to_wib(at) >= to_wib(submission.created_at) + timedelta(hours=after_hours))


def what_is_missing(assets: list[Asset]) -> list[dict]:
    """One line per file not accepted: its name and, bilingual, what is wrong with it."""
    lines = []
    for asset in sorted(assets, key=lambda a: (a.kind.value, a.name)):
        if asset.status is AssetStatus.ACCEPTED:
            continue
        if asset.status is AssetStatus.EXPECTED:
            why: Bilingual = t("belum terunggah", "not uploaded yet")
        else:
            reason = (asset.problem or "").split(": ", 1)[-1]
            why = t(f"ditolak: {reason}", f"refused: {reason}")
        lines.append({"name": asset.name, "kind": asset.kind.value, "why": why})
    return lines


def watch(*, at: datetime | None = None, svc: Services) -> dict[str, int]:
    """Every village in turn (tests and small deployments); the schedule fans out :func:`watch_village`."""
    return {"told": sum(watch_village(v, at=at, svc=svc)["told"] for v in svc.store.list_villages())}


def watch_village(village: Village, *, at: datetime | None = None, svc: Services) -> dict[str, int]:
    """One village's hand-overs still missing files: each submitter told once."""
    at = to_wib(at or now())
    after = svc.settings.incomplete_after_hours
    told = failures = 0
    months = sorted({month_of(at), previous_month(at)})
    for submission in (s for m in months for s in svc.store.submissions_in_month(village.id, m)):
        if not is_overdue(submission, at, after):
            continue
        if not svc.store.claim_once(village.id, submission.submission_id, CLAIM, at):
            continue
        try:
            _tell(village, submission, at, svc)
        except Exception:
            failures += 1
            svc.store.release_claim(village.id, submission.submission_id, CLAIM)
            logger.exception("incomplete notice failed; released for the next run",
                             extra={"submission_id": submission.submission_id, "tenant_id": village.id})
            continue
        told += 1
    if failures:
        raise RuntimeError(f"{failures} incomplete notice(s) failed; they are retried on the next run")
    return {"told": told}


def _tell(village, submission: Submission, at: datetime, svc: Services) -> None:  # noqa: ANN001 - Village
    missing = what_is_missing(svc.store.list_assets(village.id, submission.submission_id))
    due = sop.batas_penyerahan(submission.activity.date)
    context = {"village": village, "submission": submission, "missing": missing,
               "activity_date": long_date_id(submission.activity.date),
               "due": when_id(due), "past_due": at > due,
               "upload_url": f"{svc.settings.public_url.rstrip('/')}/upload"}
    svc.store.enqueue(Change(notices=promised(
        village.id, "incomplete", f"submission:{submission.submission_id}", [submission.submitter_email],
        f"[Kabar {village.name}] Dokumentasi belum lengkap: {submission.activity.title}",
        "email/incomplete", context,
        submission_id=submission.submission_id)))
    svc.store.append_audit(AuditEntry(
        tenant_id=village.id, submission_id=submission.submission_id, at=at, actor="intake-watch",
        action="marked_incomplete", subject="submission", from_state="receiving", to_state="receiving",
        note=f"{len(missing)} file(s) missing or refused"))
    logger.info("submitter told what is missing", extra={"submission_id": submission.submission_id,
                                                         "tenant_id": village.id, "missing": len(missing)})
