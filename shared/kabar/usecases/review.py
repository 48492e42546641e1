"""SOP step 3: the PPID corrects, weighs and decides on each draft version (TERIMA / TOLAK / correction).

Links are single-use, expiring, bound to one reviewer, one draft and one version, and inert on
GET and HEAD: only the button on the confirmation page (a POST) acts.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from ..domain import sop, sop_metrics, state
from ..domain.clock import long_date_id, now, to_wib
from ..domain.diff import FieldDiff, draft_changes, plain
from ..domain.errors import InvalidTransition, NotFound
from ..domain.events import DraftApproved, DraftReady, DraftRejected, RevisionRequested
from ..domain.models import (
    AuditEntry,
    Contact,
    Decision,
    Draft,
    DraftStatus,
    Procedure,
    PublicationStatus,
    ReviewToken,
    Submission,
    Village,
)
from ..domain.outbox import Change, Notice
from ..domain.pii import FIELDS as PII_FIELDS
from ..domain.pii import Finding, screen_fields
from ..domain.text import t
from ..domain.tokens import new_token, split_token, token_hash
from ..domain.wording import channel_name, draft_state, when_id
from ..messages import Letter, Page
from ..services import Services
from . import preview
from .files import file_link
from .notices import promised
from .revision import comparable

logger = Logger(child=True)

MAX_NOTE = 2000
REJECT_REASONS = {
    "not_for_publication": t("Kegiatan tidak untuk dipublikasikan", "The activity is not for publication"),
    "confidential": t("Memuat informasi yang dikecualikan (UU 14/2008 Pasal 17)",
                      "Holds information exempt under Law 14/2008 Article 17"),
    "personal_data": t("Memuat data pribadi", "Holds personal data"),
    "other": t("Alasan lain", "Another reason"),
}
PROCEDURE_LABEL = {Procedure.SOCIAL: "Media Sosial", Procedure.WEBSITE: "Website"}


def _preview(draft: Draft, svc: Services, until: datetime) -> dict:
    """The draft as the reviewer sees it; its images open through durable links that last as long
    as the review link (``until``), not as long as the credentials of whoever signed them."""
    def image(key: str) -> str:
        return file_link("media", draft.tenant_id, key, until, svc)

    return {
        "procedure": draft.procedure.value,
        "procedure_label": PROCEDURE_LABEL[draft.procedure],
        "title": draft.title, "dateline": draft.dateline, "lead": draft.lead, "caption": draft.caption,
        "article_html": draft.article_html, "version": draft.version,
        "graphic_url": image(draft.graphic_key) if draft.graphic_key else None,
        "photo_urls": [image(k) for k in draft.photo_keys],
        "has_video": bool(draft.video_key),
        "poster_url": image(draft.video_cover_key) if draft.video_cover_key else None,
        "changes": _changes(draft, svc),
        # exactly as published: the site's own page, or the post with its carousel (usecases/preview.py)
        "site_html": preview.website_page(draft, svc, image) if draft.procedure is Procedure.WEBSITE else None,
        "post": preview.social_post(draft, svc, image) if draft.procedure is Procedure.SOCIAL else None,
    }


def screening(village: Village, submission: Submission, draft: Draft) -> list[Finding]:
    """Personal data in what the reviewer is asked to publish: the narrative and the draft's text."""
    return screen_fields({"narrative": submission.narrative, "title": draft.title, "lead": draft.lead,
                          "caption": draft.caption, "article": plain(draft.article_html)},
                         (*village.public_phones, *village.public_accounts))


def _changes(draft: Draft, svc: Services) -> list[FieldDiff]:
    """A revised version's differences from the version before it (none for version 1)."""
    if draft.version == 1:
        return []
    try:
        previous = svc.store.get_draft(draft.tenant_id, draft.submission_id, draft.procedure, draft.version - 1)
    except NotFound:
        return []
    return draft_changes(comparable(previous), comparable(draft))


# --- the email ---------------------------------------------------------------------------------

def notify_reviewers(event: DraftReady, svc: Services, at: datetime | None = None) -> list[str]:
    """One email per activity to each reviewer: every draft of the hand-over that awaits the PPID, behind
    one link (``sop.draf_untuk_ppid``). While a procedure's draft is still being made (the social draft
    waits for the video) nobody is asked yet: that draft's own DraftReady asks for both.

    Returns the notice ids; a redelivered event (or the other draft's) promises the same notices, which
    are already there.
    """
    village = svc.store.get_village(event.tenant_id)
    draft = svc.store.get_draft(event.tenant_id, event.submission_id, event.procedure, event.version)
    if draft.status is not DraftStatus.IN_REVIEW:
        logger.info("draft no longer under review; no email", extra={"status": draft.status.value})
        return []
    drafts = awaiting_ppid(village, event.submission_id, svc)
    if drafts is None:
        logger.info("the activity's other draft is still being made; one email asks for both later",
                    extra={"submission_id": event.submission_id})
        return []
    if not any(d.procedure is draft.procedure and d.version == draft.version for d in drafts):
        drafts = [*drafts, draft]  # sent to the PPID by the admin (admin review first): asked for it too
    notices = link_notices(village, drafts, village.reviewers, "review")
    svc.store.enqueue(Change(notices=notices))
    return [n.notice_id for n in notices]


def awaiting_ppid(village: Village, submission_id: str, svc: Services) -> list[Draft] | None:
    """The activity's newest drafts that await the PPID now (``sop.draf_untuk_ppid``), or None while one
    of its procedures has no draft yet."""
    from .admin_review import waits_for_admin

    submission = svc.store.get_submission(village.id, submission_id)
    latest: dict[str, Draft] = {}
    for d in sorted(svc.store.submission_items(village.id, submission_id)["draft"], key=lambda d: d.version):
        latest[d.procedure.value] = d
    states = {p: ("waiting_admin" if d.status is DraftStatus.IN_REVIEW
                  and waits_for_admin(village, submission_id, d.procedure, d.version, svc) else d.status.value)
              for p, d in latest.items()}
    asked = sop.draf_untuk_ppid([p.value for p in submission.procedures], states)
    return None if asked is None else [latest[p] for p in asked]


#: subject prefixes of the same email sent again by the SLA watch
LINK_KINDS = {"review": "Mohon keputusan", "reminder": "Pengingat \u2013 mohon keputusan",
              "escalation": "Eskalasi \u2013 mohon keputusan"}


def link_notices(village: Village, drafts: Draft | list[Draft], people: list[Contact], kind: str) -> list[Notice]:
    """A review link for each person, for one activity's drafts: its token is made when the email is sent,
    never stored in clear. The same drafts at the same versions are one notice (sent once)."""
    drafts = sorted([drafts] if isinstance(drafts, Draft) else drafts, key=lambda d: d.procedure.value)
    versions = {d.procedure.value: d.version for d in drafts}
    what = "+".join(f"{p}:v{v}" for p, v in versions.items())
    return [Notice(tenant_id=village.id, purpose="review_link", submission_id=drafts[0].submission_id,
                   subject=f"draft:{what}:{kind}", recipient=str(person.email),
                   params={"drafts": versions, "kind": kind, "name": person.name})
            for person in people]


def review_link_mail(notice: Notice, svc: Services, at: datetime) -> Letter:
    """Compose a review link's email at sending time (the notice's composer in ``notices``): the drafts
    still under review at the versions the notice names."""
    from .notices import Skip

    params = notice.params
    assert notice.submission_id is not None
    versions = params.get("drafts") or {params["procedure"]: params["version"]}  # a notice of one draft
    drafts = [svc.store.get_draft(notice.tenant_id, notice.submission_id, Procedure(p), int(v))
              for p, v in versions.items()]
    open_drafts = [d for d in drafts if d.status is DraftStatus.IN_REVIEW]
    if not open_drafts:
        raise Skip("; ".join(f"draft {d.procedure.value} v{d.version} is {d.status.value}" for d in drafts))
    village = svc.store.get_village(notice.tenant_id)
    submission = svc.store.get_submission(notice.tenant_id, notice.submission_id)
    reviewer = Contact(name=params.get("name") or notice.recipient, email=notice.recipient)
    return compose_review_link(village, submission, open_drafts, reviewer, svc, at, params.get("kind", "review"))


def draft_link(raw_token: str, procedure: Procedure) -> str:
    """The part of an activity's link that acts on one of its drafts: ``<link>-<procedure>``. Only its
    hash is stored, one review token per draft; so each draft keeps its own single use."""
    return f"{raw_token}-{procedure.value}"


def compose_review_link(village: Village, submission: Submission, drafts: Draft | list[Draft], reviewer: Contact,
                        svc: Services, at: datetime, kind: str = "review") -> Letter:
    drafts = sorted([drafts] if isinstance(drafts, Draft) else drafts, key=lambda d: d.procedure.value)
    token = new_token(village.id)
    expires_at = at + timedelta(hours=svc.settings.review_link_hours)
    for draft in drafts:
        svc.store.put_review_token(ReviewToken(
            tenant_id=village.id, token_hash=token_hash(draft_link(token, draft.procedure)),
            submission_id=submission.submission_id, procedure=draft.procedure, version=draft.version,
            reviewer_email=str(reviewer.email), reviewer_name=reviewer.name, expires_at=expires_at))
    link = f"{svc.settings.public_url.rstrip('/')}/review/{token}"
    due = min(sop.batas_keputusan(d.created_at) for d in drafts)
    context = {"village": village, "submission": submission, "link": link, "reviewer": reviewer, "due": when_id(due),
               "drafts": [{**_preview(d, svc, expires_at), "findings": screening(village, submission, d)}
                          for d in drafts],
               "pii_fields": PII_FIELDS, "activity_date": long_date_id(submission.activity.date)}
    labels = " + ".join(f"{PROCEDURE_LABEL[d.procedure]} (v{d.version})" for d in drafts)
    subject = f"[Kabar {village.name}] {LINK_KINDS[kind]}: {labels} \u2013 {submission.activity.title}"
    return Letter(to=(str(reviewer.email),), subject=subject, template="email/review", facts=context,
                  tags={"kind": kind})


# --- the decision page and the decision --------------------------------------------------------

def _load(raw_token: str, svc: Services, at: datetime) -> ReviewToken | None:
    parts = split_token(raw_token)
    if parts is None:
        return None
    token = svc.store.get_review_token(parts[0], token_hash(raw_token))
    if token is None or to_wib(token.expires_at) <= at:
        return None
    return token


def _invalid() -> Page:
    # The same plain answer for a bad, expired or foreign link: nothing to learn from it.
    return Page.of(404, "review/message.html", title=t("Tautan tidak berlaku", "Link not valid"),
                   body=t("Tautan ini tidak berlaku atau sudah kedaluwarsa. Hubungi admin bila "
                          "Anda masih perlu memberi keputusan.",
                          "This link is not valid or has expired. Contact the admin if you "
                          "still need to decide."))


@dataclass
class Section:
    """One draft on an activity's decision page, acted on through its own token."""

    raw: str  # the draft's own link (``draft_link``), or a link of one draft sent before activity links
    token: ReviewToken
    draft: Draft  # the procedure's newest version
    open: bool  # still decidable through this link
    newer: bool = False  # a newer version exists: its own email brings its link
    latest_version: int = 0


def _sections(raw_token: str, svc: Services, at: datetime) -> list[Section]:
    """The drafts a link covers: an activity's link covers one draft per procedure (``draft_link``); a
    draft's own link is read as its activity's, so the page is the same whichever is opened."""
    own = _own_procedure(raw_token, svc, at)
    base = raw_token.removesuffix(f"-{own.value}") if own else raw_token
    single = _load(base, svc, at)
    found = [(base, single)] if single else [(draft_link(base, p), _load(draft_link(base, p), svc, at))
                                             for p in Procedure]
    sections = []
    for raw, token in found:
        if token is None:
            continue
        latest = svc.store.get_draft(token.tenant_id, token.submission_id, token.procedure)
        if latest.version > token.version:
            draft = svc.store.get_draft(token.tenant_id, token.submission_id, token.procedure, token.version)
            sections.append(Section(raw, token, draft, open=False, newer=True, latest_version=latest.version))
            continue
        sections.append(Section(raw, token, latest, open=latest.status is DraftStatus.IN_REVIEW
                                and token.used_at is None))
    # opened by a draft's own link, that draft comes first (and acts when a form names none)
    return sorted(sections, key=lambda s: s.token.procedure is not own)


def _own_procedure(raw_token: str, svc: Services, at: datetime) -> Procedure | None:
    """The procedure when ``raw_token`` is a draft's own link (``draft_link``), else None."""
    for procedure in Procedure:
        if raw_token.endswith(f"-{procedure.value}") and _load(raw_token, svc, at) is not None:
            return procedure
    return None


def _state_page(token: ReviewToken, svc: Services) -> Page | Draft:
    """The draft this link may still act on; else the answer why not: a newer version, or a decision made."""
    latest = svc.store.get_draft(token.tenant_id, token.submission_id, token.procedure)
    if latest.version > token.version:
        return Page.of(409, "review/message.html", title=t("Ada versi yang lebih baru", "A newer version exists"),
                       body=t(f"Draf ini sudah diperbarui menjadi versi {latest.version}. "
                              "Gunakan tautan pada email terbaru.",
                              f"This draft was revised to version {latest.version}. Use the link "
                              "in the newest email."))
    if latest.status is not DraftStatus.IN_REVIEW or token.used_at is not None:
        return Page.of(409, "review/decided.html", decided=[decided_words(latest, svc)])
    return latest


def decided_words(draft: Draft, svc: Services) -> dict:
    """A decided draft in plain words: "TERIMA oleh Bu Sari, 2 Desember 2026, 08.48 WIB", its note,
    and where it is online."""
    decision = {DraftStatus.APPROVED: "TERIMA", DraftStatus.PUBLISHED: "TERIMA", DraftStatus.REJECTED: "TOLAK",
                DraftStatus.REVISION_REQUESTED: "KOREKSI"}.get(draft.status)
    online = [{"channel": channel_name(p.channel), "url": p.url}
              for p in svc.store.publications(draft.tenant_id, draft.submission_id, draft.procedure, draft.version)
              if p.status is PublicationStatus.PUBLISHED and p.url]
    return {"procedure": PROCEDURE_LABEL[draft.procedure], "version": draft.version, "decision": decision,
            "state": draft_state(draft.status), "by": draft.decided_by,
            "when": when_id(draft.decided_at) if draft.decided_at else "",
            "note": draft.decision_note, "reason": REJECT_REASONS.get(draft.reject_reason or "")
            if draft.status is DraftStatus.REJECTED else None, "online": online}


def _usable(raw_token: str, svc: Services, at: datetime) -> tuple[ReviewToken, Draft] | Page:
    """A draft's own link: its token and draft when it may still act, else the page that says why not."""
    token = _load(raw_token, svc, at)
    if token is None:
        return _invalid()
    draft = _state_page(token, svc)
    return draft if isinstance(draft, Page) else (token, draft)


def show(raw_token: str, svc: Services, at: datetime | None = None) -> Page:
    """GET/HEAD: the activity's decision page. Changes nothing, consumes nothing."""
    at = at or now()
    sections = _sections(raw_token, svc, at)
    if not sections:
        return _invalid()
    own = _own_procedure(raw_token, svc, at)
    if own is not None and not sections[0].open:  # a draft's own link says first what stands for that draft
        return _activity_page(sections, svc, at, status=409, notice=_decided_before(sections[0]))
    return _activity_page(sections, svc, at)


def _activity_page(sections: list[Section], svc: Services, at: datetime, status: int | None = None,
                   error: str | None = None, note: str = "", errored: Procedure | None = None,
                   recorded: tuple[str, Draft] | None = None, notice: str | None = None) -> Page:
    """The page of one activity: a short summary, then each draft as published with its decision form
    (its buttons kept in reach on a phone), or in words once decided."""
    first = sections[0].token
    submission = svc.store.get_submission(first.tenant_id, first.submission_id)
    village = svc.store.get_village(first.tenant_id)
    views = []
    for section in sorted(sections, key=lambda s: s.draft.procedure is not errored):  # the error's draft first
        draft, token = section.draft, section.token
        view: dict = {"procedure": draft.procedure.value, "label": PROCEDURE_LABEL[draft.procedure],
                      "version": draft.version, "open": section.open, "newer": section.newer,
                      "latest_version": section.latest_version}
        if section.open:
            due = sop.batas_keputusan(draft.created_at)
            view.update(draft=_preview(draft, svc, token.expires_at), form_token=form_token(token, svc, at),
                        due=when_id(due), minutes_left=int((due - at).total_seconds() // 60),
                        findings=screening(village, submission, draft),
                        error=error if errored is draft.procedure else None,
                        note=note if errored is draft.procedure else "",
                        **redaction_form(section.raw, draft.version, svc))
        elif not section.newer:
            view["decided"] = decided_words(draft, svc)
        views.append(view)
    if status is None:
        status = 200 if any(s.open for s in sections) or recorded else 409
    done = None
    if recorded:
        done = {"decision": recorded[0], "procedure": PROCEDURE_LABEL[recorded[1].procedure],
                "version": recorded[1].version, "title": recorded[1].title}
    return Page.of(
        status, "review/confirm.html", village=village, submission=submission, sections=views, error=error,
        errored=errored.value if errored else None, reasons=REJECT_REASONS, pii_fields=PII_FIELDS,
        activity_date=long_date_id(submission.activity.date), done=done, notice=notice,
        open_count=sum(1 for s in sections if s.open))


def _confirmation(token: ReviewToken, draft: Draft, svc: Services, at: datetime, error: str | None = None,
                  note: str = "", status: int = 200, raw_token: str = "") -> Page:
    """The decision page again for the draft of ``token``, with ``error`` beside its form."""
    sections = _sections(raw_token, svc, at) if raw_token else []
    if not any(s.token.token_hash == token.token_hash for s in sections):
        sections = [Section(raw_token, token, draft, open=True)]
    return _activity_page(sections, svc, at, status=status, error=error, note=note, errored=draft.procedure)


def redaction_form(raw_token: str, version: int, svc: Services) -> dict[str, str]:
    """What the confirmation page needs for its one-tap "mask" buttons (usecases/redaction.py)."""
    if not raw_token:
        return {}
    from urllib.parse import urlsplit

    from .redaction import form_token

    base = urlsplit(svc.settings.public_url).path.rstrip("/")
    return {"redact_csrf": form_token(raw_token, version), "redact_action": f"{base}/review/{raw_token}/redact"}


def decide(raw_token: str, form: dict[str, str], svc: Services, at: datetime | None = None) -> Page:
    """POST: the reviewer's decision, once. A second POST is told what was decided."""
    at = at or now()
    chosen = _chosen(raw_token, form, svc, at)
    if isinstance(chosen, Page):
        return chosen
    raw_token = chosen.raw
    token, draft = chosen.token, chosen.draft
    note = (form.get("note") or "").strip()[:MAX_NOTE]
    try:
        decision = Decision(form.get("decision", ""))
    except ValueError:
        return _confirmation(token, draft, svc, at, error="Pilih salah satu keputusan. (Choose a decision.)",
                             note=note, status=422, raw_token=raw_token)
    reason = form.get("reason") if decision is Decision.REJECT else None
    if reason is not None and reason not in REJECT_REASONS:
        reason = "other"
    if state.note_required(decision) and not note:
        return _confirmation(token, draft, svc, at, note=note, status=422, raw_token=raw_token, error=(
            "Tuliskan catatan: alasan penolakan atau koreksi yang diminta. "
            "(Write a note: the reason for rejecting or the correction asked for.)"))
    # what the screening showed the reviewer is kept with the decision (approving anyway is a decision too)
    findings = screening(svc.store.get_village(token.tenant_id),
                         svc.store.get_submission(token.tenant_id, token.submission_id), draft)
    if decision is Decision.APPROVE and findings and not note:  # approving anyway is recorded with its reason
        return _confirmation(token, draft, svc, at, note=note, status=422, raw_token=raw_token, error=(
            "Draf ini memuat kemungkinan data pribadi: samarkan temuannya, atau tulis alasan menyetujui tetap. "
            "(This draft may hold personal data: mask the findings, or write why you approve it anyway.)"))
    common = {"tenant_id": token.tenant_id, "submission_id": token.submission_id, "procedure": token.procedure,
              "version": token.version, "reviewer": token.reviewer_name, "note": note or None, "occurred_at": at}
    outcomes: dict[Decision, DraftApproved | DraftRejected | RevisionRequested] = {
        Decision.APPROVE: DraftApproved(**common), Decision.REJECT: DraftRejected(**common, reason=reason),
        Decision.REVISE: RevisionRequested(**common)}
    event = outcomes[decision]
    try:
        target = state.decide(draft.status, decision)
        decided = draft.model_copy(update={"status": target, "decided_at": at, "decided_by": token.reviewer_name,
                                           "decision_note": note or None, "reject_reason": reason})
        audit = AuditEntry(
            tenant_id=token.tenant_id, submission_id=token.submission_id, at=at,
            actor=f"reviewer:{token.reviewer_email}", action=f"decision_{decision.value}",
            subject=f"draft:{draft.procedure.value}:v{draft.version}", from_state=draft.status.value,
            to_state=target.value, note=note or None, personal_data=[f.record() for f in findings] or None)
        withdrawn, close, more_audit, more_notices = _tolak(draft, decided, reason, token, at, svc)
        # the decision, its audit entries, the event and whoever must be told: together or not at all
        svc.store.record_decision(token, draft, decided, Change(
            audit=audit, events=[event],
            notices=decision_notices(event, svc) + more_notices + _undo(decision, token, at),
            more_audit=more_audit), withdrawn=tuple(withdrawn), close=close)
    except InvalidTransition:  # another tab or reviewer decided in between: say what stands
        sections = _sections(raw_token, svc, at)
        return _activity_page(sections, svc, at, status=409) if sections else _invalid()
    svc.metrics.count(sop_metrics.DECISIONS, token.tenant_id, decision=decision.value)
    logger.info("decision recorded", extra={"submission_id": token.submission_id, "tenant_id": token.tenant_id,
                                            "decision": decision.value, "procedure": token.procedure.value,
                                            "version": token.version})
    # the activity's page again: this draft in words, the other one still to decide
    return _activity_page(_sections(raw_token, svc, at), svc, at, status=200, recorded=(decision.value, decided))


def _chosen(raw_token: str, form: dict[str, str], svc: Services, at: datetime) -> Section | Page:
    """The draft a POST is about: the form's ``procedure``, else the one whose page token it carries,
    else the first still open. A draft no longer open gets the page that says what stands."""
    sections = _sections(raw_token, svc, at)
    if not sections:
        return _invalid()
    own = _own_procedure(raw_token, svc, at)
    wanted = form.get("procedure") or (own.value if own else None)  # a draft's own link acts on that draft
    chosen = next((s for s in sections if s.token.procedure.value == wanted), None) if wanted else None
    chosen = chosen or next((s for s in sections if s.open and _form_token_ok(
        form.get("form_token", ""), s.token, svc, at, "page")), None)
    chosen = chosen or next((s for s in sections if s.open), sections[0])
    if not chosen.open:
        if len(sections) == 1:
            page = _state_page(chosen.token, svc)
            return page if isinstance(page, Page) else _invalid()
        return _activity_page(sections, svc, at, status=409, notice=_decided_before(chosen))
    return chosen


def _decided_before(section: Section) -> str:
    label = PROCEDURE_LABEL[section.token.procedure]
    if section.newer:
        return (f"Draf {label} ini sudah diperbarui: ada versi yang lebih baru. Tidak ada yang berubah. "
                f"(A newer version of this {label} draft exists. Nothing was changed.)")
    return (f"Draf {label} ini sudah diputuskan sebelumnya; tidak ada yang berubah. "
            f"(This {label} draft was already decided; nothing was changed.)")


def _undo(decision: Decision, token: ReviewToken, at: datetime) -> list[Notice]:
    """A TERIMA's confirmation to the reviewer, with the way to undo it for a few minutes (usecases/undo.py)."""
    from .undo import confirmation_notice

    return [confirmation_notice(token, at)] if decision is Decision.APPROVE else []


def _tolak(draft: Draft, decided: Draft, reason: str | None, token: ReviewToken, at: datetime,
           svc: Services) -> tuple[list[tuple[Draft, Draft]], bool, list[AuditEntry], list[Notice]]:
    """What a TOLAK does to the rest of the activity (``sop.tolak_seluruh_kegiatan``): the other procedure's
    drafts withdrawn with it, whether the register entry closes, their audit entries, and the admins told
    of anything already online."""
    if decided.status is not DraftStatus.REJECTED:
        return [], False, [], []
    submission = svc.store.get_submission(draft.tenant_id, draft.submission_id)
    latest: dict[Procedure, Draft] = {}
    for d in sorted(svc.store.submission_items(draft.tenant_id, draft.submission_id)["draft"],
                    key=lambda d: d.version):
        latest[d.procedure] = d
    latest[draft.procedure] = decided
    withdrawn: list[tuple[Draft, Draft]] = []
    audits: list[AuditEntry] = []
    online: list[Draft] = []
    if sop.tolak_seluruh_kegiatan(reason):
        for procedure, other in latest.items():
            if procedure is draft.procedure:
                continue
            if other.status in state.WITHDRAWABLE:
                after = other.model_copy(update={
                    "status": DraftStatus.REJECTED, "decided_at": at, "decided_by": token.reviewer_name,
                    "reject_reason": reason,
                    "decision_note": f"Ikut ditolak bersama draf {PROCEDURE_LABEL[draft.procedure]}: kegiatan "
                                     "tidak untuk dipublikasikan."})
                withdrawn.append((other, after))
                latest[procedure] = after
                audits.append(AuditEntry(
                    tenant_id=draft.tenant_id, submission_id=draft.submission_id, at=at,
                    actor=f"reviewer:{token.reviewer_email}", action="withdrawn_with_activity",
                    subject=f"draft:{procedure.value}:v{other.version}", from_state=other.status.value,
                    to_state=DraftStatus.REJECTED.value, note=f"TOLAK on {draft.procedure.value}: {reason}"))
            elif other.status is DraftStatus.PUBLISHED:
                online.append(other)
    rejected = {p.value for p, d in latest.items() if d.status is DraftStatus.REJECTED}
    close = sop.pengajuan_ditutup([p.value for p in submission.procedures], rejected)
    notices: list[Notice] = []
    if online:
        village = svc.store.get_village(draft.tenant_id)
        labels = ", ".join(PROCEDURE_LABEL[d.procedure] for d in online)
        notices = promised(draft.tenant_id, "refused_but_online", f"draft:{draft.procedure.value}:v{draft.version}",
                           [str(a.email) for a in village.admins],
                           f"[Kabar {village.name}] Ditolak setelah terbit: {submission.activity.title}",
                           "email/refused_but_online", {"title": submission.activity.title, "labels": labels},
                           submission_id=draft.submission_id)
    return withdrawn, close, audits, notices


# --- decisions only from a person -------------------------------------------------------------

#: a page's form stays usable this long (a reviewer may leave the page open while reading the draft)
PAGE_TOKEN_HOURS = 12
#: the TERIMA confirmation step is answered within this long
CONFIRM_TOKEN_MINUTES = 15
#: user agents of automation and link scanners: they may read the page, never act on it
AUTOMATION_AGENTS = re.compile(
    r"HeadlessChrome|PhantomJS|Puppeteer|Playwright|Selenium|WebDriver|\bcurl/|\bWget|python-requests|"
    r"python-urllib|aiohttp|httpx|Go-http-client|libwww-perl|okhttp|Java/|BingPreview|bingbot|Googlebot|"
    r"Barracuda|Mimecast|Proofpoint|Microsoft Office|ms-office|Safe ?Links|Slackbot|Twitterbot|"
    r"facebookexternalhit|WhatsApp|TelegramBot|Discordbot|SkypeUriPreview|LinkPreview|bot\b|crawler|spider",
    re.IGNORECASE)


def _form_key(svc: Services) -> bytes:
    from .files import _signing_key

    return hmac.new(_signing_key(svc), b"kabar-review-form", hashlib.sha256).digest()


def _sign(svc: Services, purpose: str, token_hash_: str, issued: int, nonce: str) -> str:
    msg = f"{purpose}|{token_hash_}|{issued}|{nonce}".encode()
    return hmac.new(_form_key(svc), msg, hashlib.sha256).hexdigest()[:40]


def form_token(token: ReviewToken, svc: Services, at: datetime, purpose: str = "page") -> str:
    """A token bound to this review link and the page it was served with (``purpose`` ``page`` or
    ``confirm``): ``<issued epoch>.<nonce>.<HMAC>``. Nothing is stored: the HMAC proves it."""
    issued = int(at.timestamp())
    nonce = secrets.token_urlsafe(12)
    return f"{issued}.{nonce}.{_sign(svc, purpose, token.token_hash, issued, nonce)}"


def _form_token_ok(value: str, token: ReviewToken, svc: Services, at: datetime, purpose: str) -> bool:
    parts = (value or "").split(".")
    if len(parts) != 3 or not parts[0].isdigit() or len(parts[0]) > 12:
        return False
    issued, nonce, mac = int(parts[0]), parts[1], parts[2]
    ttl = PAGE_TOKEN_HOURS * 3600 if purpose == "page" else CONFIRM_TOKEN_MINUTES * 60
    if not issued - 60 <= at.timestamp() <= issued + ttl:
        return False
    return hmac.compare_digest(mac, _sign(svc, purpose, token.token_hash, issued, nonce))


def automation_agent(user_agent: str | None) -> bool:
    """A scanner, script or headless browser by its own account (or one that gives no account)."""
    return not (user_agent or "").strip() or bool(AUTOMATION_AGENTS.search(user_agent or ""))


def cross_site(headers: dict[str, str]) -> bool:
    """The POST came from another site's page: ``Sec-Fetch-Site`` says so, or ``Origin`` is not this host.

    Old phones send neither header; they are let through to the page-token check, which they pass
    only with the form of a page this link served. Sent from the review page itself, ``Origin`` is "null"
    (the page's referrer policy is no-referrer), so it decides only when it names a site."""
    fetch_site = (headers.get("sec-fetch-site") or "").lower()
    if fetch_site and fetch_site not in ("same-origin", "none"):
        return True
    origin = headers.get("origin")
    if origin is None or origin.strip().lower() == "null":
        # "null": the page's no-referrer policy makes browsers hide the origin of its own form posts;
        # Sec-Fetch-Site (above) still tells, and the page token is checked next
        return False
    host = (headers.get("x-forwarded-host") or headers.get("host") or "").lower()
    return origin.lower().split("://", 1)[-1].rstrip("/") != host


def unreadable_page() -> Page:
    """The answer to a POST whose body cannot be read: nothing decided, nothing learnt about the link."""
    return Page.of(400, "review/message.html", title=t("Permintaan tidak dapat dibaca", "Request cannot be read"),
                   body=t("Isi formulir tidak dapat dibaca. Buka lagi tautan dari email Anda.",
                          "The form's content cannot be read. Open the link from your email again."))


def _refused(title: tuple[str, str], body: tuple[str, str], status: int = 403) -> Page:
    return Page.of(status, "review/message.html", title=t(*title), body=t(*body))


def submit(raw_token: str, form: dict[str, str], headers: dict[str, str], svc: Services,
           at: datetime | None = None) -> Page:
    """POST from the confirmation page: a decision, only when a person made it on a page this link served.

    Automation user agents and cross-site posts are refused; a form without a valid page token gets the
    page again; TERIMA first asks for a deliberate confirmation (a tick and a second button, with its own
    token), which a script pressing buttons does not give."""
    at = at or now()
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    chosen = _chosen(raw_token, form, svc, at)
    if isinstance(chosen, Page):
        return chosen
    raw_token = chosen.raw
    token, draft = chosen.token, chosen.draft
    if automation_agent(headers.get("user-agent")):
        logger.info("decision refused: automation user agent", extra={"tenant_id": token.tenant_id})
        return _refused(("Keputusan hanya dari peramban", "Decisions only from a browser"),
                        ("Keputusan PPID hanya dapat diberikan dengan membuka tautan di peramban ponsel atau "
                         "komputer. Tidak ada yang berubah.",
                         "A PPID decision can only be given by opening the link in a phone or computer "
                         "browser. Nothing was changed."))
    if cross_site(headers):
        logger.info("decision refused: cross-site post", extra={"tenant_id": token.tenant_id})
        return _refused(("Permintaan ditolak", "Request refused"),
                        ("Keputusan hanya dapat dikirim dari halaman konfirmasi Kabar. Tidak ada yang berubah.",
                         "A decision can only be sent from Kabar's confirmation page. Nothing was changed."))
    note = (form.get("note") or "").strip()[:MAX_NOTE]
    if not _form_token_ok(form.get("form_token", ""), token, svc, at, "page"):
        return _confirmation(token, draft, svc, at, note=note, status=403, raw_token=raw_token, error=(
            "Halaman ini sudah terlalu lama terbuka atau tidak berasal dari tautan Anda. Periksa lagi lalu "
            "pilih keputusan. (This page was open too long or did not come from your link. Check again, "
            "then choose.)"))
    if form.get("decision") == Decision.APPROVE.value and not (
            form.get("sure") == "ya" and _form_token_ok(form.get("confirm", ""), token, svc, at, "confirm")):
        return _approve_step(token, draft, svc, at, note, form.get("form_token", ""),
                             again=bool(form.get("confirm")))
    return decide(raw_token, form, svc, at)


def _approve_step(token: ReviewToken, draft: Draft, svc: Services, at: datetime, note: str, page_token: str,
                  again: bool) -> Page:
    """TERIMA's confirmation: what will be published where, a tick box and the button that decides."""
    submission = svc.store.get_submission(token.tenant_id, token.submission_id)
    return Page.of(
        422 if again else 200, "review/confirm_approve.html", submission=submission, draft=draft,
        procedure_code=draft.procedure.value,
        procedure=PROCEDURE_LABEL[draft.procedure], note=note, form_token=page_token,
        confirm=form_token(token, svc, at, "confirm"), again=again)


# --- telling people ----------------------------------------------------------------------------

def decision_notices(event: DraftApproved | DraftRejected | RevisionRequested, svc: Services) -> list[Notice]:
    """Who a decision must reach: the submitter on TOLAK (SOP step 3), the admins on a correction."""
    if isinstance(event, DraftRejected):
        return [rejection_notice(event, svc)]
    if isinstance(event, RevisionRequested):
        return revision_notices(event, svc)
    return []


def rejection_notice(event: DraftRejected, svc: Services) -> Notice:
    village = svc.store.get_village(event.tenant_id)
    submission = svc.store.get_submission(event.tenant_id, event.submission_id)
    reason = REJECT_REASONS.get(event.reason or "other", REJECT_REASONS["other"])
    context = {"village": village, "submission": submission, "procedure": PROCEDURE_LABEL[event.procedure],
               "reason": reason, "note": event.note or "", "reviewer": event.reviewer}
    return promised(
        event.tenant_id, "rejected", f"draft:{event.procedure.value}:v{event.version}", [submission.submitter_email],
        f"[Kabar {village.name}] Ditolak: {submission.activity.title}", "email/rejected", context,
        submission_id=event.submission_id, reply_to=tuple(str(a.email) for a in village.admins))[0]


def revision_notices(event: RevisionRequested, svc: Services) -> list[Notice]:
    """A correction goes back to the admins with the reviewer's notes."""
    village = svc.store.get_village(event.tenant_id)
    submission = svc.store.get_submission(event.tenant_id, event.submission_id)
    context = {"village": village, "submission": submission, "procedure": PROCEDURE_LABEL[event.procedure],
               "note": event.note or "", "reviewer": event.reviewer, "version": event.version,
               "procedure_code": event.procedure.value,
               # the correction is made in the workspace (/app/), not with a JSON request
               "workspace_link": f"{svc.settings.public_url.rstrip('/')}/app/{village.id}/s/{submission.submission_id}"
                                 f"/edit/{event.procedure.value}"}
    return promised(
        event.tenant_id, "revision", f"draft:{event.procedure.value}:v{event.version}",
        [str(a.email) for a in village.admins],
        f"[Kabar {village.name}] Perlu koreksi: {submission.activity.title} (v{event.version})",
        "email/revision", context,
        submission_id=event.submission_id)
