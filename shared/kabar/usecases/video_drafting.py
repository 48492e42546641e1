"""SOP step 2, the video: the submitted video becomes the draft video the PPID watches and the channels get.

On ``SubmissionCompleted`` (the VideoDrafting function, its own queue): the original is read from
the uploads bucket (the record, never changed), its length checked against every configured channel,
then one decode makes the published copy, the 9:16 copy when Instagram or YouTube is configured and
the cover frame (``domain/video_transcode.py``). Each copy is checked box by box for anything but
picture and sound before it is stored. The published copy replaces intake's blanked copy, so the
media bucket keeps one copy for publishing. The result is recorded once (``VideoDraft``) and
announced (``VideoDrafted``): the social draft waits for it, never beyond ``batas_tunggu_video``.

A video that cannot be used is refused with the reason, in Indonesian and English, to the admins
and the submitter; the social draft then goes with the photos.
"""

from __future__ import annotations

import mmap
import tempfile
from datetime import datetime
from pathlib import Path

from aws_lambda_powertools import Logger

from ..domain.clock import long_date_id, now
from ..domain.events import SubmissionCompleted, VideoDrafted
from ..domain.models import Asset, AssetStatus, AuditEntry, FileKind, Procedure, Submission, SubmissionStatus, Village
from ..domain.outbox import Change, Notice
from ..domain.text import Bilingual
from ..domain.video import (
    VIDEO_LATE,
    VIDEO_UNREADABLE,
    Refusal,
    VideoDraft,
    check_duration,
    check_size,
    menunggu_video,
    metadata_found,
    video_channels,
    video_keys,
    wants_vertical,
)
from ..services import Services
from .notices import promised

logger = Logger(child=True)

CHUNK = 8 * 1024 * 1024


class PrivateDataLeft(RuntimeError):
    """A copy still holds something besides picture and sound: it is never stored (a bug, retried, alarmed)."""


def submitted_video(svc: Services, tenant_id: str, submission_id: str) -> Asset | None:
    """The submission's accepted video, if it has one."""
    return next((a for a in svc.store.list_assets(tenant_id, submission_id)
                 if a.kind is FileKind.VIDEO and a.status is AssetStatus.ACCEPTED), None)


def draft_video(event: SubmissionCompleted, svc: Services, at: datetime | None = None,
                workdir: Path | None = None, threads: int = 0) -> VideoDrafted | None:
    """Make (once) the draft video of a complete submission and announce it; None when there is none to make."""
    store = svc.store
    submission = store.get_submission(event.tenant_id, event.submission_id)
    if submission.status is not SubmissionStatus.COMPLETE or Procedure.SOCIAL not in submission.procedures:
        return None
    video = submitted_video(svc, event.tenant_id, event.submission_id)
    if video is None:
        return None
    done = store.get_video_draft(event.tenant_id, event.submission_id, video.asset_id)
    if done is not None:
        # a redelivery: the result and its announcement were committed together; say it again (drafting is idempotent)
        again = _announcement(done)
        store.enqueue(Change(events=[again]))
        return again
    return _announcement(_make(svc, submission, video, at or now(), workdir, threads))


def _announcement(done: VideoDraft) -> VideoDrafted:
    return VideoDrafted(tenant_id=done.tenant_id, submission_id=done.submission_id, asset_id=done.asset_id,
                        status=done.status, occurred_at=done.made_at)


def _make(svc: Services, submission: Submission, video: Asset, at: datetime, workdir: Path | None,
          threads: int) -> VideoDraft:
    village = svc.store.get_village(submission.tenant_id)
    limits = video_channels(village.channels.get(Procedure.SOCIAL, []))
    base = {"tenant_id": submission.tenant_id, "submission_id": submission.submission_id,
            "asset_id": video.asset_id, "original_size": video.size}
    if submission.completed_at is not None and not menunggu_video(submission.completed_at, at):
        # an earlier attempt failed or ran out of time: the photos' draft must not wait any longer. No
        # draft uses the blanked copy then either: it goes, the original stays as the record
        _drop_blanked_copy(svc, video)
        return _record(svc, village, submission, VideoDraft(
            **base, status="late", problem_code="video_late", problem=VIDEO_LATE, made_at=at), tell_submitter=False)
    from ..domain import video_transcode as vt

    with tempfile.TemporaryDirectory(prefix="kabar-video-", dir=workdir) as tmp:
        source = Path(tmp) / "original"
        with source.open("wb") as out:
            for chunk in svc.uploads.iter_chunks(video.key, CHUNK):
                out.write(chunk)
        probe = None
        try:
            probe = vt.probe(source)
            refusal = check_duration(probe.duration, limits)
            made = None if refusal else vt.make_copies(source, Path(tmp) / "copies", wants_vertical(limits), threads)
        except vt.VideoUnreadable as err:
            logger.info("video unreadable", extra={"reason": str(err)})
            refusal, made = Refusal(code="video_corrupt", message=VIDEO_UNREADABLE), None
        source.unlink()
        if made is not None:
            size = made.published.stat().st_size
            largest = max(size, made.vertical.stat().st_size if made.vertical else 0)
            refusal = check_size(largest, limits)
        if refusal is not None:
            _drop_blanked_copy(svc, video)  # nothing to publish: the original stays as the record
            return _record(svc, village, submission, VideoDraft(
                **base, status="refused", problem_code=refusal.code, problem=refusal.message,
                duration=probe.duration if probe else None, made_at=at))
        assert made is not None  # no refusal: the copies were made
        keys = video_keys(submission.tenant_id, submission.submission_id, video.asset_id)
        copies = [(made.published, keys["published"], "video/mp4")]
        if made.vertical is not None:
            copies.append((made.vertical, keys["vertical"], "video/mp4"))
        for path, _, _ in copies:
            _assert_clean(path)
        for path, key, content_type in copies:
            svc.media.put_stream(key, _chunks(path), content_type)
        svc.media.put(keys["cover"], made.cover.read_bytes(), "image/jpeg")
    _drop_blanked_copy(svc, video, keep=set(keys.values()))
    return _record(svc, village, submission, VideoDraft(
        **base, status="ready", published_key=keys["published"],
        vertical_key=keys["vertical"] if made.vertical is not None else None, cover_key=keys["cover"],
        duration=made.duration, width=made.width, height=made.height, fps=made.fps, size=size, made_at=at))


def _drop_blanked_copy(svc: Services, video: Asset, keep: set[str] | None = None) -> None:
    """Intake's blanked copy goes: the published copy replaces it (one copy for publishing, the original
    in the uploads bucket as the record)."""
    if video.clean_key and video.clean_key not in (keep or set()):
        svc.media.delete(video.clean_key)


def _chunks(path: Path):  # noqa: ANN202 - Iterator[bytes]
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def _assert_clean(path: Path) -> None:
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        found = metadata_found(data)  # type: ignore[arg-type]  # mmap slices like bytes
    if found:
        raise PrivateDataLeft(f"{path.name}: {found}")


def _record(svc: Services, village: Village, submission: Submission, result: VideoDraft,
            tell_submitter: bool = True) -> VideoDraft:
    """The result once, with its audit entry, its announcement and (for a video not used) the emails,
    in one commit; a delivery that finds it recorded already gets what was recorded."""
    change = Change(
        audit=AuditEntry(tenant_id=result.tenant_id, submission_id=result.submission_id, at=result.made_at,
                         actor="video-drafting", action=f"video_{result.status}", subject=f"file:{result.asset_id}",
                         to_state=result.status, note=str(result.problem) if result.problem else None),
        events=[_announcement(result)],
        notices=_notices(village, submission, result, tell_submitter) if result.problem is not None else [])
    if svc.store.put_video_draft(result, change):
        logger.info("draft video", extra={"status": result.status, "code": result.problem_code,
                                          "size": result.size, "original_size": result.original_size})
        return result
    return svc.store.get_video_draft(result.tenant_id, result.submission_id, result.asset_id) or result


def _notices(village: Village, submission: Submission, result: VideoDraft, tell_submitter: bool) -> list[Notice]:
    assert result.problem is not None
    problem: Bilingual = result.problem
    context = {"village": village, "submission": submission, "problem": problem,
               "activity_date": long_date_id(submission.activity.date)}
    to = [str(a.email) for a in village.admins] + ([submission.submitter_email] if tell_submitter else [])
    return promised(village.id, "video_refused", f"file:{result.asset_id}", to,
                    f"[Kabar {village.name}] Video tidak dapat dipakai: {submission.activity.title}",
                    "email/video_refused", context,
                    submission_id=submission.submission_id)
