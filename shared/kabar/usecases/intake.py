"""Intake: each uploaded object is checked against what was declared, then cleaned and recorded.

Files are sniffed from their bytes, never trusted by name; presigned-POST conditions are checked
again here (the local emulator does not enforce them, and a policy is not a proof).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from aws_lambda_powertools import Logger

from ..domain import sop_metrics
from ..domain.clock import now
from ..domain.events import SubmissionCompleted
from ..domain.media import MediaRejected, VideoCleaner, check_declared, check_video, sanitize_photo, sniff
from ..domain.models import Asset, AssetStatus, AuditEntry, FileKind, SubmissionStatus
from ..domain.outbox import Change
from ..domain.text import t
from ..services import Services
from .submitter_notices import receipt_notice

logger = Logger(child=True)

KEY_RE = re.compile(
    r"^(?P<tenant>[a-z0-9][a-z0-9-]{1,40})/(?P<sub>[0-9a-f]{20})/(?P<asset>[0-9a-f]{16})(\.[a-z0-9]{1,5})?$")
SNIFF_BYTES = 8192


@dataclass
class IntakeResult:
    key: str
    outcome: str  # accepted | rejected | undeclared | duplicate | foreign_bucket | later_version_discarded
    submission_complete: bool = False


def _reject(asset: Asset, code: str, message) -> Asset:  # noqa: ANN001 - Bilingual
    return asset.model_copy(update={"status": AssetStatus.REJECTED, "problem": f"{code}: {message}",
                                    "received_at": now()})


def inspect_object(asset: Asset, svc: Services, version_id: str | None = None) -> Asset:
    """The verdict on one stored version: accepted with its clean copy, or rejected with why.

    Every read names ``version_id``, and the verdict records it: the register's SHA-256 describes
    that version, which a later upload to the same key can never replace.
    """
    head = svc.uploads.head(asset.key, version_id)
    if head is None:
        return _reject(asset, "missing", t("Berkas tidak ditemukan.", "The file was not found."))
    version_id = version_id or head.get("VersionId")
    asset = asset.model_copy(update={"version_id": version_id})
    size = int(head["ContentLength"])
    if size != asset.size:
        return _reject(asset, "size_mismatch", t(
            f"Ukuran berkas {size} byte, padahal dinyatakan {asset.size} byte. Unggah ulang berkas aslinya.",
            f"The file has {size} bytes but {asset.size} were declared. Upload the original file again."))
    first = svc.uploads.get_range(asset.key, 0, SNIFF_BYTES - 1, version_id)
    sniffed = sniff(first)
    try:
        check_declared(asset.kind, asset.content_type, sniffed)
        if asset.kind is FileKind.PHOTO:
            data = svc.uploads.get(asset.key, version_id)
            digest = hashlib.sha256(data).hexdigest()
            clean = sanitize_photo(data)
            clean_key = f"{asset.tenant_id}/{asset.submission_id}/photos/{asset.asset_id}{_of(version_id)}.jpg"
            svc.media.put(clean_key, clean.data, clean.content_type)
            extra = {"width": clean.width, "height": clean.height}
        else:
            check_video(first)
            clean_key = (f"{asset.tenant_id}/{asset.submission_id}/videos/"
                         f"{asset.asset_id}{_of(version_id)}{_suffix(asset.key)}")
            digest = _publish_video(svc, asset.key, clean_key, asset.content_type, version_id)
            extra = {}
    except MediaRejected as err:
        return _reject(asset, err.code, err.message)
    return asset.model_copy(update={"status": AssetStatus.ACCEPTED, "sniffed_type": sniffed, "sha256": digest,
                                    "clean_key": clean_key, "received_at": now(), "problem": None, **extra})


def _publish_video(svc: Services, key: str, clean_key: str, content_type: str, version_id: str | None) -> str:
    """One streamed pass over the original: its SHA-256, its box structure checked (a cut-off upload
    is refused), and the publishing copy written without location or camera metadata. Constant memory."""
    hasher = hashlib.sha256()
    cleaner = VideoCleaner()

    def cleaned() -> Iterator[bytes]:
        for chunk in svc.uploads.iter_chunks(key, version_id=version_id):
            hasher.update(chunk)
            yield cleaner.feed(chunk)
        cleaner.finish()  # raising here aborts the copy before it is completed

    svc.media.put_stream(clean_key, cleaned(), content_type)
    return hasher.hexdigest()


def _of(version_id: str | None) -> str:
    """A clean copy's name names the version it was made from: two uploads judged at once (a double
    tap) never overwrite each other's copy, and the one recorded is the recorded version's."""
    return f"-{hashlib.sha256(version_id.encode()).hexdigest()[:12]}" if version_id else ""


def _suffix(key: str) -> str:
    name = key.rsplit("/", 1)[-1]
    return name[name.index("."):] if "." in name else ""


def process_object(key: str, svc: Services, bucket: str | None = None,
                   version_id: str | None = None) -> IntakeResult:
    """Judge one uploaded object of the uploads bucket.

    ``bucket`` is the one the notification names: a record for any other bucket is ignored, never
    acted on in ours (a key is only meaningful in the bucket it was written to). ``version_id`` is the
    version the notification names (S3 sends it for a versioned bucket); without it, the current one.
    """
    if bucket is not None and bucket != svc.uploads.bucket:
        logger.warning("notification for another bucket ignored", extra={"bucket": bucket[:100]})
        return IntakeResult(key, "foreign_bucket")
    match = KEY_RE.match(key)
    asset = svc.store.get_asset(match["tenant"], match["sub"], match["asset"]) if match else None
    if asset is None or asset.key != key:
        # Nobody was given an instruction for this key: it is not part of any register entry. Intake
        # may not delete (its role cannot touch the record): the lifecycle rule removes what it tags.
        logger.warning("undeclared object discarded", extra={"key": key[:200]})
        svc.uploads.discard(key, version_id or _current_version(svc, key))
        return IntakeResult(key, "undeclared")
    outcome = "duplicate"
    if asset.status is not AssetStatus.EXPECTED:
        version_id = version_id or _current_version(svc, key)
        if asset.version_id and version_id and version_id != asset.version_id:
            # A later upload to a file already decided (a still valid presigned POST used again, a
            # double tap): never recorded, never read; the lifecycle rule removes it.
            svc.uploads.discard(key, version_id)
            logger.warning("later version of a decided file discarded",
                           extra={"submission_id": asset.submission_id, "tenant_id": asset.tenant_id,
                                  "file_id": asset.asset_id, "status": asset.status.value})
            return IntakeResult(key, "later_version_discarded")
    elif asset.refused_before and (version_id or _current_version(svc, key)) in {
            r.version_id for r in asset.refused_before if r.version_id}:
        # the refused version again (a late duplicate notification, before the replacement arrived)
        logger.info("refused version not judged again", extra={"file_id": asset.asset_id})
    else:
        verdict = inspect_object(asset, svc, version_id)
        audit = AuditEntry(tenant_id=asset.tenant_id, submission_id=asset.submission_id, at=now(), actor="intake",
                           action=f"file_{verdict.status.value}", subject=f"file:{asset.asset_id}",
                           from_state="expected", to_state=verdict.status.value, note=verdict.problem)
        if svc.store.record_asset(verdict, Change(audit=audit)):
            outcome = verdict.status.value
            logger.info("file checked", extra={"submission_id": asset.submission_id, "tenant_id": asset.tenant_id,
                                               "file_id": asset.asset_id, "outcome": outcome,
                                               "problem": verdict.problem})
        else:
            recorded = svc.store.get_asset(asset.tenant_id, asset.submission_id, asset.asset_id)
            if recorded and recorded.version_id and verdict.version_id not in (None, recorded.version_id):
                svc.uploads.discard(key, verdict.version_id)  # another delivery recorded another version
    complete = complete_if_ready(asset.tenant_id, asset.submission_id, svc)
    return IntakeResult(key, outcome, complete)


def _current_version(svc: Services, key: str) -> str | None:
    head = svc.uploads.head(key)
    return head.get("VersionId") if head else None


def complete_if_ready(tenant_id: str, submission_id: str, svc: Services) -> bool:
    """When every declared file is accepted, the hand-over is complete: drafting may start.

    The completion, its audit entry and the event commit together, so a redelivery that finds the
    submission complete has nothing left to do.
    """
    assets = svc.store.list_assets(tenant_id, submission_id)
    if not assets or any(a.status is not AssetStatus.ACCEPTED for a in assets):
        return False
    submission = svc.store.get_submission(tenant_id, submission_id)
    at = now()
    if submission.status is SubmissionStatus.COMPLETE:
        return True
    village = svc.store.get_village(tenant_id)
    completed = submission.model_copy(update={"completed_at": at})
    svc.store.mark_complete(submission, at, Change(
        audit=AuditEntry(tenant_id=tenant_id, submission_id=submission_id, at=at, actor="intake", action="completed",
                         subject="submission", from_state="receiving", to_state="complete"),
        events=[SubmissionCompleted(tenant_id=tenant_id, submission_id=submission_id, occurred_at=at)],
        # the submitter's receipt with the register number, committed with the completion (sent once)
        notices=receipt_notice(village, completed, assets)))
    complete = svc.store.get_submission(tenant_id, submission_id).status is SubmissionStatus.COMPLETE
    if complete:
        svc.metrics.count(sop_metrics.SUBMISSIONS, tenant_id)
    return complete
