"""SOP step 4: the approved version goes online, at most once per version and channel.

The intent is recorded before each remote call; a retry first asks the channel whether the post
already exists (a crash, a timeout after success, a 500 with the post created) before posting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from ..domain import sop_metrics
from ..domain.clock import month_of, now, previous_month, to_wib
from ..domain.errors import Conflict, NotFound
from ..domain.events import ChannelCheckDue, ContentPublished, DraftApproved
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
from ..domain.outbox import Change, Notice
from ..domain.publishing import MAX_CHECKS, check_delay, publish_moment, retry_plan
from ..domain.sop import batas_unggah
from ..domain.text import t
from ..domain.wording import channel_name, when_id
from ..ports import Channel, ChannelPost, ChannelProcessing, ChannelReady, LaterQueue, PermanentChannelError
from ..services import Services
from .notices import promised
from .submitter_notices import published_notice
from .undo import undo_until

logger = Logger(child=True)

#: What a channel may make and have recorded before it publishes, in one attempt (``ChannelReady``): the
#: containers of a post, and once more when they expired and are made again.
READY_STEPS = 2
PHOTO_URL_SECONDS = 24 * 3600  # long enough for a channel to fetch the photos (Meta fetches at call time)


class PublicationIncomplete(RuntimeError):
    """Some channel hit a transient error: the message is retried after ``retry_after`` seconds;
    what succeeded is not redone."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PublicationDeferred(RuntimeError):
    """The village publishes at a set time of day: the message comes back in ``retry_after`` seconds."""

    def __init__(self, publish_at: datetime, retry_after: int) -> None:
        super().__init__(f"publication waits until {publish_at.isoformat()}")
        self.publish_at = publish_at
        self.retry_after = retry_after


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


def draft_post(draft: Draft, submission: Submission, svc: Services) -> ChannelPost:
    """What every channel receives for this version: looked up and signed once per delivery."""
    slug = _website_slug(draft, submission, svc)
    # Social posts link through the first-party click counter, so clicks are counted per item and channel.
    link = (f"{svc.settings.public_url.rstrip('/')}/r/{draft.tenant_id}/{slug}"
            if draft.procedure is Procedure.SOCIAL and slug else None)
    photos = ([draft.graphic_key] if draft.graphic_key else []) + list(draft.photo_keys)
    video = _video_of(draft, svc)

    def url(key: str | None) -> str | None:
        return svc.media.presign_get(key, PHOTO_URL_SECONDS) if key else None

    return ChannelPost(
        tenant_id=draft.tenant_id, marker="", title=draft.title,
        text=draft.caption if draft.procedure is Procedure.SOCIAL else draft.article_html, lead=draft.lead,
        photo_urls=tuple(svc.media.presign_get(k, PHOTO_URL_SECONDS) for k in photos),
        photo_keys=tuple(photos) if draft.procedure is Procedure.SOCIAL else tuple(draft.photo_keys),
        graphic_key=draft.graphic_key, video_key=video.video_key, link=link,
        activity_date=submission.activity.date.isoformat(), location=submission.activity.location,
        slug=draft.slug, video_url=url(video.video_key),
        video_vertical_key=video.video_vertical_key, video_vertical_url=url(video.video_vertical_key),
        video_cover_key=video.video_cover_key, video_cover_url=url(video.video_cover_key))


def _video_of(draft: Draft, svc: Services) -> Draft:
    """The draft whose video goes with this one: its own (social), or for the website the social draft's
    once the PPID approved it there (the website's draft carries no video of its own)."""
    if draft.procedure is not Procedure.WEBSITE:
        return draft
    try:
        social = svc.store.get_draft(draft.tenant_id, draft.submission_id, Procedure.SOCIAL)
    except NotFound:
        return draft
    return social if social.status in (DraftStatus.APPROVED, DraftStatus.PUBLISHED) and social.video_key else draft


def for_channel(post: ChannelPost, draft: Draft, channel: str) -> ChannelPost:
    """The shared post with this channel's marker and click-counter tag."""
    return replace(post, marker=marker(draft, channel), link=f"{post.link}?c={channel}" if post.link else None)


def channel_post(draft: Draft, submission: Submission, channel: str, svc: Services) -> ChannelPost:
    return for_channel(draft_post(draft, submission, svc), draft, channel)


def publish_approved(event: DraftApproved, svc: Services,
                     channels_for: Callable[[Village, Procedure], list[Channel]] | None = None,
                     at: datetime | None = None, later: LaterQueue | None = None) -> list[Publication]:
    """``later``: where a check of a channel still processing the post is sent, delayed (the publication
    queue); without it such a channel waits for the stranded-publication path."""
    if channels_for is None:
        channels_for = svc.channels.for_procedure
    draft = svc.store.get_draft(event.tenant_id, event.submission_id, event.procedure, event.version)
    if draft.status not in (DraftStatus.APPROVED, DraftStatus.PUBLISHED):
        logger.warning("publication asked for a draft that is not approved", extra={"status": draft.status.value})
        return []
    submission = svc.store.get_submission(event.tenant_id, event.submission_id)
    village = svc.store.get_village(event.tenant_id)
    moment = at or now()
    deadline = batas_unggah(submission.activity.date)
    # Counted from the approval, not from this delivery: a retry after the set time is never put off again.
    publish_at = publish_moment(event.occurred_at, village.publish_time, deadline)
    # nothing goes out while the reviewer may still undo the TERIMA (usecases/undo.py)
    undo_closes = undo_until(draft, village, submission, svc)
    if undo_closes is not None and undo_closes > publish_at:
        publish_at = undo_closes
    if publish_at > to_wib(moment):
        logger.info("publication waits for the village's time of day or the undo window",
                    extra={"publish_at": publish_at.isoformat()})
        raise PublicationDeferred(publish_at, int((publish_at - to_wib(moment)).total_seconds()) + 1)
    if not svc.store.close_undo(draft, moment):  # undone at the last moment: this approval no longer stands
        logger.info("approval undone before publication began")
        return []
    channels = channels_for(village, draft.procedure)
    results: list[Publication] = []
    transient: list[str] = []
    delays: list[int] = []
    applicable: list[Channel] = []
    shared_post = draft_post(draft, submission, svc)
    for channel in channels:
        post = for_channel(shared_post, draft, channel.name)
        accepts = getattr(channel, "accepts", None)
        if accepts is not None and not accepts(post):
            continue  # e.g. YouTube for a draft without a video
        applicable.append(channel)
        pub = svc.store.start_publication(Publication(
            tenant_id=draft.tenant_id, submission_id=draft.submission_id, procedure=draft.procedure,
            version=draft.version, channel=channel.name, marker=post.marker))
        if pub.status is PublicationStatus.PUBLISHED:
            results.append(pub)
            continue
        if pub.status is PublicationStatus.FAILED:
            results.append(pub)  # a permanent failure waits for the admin; it is not retried blindly
            continue
        pub, delay = _attempt(channel, post, pub, draft, submission, village, moment, deadline, svc, later)
        results.append(pub)
        if delay is not None:
            transient.append(channel.name)
            delays.append(delay)
    if transient:
        # One message carries every channel: wait until the most throttled one is expected to accept.
        raise PublicationIncomplete(f"retry needed for: {', '.join(transient)}", max(delays))
    _all_online(village, submission, draft, results, len(applicable), svc)
    if not channels:
        svc.store.enqueue(Change(notices=_alert_admins(
            village, submission, draft, "-", "Belum ada kanal yang dikonfigurasi untuk prosedur ini. "
            "(No channel is configured for this procedure.)", svc)))
    return results


def _attempt(channel: Channel, post: ChannelPost, pub: Publication, draft: Draft, submission: Submission,
             village: Village, moment: datetime, deadline: datetime, svc: Services,
             later: LaterQueue | None) -> tuple[Publication, int | None]:
    """One attempt on one channel, recorded with its consequences; the wait before the message must be
    retried when the channel failed transiently (else None)."""
    pub = pub.model_copy(update={"attempts": pub.attempts + 1, "updated_at": moment})
    check = getattr(channel, "check", None)
    redelivery = pub.attempts > 1 or pub.processing is not None
    if redelivery and getattr(channel, "recognises_by_text", False):  # it may have to tell its post from others
        post = replace(post, taken_remote_ids=_taken_on(channel.name, pub, moment, svc))
    try:
        for step in range(READY_STEPS + 1):
            try:
                if pub.processing is not None and check is not None:
                    done = check(post, pub.processing)  # the channel has the post: ask about it, never post again
                else:
                    if pub.attempts == 1:
                        # The attempt is recorded before the remote call: a process that dies after the channel
                        # took the post (before its answer was stored) leaves it known, and the next delivery
                        # looks first.
                        svc.store.save_publication(pub)
                    found = channel.find(post) if pub.attempts > 1 else None
                    done = found or channel.publish(post)
                break
            except ChannelReady as ready:
                if check is None or step == READY_STEPS:
                    raise  # waited on as any processing: the ids are kept and asked about later
                # What the channel made is recorded before it publishes (the media ids of this attempt): a
                # process that dies once it published leaves them known, and the next delivery asks about them.
                pub = pub.model_copy(update={"processing": ready.state})
                svc.store.save_publication(pub)
    except ChannelProcessing as busy:
        return _wait_on_channel(pub, busy, draft, svc, later), None
    except PermanentChannelError as err:
        # The same failure again (a republish before anything was fixed) is not emailed again.
        told = pub.alerted_error == str(err)
        pub = pub.model_copy(update={"status": PublicationStatus.FAILED, "error": str(err),
                                     "alerted_error": str(err), "processing": None})
        svc.store.save_publication(pub, Change(notices=[] if told else _alert_admins(
            village, submission, draft, channel.name, str(err), svc)))
        svc.metrics.count(sop_metrics.CHANNEL_ERRORS, draft.tenant_id, channel=channel.name, kind="permanent")
        return pub, None
    except Exception as err:  # noqa: BLE001 - transient: keep the intent, retry the message
        plan = retry_plan(pub.attempts, getattr(err, "retry_after", None), moment, deadline)
        logger.warning("channel failed; will retry", extra={"channel": channel.name, "error": str(err),
                                                            "retry_in": plan.delay_seconds})
        pub = pub.model_copy(update={"error": str(err)[:500]})
        change = Change()
        if plan.misses_deadline and pub.late_alerted_at is None:
            change.notices = _alert_late(village, submission, draft, channel.name, str(err),
                                         to_wib(moment) + timedelta(seconds=plan.delay_seconds), deadline, svc)
            pub = pub.model_copy(update={"late_alerted_at": moment})
        svc.store.save_publication(pub, change)
        svc.metrics.count(sop_metrics.CHANNEL_ERRORS, draft.tenant_id, channel=channel.name, kind="transient")
        return pub, plan.delay_seconds
    pub = pub.model_copy(update={"status": PublicationStatus.PUBLISHED, "remote_id": done.remote_id,
                                 "url": done.url, "published_at": moment, "error": None, "processing": None})
    notice = getattr(channel, "notice", None)  # e.g. the site moved to https: its address needs fixing
    # online, its audit entry and its announcement: together or not at all
    svc.store.save_publication(pub, Change(
        audit=AuditEntry(
            tenant_id=draft.tenant_id, submission_id=draft.submission_id, at=pub.published_at,
            actor="publication", action="published",
            subject=f"draft:{draft.procedure.value}:v{draft.version}:{channel.name}", to_state="published",
            note=done.url),
        events=[ContentPublished(tenant_id=pub.tenant_id, submission_id=pub.submission_id,
                                 procedure=pub.procedure, version=pub.version, channel=pub.channel, url=pub.url,
                                 occurred_at=pub.published_at)],
        notices=_tell_admins(village, submission, draft, channel.name, str(notice), done.url) if notice else []))
    svc.metrics.count(sop_metrics.PUBLICATIONS, draft.tenant_id, channel=channel.name)
    logger.info("published", extra={"channel": channel.name, "url": done.url})
    return pub, None


def _taken_on(channel: str, pub: Publication, moment: datetime, svc: Services) -> frozenset[str]:
    """The posts this village's channel holds for other items, as recorded this month and the last: a
    redelivery that recognises its post by shared text never records one of them as its own."""
    held = (p for month in {month_of(moment), previous_month(moment)}
            for p in svc.store.publications_in_month(pub.tenant_id, month))
    return frozenset(p.remote_id for p in held if p.channel == channel and p.remote_id and p.marker != pub.marker)


def _wait_on_channel(pub: Publication, busy: ChannelProcessing, draft: Draft, svc: Services,
                     later: LaterQueue | None) -> Publication:
    """The channel is still processing the post: keep what it gave (its ids) and ask again through the
    queue's delay, a bounded number of times; past that, the channel stays pending and the SLA watch's
    stranded-publication path re-drives it (and tells the admins)."""
    checks = pub.checks + 1
    pub = pub.model_copy(update={"processing": busy.state, "checks": checks, "error": str(busy)[:500]})
    svc.store.save_publication(pub)
    if later is None or checks > MAX_CHECKS:
        logger.warning("channel still processing; left to the stranded-publication path",
                       extra={"channel": pub.channel, "checks": checks})
        return pub
    delay = check_delay(checks, busy.retry_after)
    due = ChannelCheckDue(tenant_id=pub.tenant_id, submission_id=pub.submission_id, procedure=pub.procedure,
                          version=pub.version, channel=pub.channel, check=checks, occurred_at=now())
    later.send_later({"detail-type": due.detail_type(), "detail": due.model_dump(mode="json")}, delay)
    logger.info("channel still processing; asking again later",
                extra={"channel": pub.channel, "check": checks, "in_seconds": delay})
    return pub


def _all_online(village: Village, submission: Submission, draft: Draft, results: list[Publication], expected: int,
                svc: Services) -> None:
    published = [p for p in results if p.status is PublicationStatus.PUBLISHED]
    if published and len(published) == expected:
        svc.store.set_draft_status(draft, DraftStatus.APPROVED, DraftStatus.PUBLISHED)
        # "sudah terbit" to the submitter, with the links; a redelivery promises the same notice (sent once)
        svc.store.enqueue(Change(notices=published_notice(village, submission, draft, published)))


def check_channel(event: ChannelCheckDue, *, svc: Services,
                  channels_for: Callable[[Village, Procedure], list[Channel]],
                  later: LaterQueue | None, at: datetime | None = None) -> Publication | None:
    """A delayed check of one channel still processing the post: published, still processing (asked again
    later), or refused (the admins are told). A stale check (a newer one was sent, or the channel is done)
    does nothing, so a duplicate delivery never publishes twice. Its ports are given by the caller."""
    pubs = svc.store.publications(event.tenant_id, event.submission_id, event.procedure, event.version)
    pub = next((p for p in pubs if p.channel == event.channel), None)
    if (pub is None or pub.status is not PublicationStatus.PENDING or pub.processing is None
            or pub.checks != event.check):
        logger.info("channel check no longer needed", extra={"channel": event.channel, "check": event.check})
        return None
    draft = svc.store.get_draft(event.tenant_id, event.submission_id, event.procedure, event.version)
    submission = svc.store.get_submission(event.tenant_id, event.submission_id)
    village = svc.store.get_village(event.tenant_id)
    channels = channels_for(village, draft.procedure)
    channel = next((c for c in channels if c.name == event.channel), None)
    if channel is None:
        logger.warning("the channel is no longer configured", extra={"channel": event.channel})
        return None
    shared_post = draft_post(draft, submission, svc)
    post = for_channel(shared_post, draft, channel.name)
    moment = at or now()
    pub, delay = _attempt(channel, post, pub, draft, submission, village, moment,
                          batas_unggah(submission.activity.date), svc, later)
    if delay is not None:
        raise PublicationIncomplete(f"retry needed for: {channel.name}", delay)
    if pub.status is PublicationStatus.PUBLISHED:
        applicable = [c for c in channels if (accepts := getattr(c, "accepts", None)) is None
                      or accepts(for_channel(shared_post, draft, c.name))]
        online = svc.store.publications(event.tenant_id, event.submission_id, event.procedure, event.version)
        _all_online(village, submission, draft, online, len(applicable), svc)
    return pub


def _alert_late(village: Village, submission: Submission, draft: Draft, channel: str, problem: str,
                retry_at: datetime, deadline: datetime, svc: Services) -> list[Notice]:
    context = {"village": village, "submission": submission, "draft": draft, "channel": channel, "problem": problem,
               "retry_at": when_id(retry_at), "deadline": when_id(deadline)}
    return promised(
        village.id, "publish_late", f"draft:{draft.procedure.value}:v{draft.version}:{channel}",
        [str(a.email) for a in village.admins],
        f"[Kabar {village.name}] Terbit terlambat di {channel_name(channel)}: {submission.activity.title}",
        "email/publish_late", context,
        submission_id=submission.submission_id)


def _tell_admins(village: Village, submission: Submission, draft: Draft, channel: str, notice: str,
                 url: str | None) -> list[Notice]:
    context = {"village": village, "submission": submission, "channel": channel, "notice": notice,
               "url": url or "-"}
    return promised(
        village.id, "channel_notice", f"draft:{draft.procedure.value}:v{draft.version}:{channel}",
        [str(a.email) for a in village.admins],
        f"[Kabar {village.name}] Perlu diperbaiki di {channel_name(channel)}: {submission.activity.title}",
        "email/channel_notice", context,
        submission_id=submission.submission_id)


def _alert_admins(village: Village, submission: Submission, draft: Draft, channel: str, problem: str,
                  svc: Services) -> list[Notice]:
    reconnect = f"{svc.settings.public_url.rstrip('/')}/app/{village.id}/settings#kanal"
    context = {"village": village, "submission": submission, "draft": draft, "channel": channel, "problem": problem,
               "reconnect": reconnect if reconnect in problem else None}  # a credential to reconnect
    # one notice per failure: the attempt number keeps a failure after a republish apart from the first
    return promised(
        village.id, "publish_failed",
        f"draft:{draft.procedure.value}:v{draft.version}:{channel}:{_failure_count(village, draft, channel, svc)}",
        [str(a.email) for a in village.admins],
        f"[Kabar {village.name}] Gagal terbit di {channel_name(channel)}: {submission.activity.title}",
        "email/publish_failed", context,
        submission_id=submission.submission_id)


def _failure_count(village: Village, draft: Draft, channel: str, svc: Services) -> int:
    """How many times this version was sent again after a failure on the channel (the republish audit)."""
    return sum(1 for e in svc.store.submission_items(village.id, draft.submission_id)["audit"]
               if e.action == "republish"
               and e.subject.startswith(f"draft:{draft.procedure.value}:v{draft.version}:{channel}"))


def republish(tenant_id: str, submission_id: str, procedure: Procedure, actor: str, *, channel: str | None = None,
              svc: Services, at: datetime | None = None) -> list[str]:
    """The admin's action after fixing a permanent failure (a new token, a permission): the approved
    version's failed channels are cleared and the approval is announced again, so the publication
    function tries them once more; channels already published are left alone (their records say so).
    Returns the channels that will be tried again."""
    moment = at or now()
    draft = svc.store.get_draft(tenant_id, submission_id, procedure)
    if draft.status is not DraftStatus.APPROVED:
        raise Conflict(t(
            f"Draf versi {draft.version} berstatus {draft.status.value}; hanya draf yang disetujui dan belum "
            "terbit di semua kanal yang dapat diterbitkan ulang.",
            f"Draft version {draft.version} is {draft.status.value}; only an approved draft not yet online on "
            "every channel can be published again."))
    failed = [p for p in svc.store.publications(tenant_id, submission_id, procedure, draft.version)
              if p.status is PublicationStatus.FAILED and channel in (None, p.channel)]
    again = DraftApproved(tenant_id=tenant_id, submission_id=submission_id, procedure=procedure,
                          version=draft.version, reviewer=draft.decided_by or "-", note=f"republish by {actor}",
                          occurred_at=moment)
    for n, pub in enumerate(failed):
        svc.store.save_publication(pub.model_copy(update={
            "status": PublicationStatus.PENDING, "error": None, "attempts": 0, "late_alerted_at": None}), Change(
            audit=AuditEntry(
                tenant_id=tenant_id, submission_id=submission_id, at=moment, actor=actor, action="republish",
                subject=f"draft:{procedure.value}:v{draft.version}:{pub.channel}", from_state="failed",
                to_state="pending"),
            events=[again] if n == len(failed) - 1 else []))
    if not failed:
        svc.store.enqueue(Change(events=[again]))
    return [p.channel for p in failed]
