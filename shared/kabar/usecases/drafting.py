"""SOP step 2: the documentation becomes drafts: a caption and a cover (social), an article (website)."""

from __future__ import annotations

from aws_lambda_powertools import Logger

from ..domain import drafting, sop_metrics
from ..domain.carousel import build_carousel
from ..domain.clock import long_date_id, now
from ..domain.errors import NotFound
from ..domain.events import DraftReady, RevisionSubmitted, SubmissionCompleted, VideoDrafted
from ..domain.graphic import make_cover
from ..domain.models import AssetStatus, AuditEntry, Draft, DraftStatus, FileKind, Procedure, SubmissionStatus
from ..domain.outbox import Change
from ..domain.video import menunggu_video
from ..services import Services
from .village_logo import village_logo

logger = Logger(child=True)

#: A carousel holds at most 10 items (Instagram's API limit); the cover takes one place.
MAX_CAROUSEL_PHOTOS = 9


def make_drafts(event: SubmissionCompleted | VideoDrafted, svc: Services) -> list[DraftReady]:
    """Draft version 1 of each chosen procedure, once, announced in the same commit (a redelivery finds it made).

    The social draft of a hand-over with a video waits for the draft video (``VideoDrafted``), but
    never past ``batas_tunggu_video``; the website draft never waits."""
    store = svc.store
    submission = store.get_submission(event.tenant_id, event.submission_id)
    if submission.status is not SubmissionStatus.COMPLETE:
        logger.warning("drafting asked for an incomplete submission; ignored")
        return []
    village = store.get_village(event.tenant_id)
    assets = [a for a in store.list_assets(event.tenant_id, event.submission_id) if a.status is AssetStatus.ACCEPTED]
    photos = sorted((a for a in assets if a.kind is FileKind.PHOTO), key=lambda a: a.name)
    video = next((a for a in assets if a.kind is FileKind.VIDEO), None)
    photo_keys = [a.clean_key for a in photos if a.clean_key]
    video_draft = store.get_video_draft(event.tenant_id, event.submission_id, video.asset_id) if video else None
    ready: list[DraftReady] = []
    for procedure in submission.procedures:
        try:
            existing = store.get_draft(event.tenant_id, event.submission_id, procedure)
        except NotFound:
            existing = None
        if (existing is None and procedure is Procedure.SOCIAL and video is not None and video_draft is None
                and submission.completed_at is not None and menunggu_video(submission.completed_at, now())):
            logger.info("the social draft waits for the draft video")
            continue
        if existing is None:
            at = now()
            article = drafting.build_article(village, submission)
            draft = Draft(tenant_id=event.tenant_id, submission_id=event.submission_id, procedure=procedure,
                          version=1, title=article.title, slug=article.slug, dateline=article.dateline,
                          lead=article.lead, created_at=at, photo_keys=photo_keys)
            if procedure is Procedure.SOCIAL:
                prefix = f"{event.tenant_id}/{event.submission_id}/drafts/social-v1"
                originals = [svc.media.get(key) for key in photo_keys]
                carousel = build_carousel(originals, MAX_CAROUSEL_PHOTOS)
                carousel_keys = []
                for n, framed in enumerate(carousel.frames, 1):
                    carousel_keys.append(f"{prefix}-photo-{n}.jpg")
                    svc.media.put(carousel_keys[-1], framed, "image/jpeg")
                cover_key = f"{prefix}-cover.jpg"
                logo = village_logo(village, svc)
                cover = make_cover(originals[carousel.cover_index], submission.activity.title, village.name,
                                   long_date_id(submission.activity.date), logo=logo)
                svc.media.put(cover_key, cover, "image/jpeg")
                draft = draft.model_copy(update={
                    "caption": drafting.build_caption(village, submission), "graphic_key": cover_key,
                    "photo_keys": carousel_keys, **_video_fields(video_draft)})
            else:
                website = drafting.build_website(village, submission, submission.website_kind)
                draft = draft.model_copy(update={
                    "title": website.title, "slug": website.slug, "dateline": website.dateline,
                    "lead": website.lead, "article_html": website.body_html, "website_kind": submission.website_kind})
            announce = DraftReady(tenant_id=event.tenant_id, submission_id=event.submission_id,
                                  procedure=procedure, version=1, occurred_at=at)
            # the draft, its audit entry and its announcement: together or not at all
            if store.put_draft(draft, Change(
                    audit=AuditEntry(tenant_id=event.tenant_id, submission_id=event.submission_id, at=at,
                                     actor="drafting", action="drafted", subject=f"draft:{procedure.value}:v1",
                                     to_state=DraftStatus.IN_REVIEW.value),
                    events=[announce])):
                ready.append(announce)
                svc.metrics.count(sop_metrics.DRAFTS, event.tenant_id, procedure=procedure.value)
                logger.info("draft made", extra={"procedure": procedure.value, "version": 1})
    return ready


def _video_fields(video_draft) -> dict:  # noqa: ANN001 - VideoDraft | None
    """The draft video's copies, when the video step made them (a refused or late video: none)."""
    if video_draft is None or video_draft.status != "ready":
        return {"video_key": None, "video_vertical_key": None, "video_cover_key": None}
    return {"video_key": video_draft.published_key, "video_vertical_key": video_draft.vertical_key,
            "video_cover_key": video_draft.cover_key}


def announce_revision(event: RevisionSubmitted, svc: Services) -> list[DraftReady]:
    """A revised version stored by the admin goes back to the reviewer (once it is under review)."""
    draft = svc.store.get_draft(event.tenant_id, event.submission_id, event.procedure, event.version)
    if draft.status is not DraftStatus.IN_REVIEW:
        return []
    ready = [DraftReady(tenant_id=event.tenant_id, submission_id=event.submission_id, procedure=event.procedure,
                        version=event.version, occurred_at=draft.created_at)]
    svc.store.enqueue(Change(events=list(ready)))
    return ready
