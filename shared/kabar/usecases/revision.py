"""The admin's correction: a new draft version after the PPID asked for one (SOP step 3, "koreksi").

The version revised must be the newest one (a stale edit is refused, never merged), the new version
and the old one's supersession are one transaction, and the new version goes back to the reviewer.
"""

from __future__ import annotations

import re
from datetime import datetime

from aws_lambda_powertools import Logger
from markupsafe import escape
from pydantic import BaseModel, ConfigDict, Field

from ..domain import drafting
from ..domain.clock import iso, now
from ..domain.diff import plain
from ..domain.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from ..domain.events import RevisionSubmitted
from ..domain.models import AssetStatus, AuditEntry, Draft, DraftStatus, FileKind, Procedure, Staff, WebsiteKind
from ..domain.outbox import Change
from ..domain.text import t
from ..services import Services

logger = Logger(child=True)

#: a draft can be revised while it waits for a decision or after a correction was asked for
REVISABLE = (DraftStatus.REVISION_REQUESTED, DraftStatus.IN_REVIEW)


class RevisionRequest(BaseModel):
    """``PUT /drafts/{submission_id}/{procedure}``: the fields that change; the rest stays."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)  # the version this edit was made on: it must still be the newest
    title: str | None = Field(default=None, min_length=3, max_length=200)
    lead: str | None = Field(default=None, max_length=1000)
    caption: str | None = Field(default=None, min_length=1, max_length=drafting.CAPTION_MAX_CHARS)
    article: str | None = Field(default=None, min_length=1, max_length=20_000)  # plain text, blank-line paragraphs
    note: str | None = Field(default=None, max_length=2000)  # what the admin changed, for the reviewer
    #: website: made again as a news article or as an announcement (then title, lead and body are redone,
    #: and the fields given beside it are applied over the new form)
    website_kind: WebsiteKind | None = None
    #: social: the photos to publish, in order (chosen among the draft's own photos, never another's)
    photo_keys: list[str] | None = Field(default=None, min_length=1, max_length=10)
    #: social: a new cover graphic already stored under this submission's drafts (the workspace draws it)
    graphic_key: str | None = Field(default=None, max_length=300)


def _field_error(field: str, code: str, id_: str, en: str) -> InvalidInput:
    msg = t(id_, en)
    return InvalidInput(msg, [{"field": field, "code": code, "message": msg.id, "message_en": msg.en}])


def article_html(text: str) -> str:
    """The admin's plain-text body as escaped ``<p>`` paragraphs (never their markup)."""
    return "\n".join(f"<p>{escape(p)}</p>" for p in drafting.paragraphs(text))


def revise_draft(staff: Staff, submission_id: str, procedure: str, request: RevisionRequest,
                 svc: Services, at: datetime | None = None) -> dict:
    at = at or now()
    if not re.fullmatch(r"[0-9a-f]{20}", submission_id) or procedure not in {p.value for p in Procedure}:
        raise NotFound("draft")
    proc = Procedure(procedure)
    latest = svc.store.get_draft(staff.tenant_id, submission_id, proc)
    if request.version != latest.version:
        raise Conflict(t(f"Versi {request.version} sudah bukan yang terbaru (terbaru: versi {latest.version}); "
                         "muat ulang lalu ulangi perubahan.",
                         f"Version {request.version} is no longer the newest (newest: version {latest.version}); "
                         "reload and make the change again."))
    if latest.status not in REVISABLE:
        raise InvalidTransition(t(f"Draf versi {latest.version} sudah diputuskan ({latest.status.value}); "
                                  "tidak dapat diubah.",
                                  f"Draft version {latest.version} is already decided ({latest.status.value}); "
                                  "it cannot be changed."))
    if request.caption is not None and proc is not Procedure.SOCIAL:
        raise _field_error("caption", "not_for_procedure", "Keterangan hanya untuk media sosial.",
                           "A caption is for social media only.")
    if request.article is not None and proc is not Procedure.WEBSITE:
        raise _field_error("article", "not_for_procedure", "Isi berita hanya untuk website.",
                           "An article body is for the website only.")
    if request.website_kind is not None and proc is not Procedure.WEBSITE:
        raise _field_error("website_kind", "not_for_procedure", "Jenis berita/pengumuman hanya untuk website.",
                           "News or announcement is for the website only.")
    update: dict = {}
    if request.website_kind is not None and request.website_kind is not latest.website_kind:
        village = svc.store.get_village(staff.tenant_id)
        submission = svc.store.get_submission(staff.tenant_id, submission_id)
        remade = drafting.build_website(village, submission, request.website_kind)
        update.update(website_kind=request.website_kind, title=remade.title, slug=remade.slug,
                      dateline=remade.dateline, lead=remade.lead, article_html=remade.body_html)
    if request.title is not None:
        update["title"] = drafting.clean_line(request.title)
    if request.lead is not None:
        update["lead"] = drafting.clean_line(request.lead)
    if request.caption is not None:
        update["caption"] = request.caption.replace("\r\n", "\n").strip()
    if request.article is not None:
        update["article_html"] = article_html(request.article)
    if request.photo_keys is not None or request.graphic_key is not None:
        update.update(_photo_choice(staff, submission_id, proc, latest, request, svc))
    changed = {k: v for k, v in update.items() if getattr(latest, k) != v}
    if not changed:
        raise _field_error("body", "nothing_changed", "Tidak ada yang berubah dari versi sebelumnya.",
                           "Nothing changed from the previous version.")
    revised: Draft = latest.model_copy(update={
        **changed, "version": latest.version + 1, "status": DraftStatus.IN_REVIEW, "created_at": at,
        "decided_at": None, "decided_by": None, "decision_note": None, "reject_reason": None})
    svc.store.put_revision(latest, revised, Change(
        audit=AuditEntry(
            tenant_id=staff.tenant_id, submission_id=submission_id, at=at, actor=staff.staff_id, action="revised",
            subject=f"draft:{proc.value}:v{revised.version}", from_state=latest.status.value,
            to_state=DraftStatus.IN_REVIEW.value, note=(request.note or "").strip() or None),
        events=[RevisionSubmitted(tenant_id=staff.tenant_id, submission_id=submission_id,
                                  procedure=proc, version=revised.version, occurred_at=at)]))
    logger.info("draft revised", extra={"procedure": proc.value, "version": revised.version,
                                        "fields": sorted(changed)})
    return {"submission_id": submission_id, "procedure": proc.value, "version": revised.version,
            "status": revised.status.value, "previous_version": latest.version,
            "changed": sorted("article" if k == "article_html" else k for k in changed),
            "created_at": iso(at)}


def _photo_choice(staff: Staff, submission_id: str, proc: Procedure, latest: Draft, request: RevisionRequest,
                  svc: Services) -> dict:
    """Photo choice, order and cover: only photos this draft had (in any version), only a cover made for it."""
    if proc is not Procedure.SOCIAL:
        raise _field_error("photo_keys", "not_for_procedure", "Pilihan foto dan sampul hanya untuk media sosial.",
                           "Photo choice and cover are for social media only.")
    out: dict = {}
    if request.photo_keys is not None:
        allowed = set(latest.photo_keys)
        if latest.version > 1:
            allowed |= set(svc.store.get_draft(staff.tenant_id, submission_id, proc, 1).photo_keys)
        # or any accepted photo of the hand-over (its sanitized copy), e.g. one the carousel left out
        allowed |= {a.clean_key for a in svc.store.list_assets(staff.tenant_id, submission_id)
                    if a.status is AssetStatus.ACCEPTED and a.kind is FileKind.PHOTO and a.clean_key}
        if any(k not in allowed for k in request.photo_keys) or len(set(request.photo_keys)) != len(request.photo_keys):
            raise _field_error("photo_keys", "unknown_photo", "Foto yang dipilih bukan foto draf ini.",
                               "A chosen photo is not one of this draft's photos.")
        out["photo_keys"] = list(request.photo_keys)
    if request.graphic_key is not None:
        if not request.graphic_key.startswith(f"{staff.tenant_id}/{submission_id}/drafts/"):
            raise _field_error("graphic_key", "unknown_cover", "Sampul tidak dikenal.", "Unknown cover.")
        out["graphic_key"] = request.graphic_key
    return out


def comparable(draft: Draft) -> dict[str, str]:
    """A version's revisable fields as plain text, for the differences shown to the reviewer."""
    return {"title": draft.title, "lead": draft.lead, "caption": draft.caption, "article": plain(draft.article_html)}
