"""A TERIMA's undo window (issue 10): the reviewer may take an approval back for a few minutes.

- The decision itself is unchanged (one tap, one confirmation). With it, the reviewer is promised a
  confirmation email (an outbox notice) holding an undo link; its token is made when the email is sent,
  only its hash is stored, and it expires when the window closes (``sop.batas_urungkan``: the village's
  ``undo_minutes`` or the deployment's default, within the SOP's limits).
- Publication waits until the window closes (``usecases.publication``: the approval's message comes back
  by its queue's delay), then marks the approval closed; undoing is refused from then on. Whichever of
  the two is written first wins, in one conditional write each.
- Opening the undo link (GET, HEAD) changes nothing: a page with one button. Only its POST undoes, from
  a person (the review page's rules: no automation user agent, no cross-site post, the page's own token).
  Undoing puts the draft back under review (the reviewer's review link acts again), used once, audited.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import replace
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from ..domain import sop
from ..domain.clock import iso, to_wib
from ..domain.errors import InvalidTransition, NotFound
from ..domain.models import AuditEntry, Draft, DraftStatus, Procedure, ReviewToken, Submission, Village
from ..domain.outbox import Change, Notice
from ..domain.text import t
from ..domain.tokens import new_token, split_token, token_hash
from ..domain.workspace import when_id
from ..messages import Letter
from ..services import Services
from .review import PROCEDURE_LABEL, Page, automation_agent, cross_site

logger = Logger(child=True)


def window(village: Village, svc: Services) -> timedelta:
    """The village's undo window, or the deployment's default (kept within the SOP's limits by ``sop``)."""
    if village.undo_minutes is not None:
        return sop.jendela_urungkan(timedelta(minutes=village.undo_minutes))
    return sop.jendela_urungkan(timedelta(seconds=svc.settings.undo_window_seconds))


def undo_until(draft: Draft, village: Village, submission: Submission, svc: Services) -> datetime | None:
    """Until when this draft's approval may be undone (and its publication waits); None when undecided."""
    if draft.decided_at is None:
        return None
    return sop.batas_urungkan(draft.decided_at, window(village, svc), submission.activity.date)


def confirmation_notice(token: ReviewToken, decided_at: datetime) -> Notice:
    """The reviewer's confirmation of a TERIMA, with the undo link made when it is sent."""
    return Notice(tenant_id=token.tenant_id, purpose="undo_link", submission_id=token.submission_id,
                  subject=f"draft:{token.procedure.value}:v{token.version}:undo:{iso(decided_at)}",
                  recipient=token.reviewer_email,
                  params={"procedure": token.procedure.value, "version": token.version,
                          "decided_at": iso(decided_at), "review_token_hash": token.token_hash,
                          "name": token.reviewer_name})


def undo_link_mail(notice: Notice, svc: Services, at: datetime) -> Letter:
    """Compose the confirmation at sending time (the notice's composer in ``notices``)."""
    from .notices import Skip

    params = notice.params
    assert notice.submission_id is not None
    draft = svc.store.get_draft(notice.tenant_id, notice.submission_id, Procedure(params["procedure"]),
                                int(params["version"]))
    if draft.decided_at is None or iso(draft.decided_at) != params["decided_at"] or draft.status not in (
            DraftStatus.APPROVED, DraftStatus.PUBLISHED):
        raise Skip("the approval was undone or changed before its confirmation went out")
    village = svc.store.get_village(notice.tenant_id)
    submission = svc.store.get_submission(notice.tenant_id, notice.submission_id)
    until = undo_until(draft, village, submission, svc)
    if until is None or window(village, svc) <= timedelta(0):
        raise Skip("the village has no undo window")
    link = None
    if until > to_wib(at) and draft.status is DraftStatus.APPROVED:
        raw = new_token(village.id)
        svc.store.put_undo(village.id, token_hash(raw), {
            "submission_id": draft.submission_id, "procedure": draft.procedure.value, "version": draft.version,
            "decided_at": params["decided_at"], "review_token_hash": params["review_token_hash"],
            "reviewer_email": notice.recipient, "reviewer_name": params.get("name") or notice.recipient}, until)
        link = f"{svc.settings.public_url.rstrip('/')}/undo/{raw}"
    context = {"village": village, "submission": submission, "draft": draft, "link": link,
               "procedure": PROCEDURE_LABEL[draft.procedure], "until": when_id(until),
               "decided": when_id(draft.decided_at), "reviewer_name": params.get("name") or notice.recipient}
    return Letter(to=(notice.recipient,), subject=f"[Kabar {village.name}] TERIMA tercatat: "
                  f"{submission.activity.title} \u2013 dapat dibatalkan sampai {to_wib(until):%H.%M} WIB",
                  template="email/undo", facts=context, tags={"kind": "undo_link"})


# --- the undo link's page ------------------------------------------------------------------------

def _message(status: int, title: tuple[str, str], body: tuple[str, str]) -> Page:
    return Page.of(status, "review/message.html", title=t(*title), body=t(*body))


def _invalid() -> Page:
    return _message(404, ("Tautan tidak berlaku", "Link not valid"),
                    ("Tautan pembatalan ini tidak berlaku.", "This undo link is not valid."))


def _key(svc: Services) -> bytes:
    from .files import _signing_key

    return hmac.new(_signing_key(svc), b"kabar-undo-form", hashlib.sha256).digest()


def _form_token(undo_hash: str, svc: Services, at: datetime) -> str:
    issued, nonce = int(at.timestamp()), secrets.token_urlsafe(12)
    mac = hmac.new(_key(svc), f"{undo_hash}|{issued}|{nonce}".encode(), hashlib.sha256).hexdigest()[:40]
    return f"{issued}.{nonce}.{mac}"


def _form_token_ok(value: str, undo_hash: str, svc: Services, at: datetime) -> bool:
    parts = (value or "").split(".")
    if len(parts) != 3 or not parts[0].isdigit() or len(parts[0]) > 12:
        return False
    issued, nonce, mac = int(parts[0]), parts[1], parts[2]
    if not issued - 60 <= at.timestamp() <= issued + int(sop.JENDELA_URUNGKAN_MAKS.total_seconds()):
        return False
    expected = hmac.new(_key(svc), f"{undo_hash}|{issued}|{nonce}".encode(), hashlib.sha256).hexdigest()[:40]
    return hmac.compare_digest(mac, expected)


def _state(raw_token: str, svc: Services, at: datetime) -> tuple[str, dict, Draft] | Page:
    """The undo link's record and its draft while it may still undo; else the page that says why not."""
    parts = split_token(raw_token)
    record = svc.store.get_undo(parts[0], token_hash(raw_token)) if parts else None
    if parts is None or record is None:
        return _invalid()
    try:
        draft = svc.store.get_draft(parts[0], record["submission_id"], Procedure(record["procedure"]),
                                    int(record["version"]))
    except NotFound:
        return _invalid()
    if record.get("used_at"):
        return _message(409, ("Sudah dibatalkan", "Already undone"), (
            "Persetujuan ini sudah dibatalkan; draf kembali menunggu keputusan Anda.",
            "This approval was already undone; the draft waits for your decision again."))
    if draft.decided_at is None or iso(draft.decided_at) != record["decided_at"] or draft.status not in (
            DraftStatus.APPROVED, DraftStatus.PUBLISHED):
        return _message(409, ("Keputusan sudah berubah", "The decision has changed"), (
            "Keputusan untuk draf ini sudah berubah sejak email ini dikirim. Tidak ada yang berubah.",
            "The decision on this draft changed since this email was sent. Nothing was changed."))
    closed = datetime.fromisoformat(record["expires_at"])
    if to_wib(at) >= closed or draft.status is DraftStatus.PUBLISHED:
        return _message(410, ("Waktu pembatalan sudah lewat", "The time to undo has passed"), (
            f"Persetujuan hanya dapat dibatalkan sampai {when_id(closed)}. Konten sudah atau sedang "
            "diterbitkan; hubungi admin bila perlu diturunkan dari kanalnya.",
            f"The approval could only be undone until {when_id(closed)}. The content is published or being "
            "published; contact the admin if it must be taken down from its channel."))
    return token_hash(raw_token), record, draft


def show(raw_token: str, svc: Services, at: datetime) -> Page:
    """GET/HEAD: the page with the one button that undoes. Changes nothing."""
    state = _state(raw_token, svc, at)
    if isinstance(state, Page):
        return state
    undo_hash, record, draft = state
    submission = svc.store.get_submission(draft.tenant_id, draft.submission_id)
    return Page.of(200, "review/undo.html", draft=draft, submission=submission,
                   procedure=PROCEDURE_LABEL[draft.procedure],
                   until=when_id(datetime.fromisoformat(record["expires_at"])),
                   form_token=_form_token(undo_hash, svc, at))


def undo(raw_token: str, form: dict[str, str], headers: dict[str, str], svc: Services, at: datetime) -> Page:
    """POST from the undo page: the approval taken back, once, by a person, while its window is open."""
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    state = _state(raw_token, svc, at)
    if isinstance(state, Page):
        return state
    undo_hash, record, draft = state
    if automation_agent(headers.get("user-agent")) or cross_site(headers):
        logger.info("undo refused: not from a person's browser on this page", extra={"tenant_id": draft.tenant_id})
        return _message(403, ("Permintaan ditolak", "Request refused"), (
            "Pembatalan hanya dapat dikirim dari halaman pembatalan di peramban. Tidak ada yang berubah.",
            "An undo can only be sent from the undo page in a browser. Nothing was changed."))
    if not _form_token_ok(form.get("form_token", ""), undo_hash, svc, at):
        return replace(show(raw_token, svc, at), status=403)  # a form this page did not serve: the page again
    audit = AuditEntry(
        tenant_id=draft.tenant_id, submission_id=draft.submission_id, at=at,
        actor=f"reviewer:{record['reviewer_email']}", action="decision_undone",
        subject=f"draft:{draft.procedure.value}:v{draft.version}", from_state=DraftStatus.APPROVED.value,
        to_state=DraftStatus.IN_REVIEW.value, note=f"TERIMA {record['decided_at']} dibatalkan (undone)")
    try:
        svc.store.undo_decision(undo_hash, record["review_token_hash"], draft, Change(audit=audit))
    except InvalidTransition:  # publication began, or another tab undid it, in between: say what stands
        again = _state(raw_token, svc, at)
        return again if isinstance(again, Page) else _message(410, (
            "Waktu pembatalan sudah lewat", "The time to undo has passed"), (
            "Penerbitan sudah dimulai. Hubungi admin bila konten perlu diturunkan.",
            "Publication has begun. Contact the admin if the content must be taken down."))
    logger.info("approval undone", extra={"tenant_id": draft.tenant_id, "submission_id": draft.submission_id,
                                          "procedure": draft.procedure.value, "version": draft.version})
    return _message(200, ("TERIMA dibatalkan", "Approval undone"), (
        f"Draf “{draft.title}” tidak diterbitkan dan kembali menunggu keputusan Anda. Buka lagi tautan di "
        "email “Mohon keputusan” untuk memutuskan.",
        f"The draft “{draft.title}” is not published and waits for your decision again. Open the link in the "
        "“Mohon keputusan” email again to decide."))
