"""Upload instructions: a presigned POST per file, or a resumable multipart upload for a big video.

A phone on a patchy connection must never start a 300 MB video again from zero. A video above
``multipart_threshold_bytes`` goes as an S3 multipart upload: the browser PUTs each part to its own
presigned URL, asks the server which parts are stored (after a reload or a broken connection),
sends only the missing ones, then asks the server to complete. S3 itself is the record of the
parts (no copy of upload ids in the table), so the lifecycle rule that aborts abandoned uploads
can never leave the table pointing at nothing.

The server completes only what was declared: the parts must be numbered without gaps and add up
to exactly the declared size; a larger total is refused (the presigned part URLs cannot bound a
part's size, this check can). Intake checks the stored object's size once more.
"""

from __future__ import annotations

import math
import re
import uuid
from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from ..domain.clock import iso, now
from ..domain.errors import Conflict, InvalidInput, NotFound
from ..domain.file_types import canonical_type
from ..domain.models import (
    Asset,
    AssetStatus,
    AuditEntry,
    DeclaredFile,
    FileKind,
    RefusedAttempt,
    Role,
    Staff,
    SubmissionStatus,
)
from ..domain.text import t
from ..ports import StoredPart
from ..services import Services

MIN_PART_BYTES = 5 * 1024 * 1024  # S3: every part but the last
MAX_PARTS = 10_000  # S3


def is_multipart(asset: Asset, svc: Services) -> bool:
    return asset.kind is FileKind.VIDEO and asset.size > svc.settings.multipart_threshold_bytes


def part_size(size: int, svc: Services) -> int:
    return max(svc.settings.multipart_part_bytes, MIN_PART_BYTES, math.ceil(size / MAX_PARTS))


def expected_parts(size: int, part_bytes: int) -> list[int]:
    """The size of each part, in order, for a file of ``size`` bytes."""
    count = max(1, math.ceil(size / part_bytes))
    return [part_bytes] * (count - 1) + [size - part_bytes * (count - 1)]


def _part_json(part: StoredPart) -> dict:
    return {"part_number": part.number, "size": part.size, "etag": part.etag}


def instruction(asset: Asset, svc: Services) -> dict:
    """How to upload this file now: fresh signatures; for multipart, only the parts still missing."""
    expiry = svc.settings.upload_expiry_seconds
    base = {"file_id": asset.asset_id, "name": asset.name, "kind": asset.kind.value, "size": asset.size}
    if not is_multipart(asset, svc):
        post = svc.uploads.presign_post(asset.key, asset.content_type, asset.size, expiry)
        return {**base, "method": "POST", "url": post.url, "fields": post.fields}
    upload_id = svc.uploads.find_multipart(asset.key)
    stored = svc.uploads.list_parts(asset.key, upload_id) if upload_id else None
    if stored is None:  # never started, aborted, or removed by the lifecycle rule: start afresh
        upload_id = svc.uploads.create_multipart(asset.key, asset.content_type)
        stored = []
    assert upload_id is not None
    part_bytes = part_size(asset.size, svc)
    sizes = expected_parts(asset.size, part_bytes)
    have = {p.number for p in stored if p.number <= len(sizes) and p.size == sizes[p.number - 1]}
    parts = [{"part_number": n, "size": sizes[n - 1],
              "url": svc.uploads.presign_part(asset.key, upload_id, n, expiry)}
             for n in range(1, len(sizes) + 1) if n not in have]
    return {**base, "method": "MULTIPART", "upload_id": upload_id, "part_size": part_bytes,
            "part_count": len(sizes), "parts": parts, "stored_parts": [_part_json(p) for p in stored]}


def _asset_for(staff: Staff, submission_id: str, file_id: str, svc: Services) -> Asset:
    """The declared file, if this person may upload it (their own submission, their village)."""
    if not (re.fullmatch(r"[0-9a-f]{20}", submission_id) and re.fullmatch(r"[0-9a-f]{16}", file_id)):
        raise NotFound("file")
    try:
        submission = svc.store.get_submission(staff.tenant_id, submission_id)
    except NotFound:
        raise NotFound("file") from None
    if staff.role is Role.SUBMITTER and submission.submitter_id != staff.staff_id:
        raise NotFound("file")
    asset = svc.store.get_asset(staff.tenant_id, submission_id, file_id)
    if asset is None:
        raise NotFound("file")
    return asset


def _still_expected(asset: Asset) -> None:
    if asset.status is not AssetStatus.EXPECTED:
        msg = (t("Berkas ini sudah diterima; tidak perlu diunggah lagi.",
                 "This file has already been received; there is no need to upload it again.")
               if asset.status is AssetStatus.ACCEPTED else
               t("Berkas ini sudah diperiksa dan ditolak. Ganti dengan berkas yang benar (Ganti berkas).",
                 "This file was checked and refused. Replace it with the right file (Replace file)."))
        raise Conflict(msg, [{"field": "file", "code": f"file_{asset.status.value}", "message": msg.id,
                              "message_en": msg.en}])


def fresh_instruction(staff: Staff, submission_id: str, file_id: str, svc: Services,
                      at: datetime | None = None) -> dict:
    """A new upload instruction for a file whose instruction expired or whose upload broke off."""
    asset = _asset_for(staff, submission_id, file_id, svc)
    _still_expected(asset)
    at = at or now()
    return {"submission_id": submission_id, "upload": instruction(asset, svc),
            "expires_at": iso(at + timedelta(seconds=svc.settings.upload_expiry_seconds))}


def _open_upload(asset: Asset, svc: Services) -> tuple[str, list[StoredPart]]:
    upload_id = svc.uploads.find_multipart(asset.key) if is_multipart(asset, svc) else None
    stored = svc.uploads.list_parts(asset.key, upload_id) if upload_id else None
    if stored is None:
        msg = t("Tidak ada unggahan bertahap yang terbuka untuk berkas ini. Minta instruksi unggah baru.",
                "There is no open multipart upload for this file. Ask for a new upload instruction.")
        raise NotFound("upload") if not is_multipart(asset, svc) else Conflict(
            msg, [{"field": "upload", "code": "no_open_upload", "message": msg.id, "message_en": msg.en}])
    assert upload_id is not None  # parts were listed for it
    return upload_id, stored


def list_stored_parts(staff: Staff, submission_id: str, file_id: str, svc: Services) -> dict:
    """Which parts of a multipart upload are already stored (the page resumes from there)."""
    asset = _asset_for(staff, submission_id, file_id, svc)
    upload_id, stored = _open_upload(asset, svc)
    part_bytes = part_size(asset.size, svc)
    return {"file_id": file_id, "upload_id": upload_id, "size": asset.size, "part_size": part_bytes,
            "part_count": len(expected_parts(asset.size, part_bytes)),
            "stored_bytes": sum(p.size for p in stored), "parts": [_part_json(p) for p in stored]}


def complete_upload(staff: Staff, submission_id: str, file_id: str, svc: Services) -> dict:
    """Join the stored parts into the file, only when they are exactly what was declared."""
    asset = _asset_for(staff, submission_id, file_id, svc)
    _still_expected(asset)
    upload_id, stored = _open_upload(asset, svc)
    total = sum(p.size for p in stored)
    if total > asset.size:
        msg = t(f"Bagian yang terunggah berjumlah {total} byte, lebih dari ukuran yang dinyatakan ({asset.size} "
                "byte). Unggahan tidak diselesaikan; unggah ulang berkas aslinya.",
                f"The uploaded parts add up to {total} bytes, more than the declared size ({asset.size} bytes). "
                "The upload was not completed; upload the original file again.")
        raise InvalidInput(msg, [{"field": "size", "code": "size_exceeds_declared", "message": msg.id,
                                  "message_en": msg.en}])
    sizes = expected_parts(asset.size, part_size(asset.size, svc))
    numbers = [p.number for p in stored]
    missing = [n for n in range(1, len(sizes) + 1) if n not in numbers]
    if missing or total != asset.size or numbers != list(range(1, len(sizes) + 1)):
        shown = ", ".join(str(n) for n in missing[:20]) or "-"
        msg = t(f"Unggahan belum lengkap ({total} dari {asset.size} byte; bagian yang kurang: {shown}). "
                "Lanjutkan unggahan lalu selesaikan lagi.",
                f"The upload is not complete yet ({total} of {asset.size} bytes; missing parts: {shown}). "
                "Resume the upload, then complete it again.")
        raise Conflict(msg, [{"field": "parts", "code": "parts_missing", "message": msg.id, "message_en": msg.en,
                              "missing": missing}])
    svc.uploads.complete_multipart(asset.key, upload_id, stored)
    return {"file_id": file_id, "status": "uploaded", "size": total}


def abort_upload(staff: Staff, submission_id: str, file_id: str, svc: Services) -> None:
    """Throw away the stored parts of a file (the next instruction starts it afresh)."""
    asset = _asset_for(staff, submission_id, file_id, svc)
    if not is_multipart(asset, svc):
        return
    for _ in range(20):  # every open upload of this key (a double tap may have started two)
        upload_id = svc.uploads.find_multipart(asset.key)
        if upload_id is None:
            return
        svc.uploads.abort_multipart(asset.key, upload_id)


class ReplacementFile(BaseModel):
    """The file the submitter sends instead of a refused one (its kind stays the declared one)."""

    name: str = Field(min_length=1, max_length=255)
    content_type: str = Field(min_length=1, max_length=100)
    size: int = Field(gt=0)


def _conflict(code: str, message_id: str, message_en: str) -> Conflict:
    msg = t(message_id, message_en)
    return Conflict(msg, [{"field": "file", "code": code, "message": msg.id, "message_en": msg.en}])


def replace_file(staff: Staff, submission_id: str, file_id: str, request: ReplacementFile,
                 svc: Services, at: datetime | None = None) -> dict:
    """A refused file of an open submission expected again: a new upload instruction for it.

    The refused version stays in the uploads bucket and in the record (``refused_before``); the new
    upload is a new version of the same key, judged by intake like the first, and the submission
    completes when every file is accepted.
    """
    from .submissions import _file_problems, display_name

    at = at or now()
    asset = _asset_for(staff, submission_id, file_id, svc)
    submission = svc.store.get_submission(staff.tenant_id, submission_id)
    if submission.status is not SubmissionStatus.RECEIVING:
        raise _conflict("submission_closed", "Pengajuan ini sudah lengkap atau ditutup; berkasnya tidak dapat diganti.",
                        "This submission is complete or closed; its files can no longer be replaced.")
    if asset.status is AssetStatus.ACCEPTED:
        raise _conflict("file_accepted", "Berkas ini sudah diterima; tidak perlu diganti.",
                        "This file has already been accepted; there is no need to replace it.")
    if asset.status is AssetStatus.EXPECTED:
        raise _conflict("file_expected", "Berkas ini belum diperiksa; unggah saja berkasnya (tidak perlu diganti).",
                        "This file has not been checked yet; just upload it (no need to replace it).")
    declared = DeclaredFile(name=request.name, kind=asset.kind, content_type=request.content_type, size=request.size)
    problems = _file_problems([declared], svc)
    if problems:
        for problem in problems:
            problem["field"] = problem["field"].replace("files[0]", "file")
        raise InvalidInput(t("Berkas pengganti tidak dapat diterima.", "The replacement file cannot be accepted."),
                           problems)
    attempt = RefusedAttempt(name=asset.name, content_type=asset.content_type, size=asset.size,
                             version_id=asset.version_id, problem=asset.problem, received_at=asset.received_at)
    reopened = asset.model_copy(update={
        "status": AssetStatus.EXPECTED, "name": display_name(request.name),
        "content_type": canonical_type(request.content_type), "size": request.size, "version_id": None,
        "sniffed_type": None, "sha256": None, "clean_key": None, "width": None, "height": None, "problem": None,
        "received_at": None, "refused_before": [*asset.refused_before, attempt]})
    audit = AuditEntry(tenant_id=staff.tenant_id, submission_id=submission_id, at=at, actor=staff.staff_id,
                       action="file_replaced", subject=f"file:{file_id}", from_state="rejected", to_state="expected",
                       note=asset.problem)
    if not svc.store.reopen_asset(asset, reopened, audit):
        raise _conflict("file_changed", "Berkas ini baru saja berubah; muat ulang halaman lalu coba lagi.",
                        "This file changed meanwhile; reload the page and try again.")
    return {"submission_id": submission_id, "upload": instruction(reopened, svc),
            "expires_at": iso(at + timedelta(seconds=svc.settings.upload_expiry_seconds))}


class NewFile(BaseModel):
    """``POST /submissions/{id}/files``: a file the hand-over did not declare (a photo forgotten, a
    file the admin asked for)."""

    name: str = Field(min_length=1, max_length=200)
    kind: FileKind
    content_type: str = Field(min_length=1, max_length=100)
    size: int = Field(gt=0)


def add_file(staff: Staff, submission_id: str, request: NewFile, svc: Services,
             at: datetime | None = None) -> dict:
    """A new file for an open hand-over, through the same upload flow as the first ones: one more
    expected file and its upload instruction. While files are still arriving, completion waits for it
    too; once complete (drafts made, nothing decided for good), intake checks it and the admin finds
    it among the files to choose from. A hand-over closed by TOLAK takes no more files."""
    from .submissions import _EXT, MAX_FILES, _file_problems, display_name

    at = at or now()
    submission = svc.store.get_submission(staff.tenant_id, submission_id)
    if staff.tenant_id != submission.tenant_id or (staff.role is Role.SUBMITTER
                                                   and staff.staff_id != submission.submitter_id):
        raise NotFound("submission")
    if submission.status is SubmissionStatus.REJECTED:
        raise _conflict("submission_closed", "Pengajuan ini sudah ditutup; kirim sebagai pengajuan baru.",
                        "This submission is closed; send it as a new submission.")
    assets = svc.store.list_assets(staff.tenant_id, submission_id)
    if len(assets) >= MAX_FILES:
        raise _conflict("too_many_files", f"Paling banyak {MAX_FILES} berkas per pengajuan.",
                        f"At most {MAX_FILES} files per submission.")
    declared = DeclaredFile(name=request.name, kind=request.kind, content_type=request.content_type,
                            size=request.size)
    problems = _file_problems([declared], svc)
    if problems:
        for problem in problems:
            problem["field"] = problem["field"].replace("files[0]", "file")
        raise InvalidInput(t("Berkas ini tidak dapat diterima.", "This file cannot be accepted."), problems)
    ctype = canonical_type(request.content_type)
    # after every declared file in the listing's order (ids sort by their leading index)
    asset_id = f"{len(assets):03x}{uuid.uuid4().hex[:13]}"
    asset = Asset(tenant_id=staff.tenant_id, submission_id=submission_id, asset_id=asset_id,
                  name=display_name(request.name), kind=request.kind, content_type=ctype, size=request.size,
                  key=f"{staff.tenant_id}/{submission_id}/{asset_id}{_EXT.get(ctype, '')}")
    audit = AuditEntry(tenant_id=staff.tenant_id, submission_id=submission_id, at=at, actor=staff.staff_id,
                       action="file_added", subject=f"file:{asset_id}", to_state="expected", note=asset.name)
    if not svc.store.add_asset(asset, audit):
        raise _conflict("submission_closed", "Pengajuan ini baru saja ditutup; berkas tidak ditambahkan.",
                        "This submission was closed meanwhile; the file was not added.")
    return {"submission_id": submission_id, "upload": instruction(asset, svc),
            "expires_at": iso(at + timedelta(seconds=svc.settings.upload_expiry_seconds))}
