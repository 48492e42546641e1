"""The PPID removes one personal-data finding in one tap: the draft gets a new version with it masked.

``POST /review/{token}/redact`` with ``finding`` (the finding's id on this version) and ``csrf``: the
span is replaced by a neutral mask ("[NIK disamarkan]", "[nama disamarkan]"…) in the field where it was
found (for a finding in the narrative, wherever the same text stands in the draft), the new version
and the old one's supersession are one transaction with its audit entry (the revision path), and the
new version goes to the reviewer again with fresh links, like any revision. The link used stays
unused: it is bound to a version that no longer is the newest, so it now says so.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime

from aws_lambda_powertools import Logger
from markupsafe import escape

from ..domain.clock import now
from ..domain.diff import plain
from ..domain.errors import InvalidTransition
from ..domain.events import RevisionSubmitted
from ..domain.models import AuditEntry, Draft, DraftStatus, ReviewToken
from ..domain.outbox import Change
from ..domain.pii import Finding, redaction_text
from ..domain.text import t
from ..domain.tokens import token_hash
from ..services import Services
from .review import Page, _confirmation, _usable, screening

logger = Logger(child=True)

#: the draft fields a finding can be redacted in (the narrative is the submitter's record, never published)
DRAFT_FIELDS = ("title", "lead", "caption", "article")


def form_token(raw_token: str, version: int) -> str:
    """The redaction form's CSRF token: bound to this link and this version, checked in constant time."""
    return hmac.new(token_hash(raw_token).encode(), f"redact:v{version}".encode(), hashlib.sha256).hexdigest()[:32]


def _replace_nth(haystack: str, needle: str, nth: int, new: str) -> str | None:
    at = -1
    for _ in range(nth + 1):
        at = haystack.find(needle, at + 1)
        if at < 0:
            return None
    return haystack[:at] + new + haystack[at + len(needle):]


def _redacted_fields(draft: Draft, finding: Finding, value: str) -> dict[str, str]:
    """The changed fields of the draft with ``value`` masked: at the finding's span, and wherever else the
    draft repeats the same text as a whole word (one datum, one tap; the narrative is never published)."""
    mask = redaction_text(finding.kind)
    whole = re.compile(r"(?<!\w)" + re.escape(value) + r"(?!\w)")
    texts = {"title": draft.title, "lead": draft.lead, "caption": draft.caption}
    if finding.field in texts:
        text = texts[finding.field]
        texts[finding.field] = text[:finding.start] + mask + text[finding.end:]
    update: dict[str, str] = {name: whole.sub(lambda _: mask, text) for name, text in texts.items()}
    article = draft.article_html
    if finding.field == "article":
        # the screening read the article's text; the same occurrence is replaced in its escaped HTML
        nth = plain(article).count(value, 0, finding.start)
        article = _replace_nth(article, str(escape(value)), nth, str(escape(mask))) or article
    escaped = re.compile(r"(?<![\w&#])" + re.escape(str(escape(value))) + r"(?!\w)")
    update["article_html"] = escaped.sub(lambda _: str(escape(mask)), article)
    return {k: v for k, v in update.items() if v != getattr(draft, k)}


def redact(raw_token: str, form: dict[str, str], svc: Services, at: datetime | None = None) -> Page:
    """Mask one finding in a new draft version; the reviewer decides on that version by its new link."""
    at = at or now()
    usable = _usable(raw_token, svc, at)
    if isinstance(usable, Page):
        return usable
    token, draft = usable
    if not hmac.compare_digest(form.get("csrf", ""), form_token(raw_token, draft.version)):
        return _confirmation(token, draft, svc, at, status=403, raw_token=raw_token, error=(
            "Formulir ini tidak sah atau sudah usang; muat ulang halaman. "
            "(This form is not valid or is out of date; reload the page.)"))
    village = svc.store.get_village(token.tenant_id)
    submission = svc.store.get_submission(token.tenant_id, token.submission_id)
    findings = {f.id: f for f in screening(village, submission, draft)}
    finding = findings.get(form.get("finding", ""))
    if finding is None:
        return _confirmation(token, draft, svc, at, status=409, raw_token=raw_token, error=(
            "Temuan itu tidak ada lagi pada versi ini. (That finding is no longer in this version.)"))
    source = {"narrative": submission.narrative, "title": draft.title, "lead": draft.lead,
              "caption": draft.caption, "article": plain(draft.article_html)}[finding.field]
    changed = _redacted_fields(draft, finding, source[finding.start:finding.end])
    if not changed:
        return _confirmation(token, draft, svc, at, status=409, raw_token=raw_token, error=(
            "Temuan ini hanya ada di narasi pengirim, tidak di draf yang akan terbit; tidak ada yang perlu "
            "disamarkan. (This finding is only in the submitter's narrative, not in the draft to be published.)"))
    return _new_version(token, draft, finding, changed, svc, at)


def _new_version(token: ReviewToken, draft: Draft, finding: Finding, changed: dict[str, str], svc: Services,
                 at: datetime) -> Page:
    revised = draft.model_copy(update={
        **changed, "version": draft.version + 1, "status": DraftStatus.IN_REVIEW, "created_at": at,
        "decided_at": None, "decided_by": None, "decision_note": None, "reject_reason": None})
    label = finding.label
    try:  # the new version, the old one superseded, the audit entry and the event: together or not at all
        svc.store.put_revision(draft, revised, Change(
            audit=AuditEntry(
                tenant_id=token.tenant_id, submission_id=token.submission_id, at=at,
                actor=f"reviewer:{token.reviewer_email}", action="redacted",
                subject=f"draft:{draft.procedure.value}:v{revised.version}", from_state=draft.status.value,
                to_state=DraftStatus.IN_REVIEW.value, note=f"Disamarkan / redacted: {label.id} ({label.en})",
                personal_data=[finding.record()]),
            events=[RevisionSubmitted(tenant_id=token.tenant_id, submission_id=token.submission_id,
                                      procedure=draft.procedure, version=revised.version, occurred_at=at)]))
    except InvalidTransition:  # decided or revised meanwhile: the link now says what stands
        return Page.of(409, "review/message.html", title=t("Draf sudah berubah", "The draft changed"),
                       body=t("Draf ini sudah diubah atau diputuskan; buka email terbaru.",
                              "This draft was changed or decided meanwhile; open the newest email."))
    logger.info("finding redacted", extra={"submission_id": token.submission_id, "kind": finding.kind,
                                           "field": finding.field, "version": revised.version})
    return Page.of(200, "review/redacted.html", draft=revised, label=label, mask=redaction_text(finding.kind),
                   previous=draft.version)
