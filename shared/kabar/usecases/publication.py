"""SOP step 4: the approved version goes online, at most once per version and channel.

The intent is recorded before each remote call; a retry first asks the channel whether the post
already exists (a crash, a timeout after success, a 500 with the post created) before posting.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from aws_lambda_powertools import Logger

from .. import web
from ..domain.clock import now
from ..domain.errors import NotFound
from ..domain.events import ContentPublished, DraftApproved
from ..domain.models import (
    AuditEntry,
    Draft,
    DraftStatus,
    Procedure,
    Publication,
    PublicationStatus,
    Submission,
    Village,
)
from ..ports import Channel, ChannelPost, Mail, PermanentChannelError
from ..services import Services, services

logger = Logger(child=True)

PHOTO_URL_SECONDS = 24 * 3600  # long enough for a channel to fetch the photos (Meta fetches at call time)


class PublicationIncomplete(RuntimeError):
    """Some channel hit a transient error: the message is retried; what succeeded is not redone."""


def marker(draft: Draft, channel: str) -> str:
    return f"kabar-{draft.tenant_id}-{draft.submission_id}-{draft.procedure.value}-v{draft.version}-{channel}"


def _website_slug(draft: Draft, submission: Submission, svc: Services) -> str | None:
    if Procedure.WEBSITE not in submission.procedures:
        return None
    if draft.procedure is Procedure.WEBSITE:
        return draft.slug
    try:
        return svc.store.get_draft(draft.tenant_id, draft.submission_id, Procedure.WEBSITE).slug
    except NotFound:
        return None


def channel_post(draft: Draft, submission: Submission, channel: str, svc: Services) -> ChannelPost:
    slug = _website_slug(draft, submission, svc)
    link = None
    if draft.procedure is Procedure.SOCIAL and slug:
        # Through the first-party click counter, so the report can count clicks per item and channel.
        link = f"{svc.settings.public_url.rstrip('/')}/r/{draft.tenant_id}/{slug}?c={channel}"
    photos = ([draft.graphic_key] if draft.graphic_key else []) + list(draft.photo_keys)
    return ChannelPost(
        tenant_id=draft.tenant_id, marker=marker(draft, channel), title=draft.title,
        text=draft.caption if draft.procedure is Procedure.SOCIAL else draft.article_html, lead=draft.lead,
        photo_urls=tuple(svc.media.presign_get(k, PHOTO_URL_SECONDS) for k in photos),
        photo_keys=tuple(photos) if draft.procedure is Procedure.SOCIAL else tuple(draft.photo_keys),
        graphic_key=draft.graphic_key, video_key=draft.video_key, link=link,
        activity_date=submission.activity.date.isoformat(), location=submission.activity.location,
        slug=draft.slug)


def publish_approved(event: DraftApproved, svc: Services | None = None,
                     channels_for: Callable[[Village, Procedure], list[Channel]] | None = None,
                     at: datetime | None = None) -> list[Publication]:
    svc = svc or services()
    if channels_for is None:
        from ..adapters.channels import build_channels

        def channels_for(village: Village, procedure: Procedure) -> list[Channel]:
            return build_channels(village, procedure, svc.settings)

    draft = svc.store.get_draft(event.tenant_id, event.submission_id, event.procedure, event.version)
    if draft.status not in (DraftStatus.APPROVED, DraftStatus.PUBLISHED):
        logger.warning("publication asked for a draft that is not approved", extra={"status": draft.status.value})
        return []
    submission = svc.store.get_submission(event.tenant_id, event.submission_id)
    village = svc.store.get_village(event.tenant_id)
    channels = channels_for(village, draft.procedure)
    results: list[Publication] = []
    transient: list[str] = []
    for channel in channels:
        post = channel_post(draft, submission, channel.name, svc)
        pub = svc.store.start_publication(Publication(
            tenant_id=draft.tenant_id, submission_id=draft.submission_id, procedure=draft.procedure,
            version=draft.version, channel=channel.name, marker=post.marker))
        if pub.status is PublicationStatus.PUBLISHED:
            results.append(pub)
            continue
        if pub.status is PublicationStatus.FAILED:
            results.append(pub)  # a permanent failure waits for the admin; it is not retried blindly
            continue
        pub = pub.model_copy(update={"attempts": pub.attempts + 1})
        try:
            found = channel.find(post) if pub.attempts > 1 else None
            done = found or channel.publish(post)
        except PermanentChannelError as err:
            pub = pub.model_copy(update={"status": PublicationStatus.FAILED, "error": str(err)})
            svc.store.save_publication(pub)
            _alert_admins(village, submission, draft, channel.name, str(err), svc)
            results.append(pub)
            continue
        except Exception as err:  # noqa: BLE001 - transient: keep the intent, retry the message
            logger.warning("channel failed; will retry", extra={"channel": channel.name, "error": str(err)})
            svc.store.save_publication(pub.model_copy(update={"error": str(err)[:500]}))
            transient.append(channel.name)
            continue
        pub = pub.model_copy(update={"status": PublicationStatus.PUBLISHED, "remote_id": done.remote_id,
                                     "url": done.url, "published_at": at or now(), "error": None})
        svc.store.save_publication(pub)
        svc.store.append_audit(AuditEntry(
            tenant_id=draft.tenant_id, submission_id=draft.submission_id, at=pub.published_at, actor="publication",
            action="published", subject=f"draft:{draft.procedure.value}:v{draft.version}:{channel.name}",
            to_state="published", note=done.url))
        logger.info("published", extra={"channel": channel.name, "url": done.url})
        results.append(pub)
    if transient:
        raise PublicationIncomplete(f"retry needed for: {', '.join(transient)}")
    published = [p for p in results if p.status is PublicationStatus.PUBLISHED]
    if published and len(published) == len(channels):
        svc.store.set_draft_status(draft, DraftStatus.APPROVED, DraftStatus.PUBLISHED)
    if published:
        svc.events.publish([ContentPublished(
            tenant_id=p.tenant_id, submission_id=p.submission_id, procedure=p.procedure, version=p.version,
            channel=p.channel, url=p.url, occurred_at=p.published_at) for p in published])
    if not channels:
        _alert_admins(village, submission, draft, "-", "Belum ada kanal yang dikonfigurasi untuk prosedur ini. "
                      "(No channel is configured for this procedure.)", svc)
    return results


def _alert_admins(village: Village, submission: Submission, draft: Draft, channel: str, problem: str,
                  svc: Services) -> None:
    context = {"village": village, "submission": submission, "draft": draft, "channel": channel, "problem": problem}
    svc.mailer.send(Mail(
        to=tuple(str(a.email) for a in village.admins),
        subject=f"[Kabar {village.name}] Gagal terbit di {channel}: {submission.activity.title}",
        text=web.render("email/publish_failed.txt", **context),
        html=web.render("email/publish_failed.html", **context), tags={"kind": "publish_failed"}))
