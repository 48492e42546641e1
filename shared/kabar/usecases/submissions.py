"""SOP step 1: the submitter hands over the activity's documentation (the register entry)."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from ..domain import sop
from ..domain.clock import iso, now
from ..domain.errors import InvalidInput, NotFound, RequirementsNotMet
from ..domain.file_types import ALLOWED_TYPES, canonical_type
from ..domain.models import (
    Activity,
    Asset,
    AssetStatus,
    AuditEntry,
    DeclaredFile,
    FileKind,
    Procedure,
    Role,
    Staff,
    Submission,
    SubmissionStatus,
    WebsiteKind,
)
from ..domain.progress import keadaan_pengajuan
from ..domain.text import t
from ..services import Services
from .uploads import instruction as upload_instruction

MAX_FILES = 60
#: How long an ``Idempotency-Key`` answers its submission: a phone retrying within the day of the activity.
IDEMPOTENCY_KEY_TTL = timedelta(hours=24)
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{8,255}")  # visible ASCII, e.g. a UUID
MAX_NARRATIVE = 20_000
_EXT = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/heic": ".heic",
        "video/mp4": ".mp4", "video/quicktime": ".mov"}


class SubmissionRequest(BaseModel):
    activity: Activity
    narrative: str = Field(max_length=MAX_NARRATIVE)
    channels: list[Procedure] = Field(min_length=1, max_length=2)
    files: list[DeclaredFile] = Field(max_length=MAX_FILES)
    resubmission_of: str | None = Field(default=None, max_length=40)  # a rejected submission of this village
    website_kind: WebsiteKind = WebsiteKind.NEWS  # the website draft as a news article or an announcement


def display_name(name: str) -> str:
    """What a person called the file, safe to show: no path, no control characters, bounded."""
    base = re.split(r"[\\/]", name)[-1]
    base = "".join(ch for ch in base if ch.isprintable())
    return base.strip()[:120] or "berkas"


def _file_problems(files: list[DeclaredFile], svc: Services) -> list[dict]:
    problems = []
    limits = {FileKind.PHOTO: svc.settings.max_photo_bytes, FileKind.VIDEO: svc.settings.max_video_bytes}
    for i, f in enumerate(files):
        ctype = canonical_type(f.content_type)
        if ctype not in ALLOWED_TYPES[f.kind]:
            allowed = ", ".join(sorted(ALLOWED_TYPES[f.kind]))
            msg = t(f"Jenis berkas {ctype!r} tidak diterima untuk {f.kind.value}; gunakan {allowed}.",
                    f"File type {ctype!r} is not accepted for a {f.kind.value}; use {allowed}.")
            problems.append({"field": f"files[{i}].content_type", "code": "type_not_allowed",
                             "message": msg.id, "message_en": msg.en})
        if f.size > limits[f.kind]:
            mb = limits[f.kind] // (1024 * 1024)
            msg = t(f"Berkas terlalu besar (maksimal {mb} MB).", f"File too large (at most {mb} MB).")
            problems.append({"field": f"files[{i}].size", "code": "too_large", "message": msg.id,
                             "message_en": msg.en})
    return problems


def _check_resubmission(staff: Staff, original_id: str, svc: Services) -> None:
    """A resubmission points to a rejected submission of the same village (any other id: the same answer)."""
    original = None
    if re.fullmatch(r"[0-9a-f]{20}", original_id):
        try:
            original = svc.store.get_submission(staff.tenant_id, original_id)
        except NotFound:
            original = None
    if original is None or original.status is not SubmissionStatus.REJECTED:
        msg = t("Pengajuan yang diajukan ulang harus pengajuan desa ini yang ditolak.",
                "A resubmission must refer to a rejected submission of this village.")
        raise InvalidInput(msg, [{"field": "resubmission_of", "code": "not_a_rejected_submission",
                                  "message": msg.id, "message_en": msg.en}])


def _key_hash(staff: Staff, key: str) -> str:
    """The key as stored: per village (the table key's prefix) and per submitter (hashed in)."""
    if not _IDEMPOTENCY_KEY.fullmatch(key):
        msg = t("Header Idempotency-Key harus 8-255 karakter ASCII yang terlihat (misalnya UUID).",
                "The Idempotency-Key header must be 8-255 visible ASCII characters (e.g. a UUID).")
        raise InvalidInput(msg, [{"field": "Idempotency-Key", "code": "idempotency_key_invalid",
                                  "message": msg.id, "message_en": msg.en}])
    return hashlib.sha256(f"{staff.staff_id}\n{key}".encode()).hexdigest()


def _fingerprint(request: SubmissionRequest) -> str:
    """The request as parsed: the same hand-over sent again matches whatever its JSON spacing."""
    return hashlib.sha256(request.model_dump_json().encode()).hexdigest()


def _replay(staff: Staff, submission_id: str, fingerprint: str, expected: str, svc: Services,
            at: datetime) -> dict:
    """The answer to a request sent again with its key: the same submission, fresh instructions for
    what is still missing; a different body under the same key is refused (it is not a retry)."""
    if fingerprint != expected:
        msg = t("Idempotency-Key ini sudah dipakai untuk pengajuan lain yang isinya berbeda. "
                "Untuk pengajuan baru, gunakan kunci baru.",
                "This Idempotency-Key was already used for a submission with different content. "
                "Use a new key for a new submission.")
        raise InvalidInput(msg, [{"field": "Idempotency-Key", "code": "idempotency_key_reused",
                                  "message": msg.id, "message_en": msg.en, "submission_id": submission_id}])
    submission = svc.store.get_submission(staff.tenant_id, submission_id)
    assets = svc.store.list_assets(staff.tenant_id, submission_id)
    return {
        "submission_id": submission_id,
        "status": submission.status.value,
        "late": submission.late,
        "uploads": [upload_instruction(a, svc) for a in assets if a.status is AssetStatus.EXPECTED],
        "expires_at": iso(at + timedelta(seconds=svc.settings.upload_expiry_seconds)),
        "replayed": True,
    }


def create_submission(staff: Staff, request: SubmissionRequest, svc: Services,
                      at: datetime | None = None, idempotency_key: str | None = None) -> dict:
    """Register the hand-over and hand back one upload instruction per declared file.

    With ``idempotency_key`` (the ``Idempotency-Key`` header), a request sent again (a phone retrying
    after a lost answer) gets the submission made the first time, never a second register entry: the
    key is written in the same transaction as the submission, conditionally, and lives a day.
    """
    at = at or now()
    if not sop.tanggal_kegiatan_wajar(request.activity.date, at):
        raise InvalidInput(t("Tanggal kegiatan tidak wajar.", "The activity date is not plausible."), [{
            "field": "activity.date", "code": "date_out_of_range",
            "message": f"activity.date: tanggal kegiatan harus hari ini atau paling lama "
                       f"{sop.HARI_TERLAMBAT_MAKS} hari yang lalu",
            "message_en": f"activity.date: the activity date must be today or at most "
                          f"{sop.HARI_TERLAMBAT_MAKS} days ago"}])
    key_hash = fingerprint = None
    if idempotency_key is not None:
        key_hash, fingerprint = _key_hash(staff, idempotency_key), _fingerprint(request)
        earlier = svc.store.submission_for_key(staff.tenant_id, key_hash, at)
        if earlier is not None:
            return _replay(staff, earlier[0], fingerprint, earlier[1], svc, at)
    problems = _file_problems(request.files, svc)
    if problems:
        raise InvalidInput(t("Ada berkas yang tidak dapat diterima.", "Some files cannot be accepted."), problems)
    shortfalls = sop.check_kelengkapan(request.channels, request.narrative, request.files)
    if shortfalls:
        raise RequirementsNotMet(
            t("Kelengkapan belum memenuhi SOP.", "The SOP's required items are not met."),
            [{"field": s.field, "code": s.code, "message": s.message.id, "message_en": s.message.en}
             for s in shortfalls])
    if request.resubmission_of is not None:
        _check_resubmission(staff, request.resubmission_of, svc)
    submission_id = uuid.uuid4().hex[:20]
    submission = Submission(
        tenant_id=staff.tenant_id, submission_id=submission_id, submitter_id=staff.staff_id,
        submitter_name=staff.name, submitter_email=staff.email, activity=request.activity,
        narrative=request.narrative.strip(), procedures=list(dict.fromkeys(request.channels)),
        created_at=at, late=sop.diserahkan_terlambat(at, request.activity.date),
        resubmission_of=request.resubmission_of, website_kind=request.website_kind)
    assets = []
    for index, f in enumerate(request.files):
        # The declared order leads the id, so the files read back (sorted by id) in the order sent.
        asset_id = f"{index:03x}{uuid.uuid4().hex[:13]}"
        ctype = canonical_type(f.content_type)
        assets.append(Asset(
            tenant_id=staff.tenant_id, submission_id=submission_id, asset_id=asset_id,
            name=display_name(f.name), kind=f.kind, content_type=ctype, size=f.size,
            key=f"{staff.tenant_id}/{submission_id}/{asset_id}{_EXT.get(ctype, '')}"))
    audit = AuditEntry(tenant_id=staff.tenant_id, submission_id=submission_id, at=at, actor=staff.staff_id,
                       action="submitted", subject="submission", to_state="receiving")
    if key_hash is not None and fingerprint is not None:
        if not svc.store.create_submission_keyed(submission, assets, audit, key_hash, fingerprint,
                                                 at + IDEMPOTENCY_KEY_TTL):
            # the same key won a moment ago (two sends of one request crossing): answer its submission
            earlier = svc.store.submission_for_key(staff.tenant_id, key_hash, at)
            if earlier is None:
                raise RuntimeError("idempotency key neither written nor readable")
            return _replay(staff, earlier[0], fingerprint, earlier[1], svc, at)
    else:
        svc.store.create_submission(submission, assets)
        svc.store.append_audit(audit)
    expiry = svc.settings.upload_expiry_seconds
    # A presigned POST per file, or presigned multipart parts for a big video (usecases.uploads).
    uploads = [upload_instruction(asset, svc) for asset in assets]
    return {
        "submission_id": submission_id,
        "status": submission.status.value,
        "late": submission.late,
        "uploads": uploads,
        "expires_at": iso(at + timedelta(seconds=expiry)),
    }


def _visible(staff: Staff, submission: Submission) -> bool:
    """A submitter sees their own hand-overs; an admin or reviewer sees the village's."""
    return staff.tenant_id == submission.tenant_id and (
        staff.role is not Role.SUBMITTER or staff.staff_id == submission.submitter_id)


def view_submission(staff: Staff, submission_id: str, svc: Services) -> dict:
    if not re.fullmatch(r"[0-9a-f]{20}", submission_id):
        raise NotFound("submission")
    items = svc.store.submission_items(staff.tenant_id, submission_id)
    if not items["submission"] or not _visible(staff, items["submission"][0]):
        raise NotFound("submission")
    sub: Submission = items["submission"][0]
    latest: dict[str, dict] = {}
    for draft in sorted(items["draft"], key=lambda d: (d.procedure, d.version)):
        latest[draft.procedure.value] = {
            "procedure": draft.procedure.value, "version": draft.version, "status": draft.status.value,
            "title": draft.title, "created_at": iso(draft.created_at),
            "decided_at": iso(draft.decided_at) if draft.decided_at else None,
            "decision_note": draft.decision_note, "reject_reason": draft.reject_reason,
            "review_due": iso(sop.batas_keputusan(draft.created_at))}
    progress = keadaan_pengajuan(
        sub.status.value, sum(1 for a in items["asset"] if a.status is AssetStatus.ACCEPTED), len(items["asset"]),
        [p.value for p in sub.procedures], {p: d["status"] for p, d in latest.items()},
        {p.procedure.value for p in items["publication"] if p.status.value == "published"})
    return {
        "submission_id": sub.submission_id,
        "village": sub.tenant_id,
        "status": sub.status.value,
        # the one state a person reads (domain/progress.py): never two that contradict each other
        "state": progress.model_dump(),
        "late": sub.late,
        "resubmission_of": sub.resubmission_of,
        "closed_at": iso(sub.closed_at) if sub.closed_at else None,
        "activity": sub.activity.model_dump(mode="json"),
        "channels": [p.value for p in sub.procedures],
        "website_kind": sub.website_kind.value,
        "created_at": iso(sub.created_at),
        "completed_at": iso(sub.completed_at) if sub.completed_at else None,
        "due": {"submission": iso(sop.batas_penyerahan(sub.activity.date)),
                "drafts": iso(sop.batas_draf(sub.completed_at)) if sub.completed_at else None,
                "publication": iso(sop.batas_unggah(sub.activity.date))},
        "files": [{"file_id": a.asset_id, "name": a.name, "kind": a.kind.value, "status": a.status.value,
                   "size": a.size, "problem": a.problem,
                   # a refused file of an open submission can be replaced (POST .../files/{id}/replace)
                   "replaceable": a.status is AssetStatus.REJECTED and sub.status is SubmissionStatus.RECEIVING,
                   "refused_before": [{"name": r.name, "problem": r.problem,
                                       "received_at": iso(r.received_at) if r.received_at else None}
                                      for r in a.refused_before]} for a in items["asset"]],
        "drafts": list(latest.values()),
        "publications": [{"procedure": p.procedure.value, "version": p.version, "channel": p.channel,
                          "status": p.status.value, "url": p.url, "error": p.error,
                          "published_at": iso(p.published_at) if p.published_at else None}
                         for p in items["publication"]],
    }


#: How far back a person's own history goes (``GET /submissions``): this month and the two before.
HISTORY_MONTHS = 3
HISTORY_LIMIT = 20


def my_submissions(staff: Staff, svc: Services, at: datetime | None = None) -> dict:
    """Who the token belongs to, and their recent hand-overs with each one's status (newest first):
    the upload page shows them from the server, not only from one phone's storage."""
    from ..domain.clock import month_of

    at = at or now()
    village = svc.store.get_village(staff.tenant_id)
    months: list[str] = []
    year, month = (int(x) for x in month_of(at).split("-"))
    for _ in range(HISTORY_MONTHS):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    mine = [s for m in months for s in svc.store.submissions_in_month(staff.tenant_id, m) if _visible(staff, s)
            and (staff.role is not Role.ADMIN or s.submitter_id == staff.staff_id)]
    mine.sort(key=lambda s: s.created_at, reverse=True)
    return {"you": {"name": staff.name, "role": staff.role.value, "village": village.id, "village_name": village.name},
            "submissions": [view_submission(staff, s.submission_id, svc) for s in mine[:HISTORY_LIMIT]]}
