"""The SLA watch (every 15 minutes, WIB): reminders, escalation, late drafts, and re-driving lost events.

What is due comes from ``domain.sla``; here each action is done once (a conditional claim per
submission, action and draft version), and a failed action is released so the next run retries it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from ..domain import sop, sop_metrics
from ..domain.clock import long_date_id, month_of, now, previous_month, to_wib
from ..domain.events import DraftApproved, SubmissionCompleted
from ..domain.models import Draft, DraftStatus, Procedure, Submission, Village
from ..domain.outbox import Change
from ..domain.sla import WATCH_DAYS, Action, Due, due_actions
from ..domain.text import Bilingual, t
from ..domain.wording import draft_state, when_id
from ..services import Services
from .admin_review import waits_for_admin
from .notices import promised
from .review import PROCEDURE_LABEL, link_notices

logger = Logger(child=True)
#: the limits these notices name, as the SOP's rules keep them
DRAF, KEPUTUSAN, UNGGAH = (sop.BATAS_WAKTU[k] for k in ("draf", "keputusan", "unggah"))


def watch(*, at: datetime | None = None, svc: Services) -> dict[str, int]:
    """Every village in turn (tests and small deployments); the schedule fans out :func:`watch_village`."""
    done: dict[str, int] = {d.value: 0 for d in Due}
    failed = 0
    for village in svc.store.list_villages():
        try:
            counts = watch_village(village, at=at, svc=svc)
        except SlaActionsFailed as err:
            failed += 1
            counts = err.counts
        for key, value in counts.items():
            done[key] += value
    if failed:
        raise SlaActionsFailed(f"SLA actions of {failed} village(s) failed; they are retried", done)
    return done


class SlaActionsFailed(RuntimeError):
    """Some action failed and was released: the village's run is retried (what was done stays done)."""

    def __init__(self, message: str, counts: dict[str, int]) -> None:
        super().__init__(message)
        self.counts = counts


def watch_village(village: Village, *, at: datetime | None = None, svc: Services) -> dict[str, int]:
    """One pass over one village's recent submissions; returns how many of each action were done."""
    at = to_wib(at or now())
    done: dict[str, int] = {d.value: 0 for d in Due}
    failures = 0
    for submission in _recent(village.id, at, svc):
        items = svc.store.submission_items(village.id, submission.submission_id)
        for action in due_actions(submission, items["draft"], items["publication"], at):
            if (action.due in (Due.REMIND, Due.ESCALATE) and action.procedure is not None
                    and waits_for_admin(village, submission.submission_id, action.procedure, action.version, svc)):
                continue  # the admin has not sent it to the PPID yet (admin review before the PPID)
            if not svc.store.claim_once(village.id, submission.submission_id, action.key, at):
                continue
            try:
                _do(action, village, submission, items["draft"], at, svc)
            except Exception:
                failures += 1
                svc.store.release_claim(village.id, submission.submission_id, action.key)
                logger.exception("SLA action failed; released for the next run",
                                 extra={"action": action.key, "submission_id": submission.submission_id})
                continue
            done[action.due.value] += 1
            if action.due in sop_metrics.LATE_CLOCK:
                svc.metrics.count(sop_metrics.LATE_STEPS, village.id, clock=sop_metrics.LATE_CLOCK[action.due])
            logger.info("SLA action done", extra={"action": action.key, "tenant_id": village.id,
                                                  "submission_id": submission.submission_id})
    if failures:
        raise SlaActionsFailed(f"{failures} SLA action(s) failed; they are retried on the next run", done)
    return done


def _recent(tenant_id: str, at: datetime, svc: Services) -> list[Submission]:
    since = at - timedelta(days=WATCH_DAYS)
    months = {month_of(at), previous_month(at)}
    found = [s for m in sorted(months) for s in svc.store.submissions_in_month(tenant_id, m)]
    return [s for s in found if to_wib(s.created_at) >= since]


def _latest(drafts: list[Draft], action: Action) -> Draft:
    return next(d for d in drafts if d.procedure == action.procedure and d.version == action.version)


def _do(action: Action, village: Village, submission: Submission, drafts: list[Draft], at: datetime,
        svc: Services) -> None:
    if action.due is Due.REDRIVE_COMPLETED:
        svc.store.enqueue(Change(events=[SubmissionCompleted(
            tenant_id=village.id, submission_id=submission.submission_id,
            occurred_at=submission.completed_at or at)]))
    elif action.due in (Due.REDRIVE_APPROVED, Due.REDRIVE_STRANDED):
        draft = _latest(drafts, action)
        svc.store.enqueue(Change(events=[DraftApproved(
            tenant_id=village.id, submission_id=submission.submission_id, procedure=draft.procedure,
            version=draft.version, reviewer=draft.decided_by or "", note=draft.decision_note,
            occurred_at=draft.decided_at or at)]))
    elif action.due is Due.REMIND:
        # every draft of the activity still waiting for the PPID, on one page: a second reminder of the
        # same drafts (the other procedure's action) is the same notice, sent once
        waiting = _waiting(village, submission, drafts, at, svc, overdue=False) or [_latest(drafts, action)]
        svc.store.enqueue(Change(notices=link_notices(village, waiting, village.reviewers, "reminder")))
    elif action.due is Due.ESCALATE:
        draft = _latest(drafts, action)
        overdue = _waiting(village, submission, drafts, at, svc, overdue=True) or [draft]
        svc.store.enqueue(Change(notices=link_notices(village, overdue, village.deputy_reviewers, "escalation")))
        names = ", ".join(d.name for d in village.deputy_reviewers)
        _tell_admins(village, submission, action, min(sop.batas_keputusan(d.created_at) for d in overdue), svc,
                     t("Keputusan PPID terlambat", "PPID decision overdue"),
                     t(f"Batas {KEPUTUSAN.id} untuk keputusan PPID sudah lewat. " + (
                         f"Tautan keputusan juga dikirim ke wakil PPID: {names}." if names else
                         "Desa ini belum punya wakil PPID; mohon hubungi PPID."),
                       f"The {KEPUTUSAN.en} limit for the PPID's decision has passed. " + (
                         f"The decision link was also sent to the deputy reviewers: {names}." if names else
                         "This village has no deputy reviewer; please contact the PPID.")),
                     listed=overdue)
    elif action.due is Due.PUBLISH_STALLED:
        deadline = sop.batas_unggah(submission.activity.date)
        _tell_admins(village, submission, action, deadline, svc,
                     t("Unggah tertunda", "Publication delayed"),
                     t("Konten yang sudah disetujui belum bisa terbit karena kanal bermasalah. Kabar mencoba lagi "
                       f"otomatis setiap jam sampai batas {UNGGAH.id}. Bila masalahnya di akun (token, izin), "
                       "perbaiki di pengaturan kanal.",
                       "Approved content could not go online yet because a channel has trouble. Kabar tries again "
                       f"every hour until the {UNGGAH.en} limit. If the problem is the account (token, permission), "
                       "fix it in the channel settings."))
    elif action.due is Due.PUBLISH_ATTENTION:
        deadline = sop.batas_unggah(submission.activity.date)
        _tell_admins(village, submission, action, deadline, svc,
                     t("Perlu tindakan: belum terbit", "Needs attention: not online"),
                     t(f"Batas {UNGGAH.id} sudah lewat dan konten yang disetujui belum terbit di semua kanal. "
                       "Setelah masalahnya diperbaiki, terbitkan ulang dari halaman pengajuan (atau: kabar publish "
                       "retry).",
                       f"The {UNGGAH.en} limit has passed and approved content is not online on every channel. Once "
                       "the problem is fixed, publish again from the submission's page (or: kabar publish retry)."))
    elif action.due is Due.DRAFT_LATE:
        if action.version:
            draft = _latest(drafts, action)
            due = sop.batas_draf(draft.decided_at or at)
            detail = t(f"Koreksi atas versi {draft.version} belum dikirim dalam {DRAF.id}.",
                       f"The correction of version {draft.version} was not sent within {DRAF.en}.")
        else:
            due = sop.batas_draf(submission.completed_at or at)
            detail = t(f"Draf belum jadi dalam {DRAF.id} setelah dokumentasi lengkap.",
                       f"The draft was not ready within {DRAF.en} of the documentation being complete.")
        _tell_admins(village, submission, action, due, svc, t("Draf terlambat", "Draft overdue"), detail)


def _waiting(village: Village, submission: Submission, drafts: list[Draft], at: datetime, svc: Services,
             overdue: bool) -> list[Draft]:
    """The activity's drafts waiting for the PPID (each procedure's latest version under review, once the
    admin has sent it on), or only those past the decision limit (``overdue``)."""
    latest: dict[Procedure, Draft] = {}
    for draft in sorted(drafts, key=lambda d: d.version):
        latest[draft.procedure] = draft
    return [d for d in latest.values()
            if d.status is DraftStatus.IN_REVIEW and (not overdue or at >= sop.batas_keputusan(d.created_at))
            and not waits_for_admin(village, submission.submission_id, d.procedure, d.version, svc)]


def _tell_admins(village: Village, submission: Submission, action: Action, due: datetime, svc: Services,
                 headline: Bilingual, detail: Bilingual, listed: list[Draft] | None = None) -> None:
    """The admins told, with a link to the activity in the workspace; ``listed``: the drafts the notice is
    about, each with its state and limit in words (one notice for the same drafts, sent once)."""
    procedure = PROCEDURE_LABEL[action.procedure] if action.procedure and not listed else ""
    key = action.key
    if listed:
        key = f"{action.due.value}#" + "+".join(f"{d.procedure.value}:v{d.version}"
                                               for d in sorted(listed, key=lambda d: d.procedure.value))
    context = {"submission": submission, "procedure": procedure, "version": 0 if listed else action.version,
               "headline": headline, "detail": detail, "due": when_id(due),
               "drafts": [{"label": PROCEDURE_LABEL[d.procedure], "version": d.version, "state": draft_state(d.status),
                           "due": when_id(sop.batas_keputusan(d.created_at))}
                          for d in sorted(listed or [], key=lambda d: d.procedure.value)],
               "link": f"{svc.settings.public_url.rstrip('/')}/app/{village.id}/s/{submission.submission_id}",
               "activity_date": long_date_id(submission.activity.date), "village": village}
    svc.store.enqueue(Change(notices=promised(
        village.id, action.due.value, f"sla:{key}", [str(a.email) for a in village.admins],
        f"[Kabar {village.name}] {headline.id}: {submission.activity.title}",
        "email/sla_notice", context,
        submission_id=submission.submission_id)))
