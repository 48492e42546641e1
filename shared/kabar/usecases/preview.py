"""The drafts as they will be published, for the reviewer's confirmation page and the admin.

The website draft is rendered by the static site's own ``render_article`` (the template it publishes
with); the social draft as the post will look: the carousel in publishing order (the cover graphic
first), the text Facebook receives (the caption, plus the link to the website article when there is
one), and whether the video goes with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from ..domain.clock import iso, now
from ..domain.errors import NotFound
from ..domain.models import Draft, Procedure, Role, Staff, Submission, Village
from ..messages import Page
from ..services import Services

PREVIEW_SECONDS = 3600  # the images' links in the API's answer


def _post(draft: Draft, submission: Submission, channel: str, svc: Services):  # noqa: ANN202 - a ChannelPost
    from .publication import channel_post

    return channel_post(draft, submission, channel, svc)


def website_page(draft: Draft, svc: Services, image: Callable[[str], str], at: datetime | None = None,
                 village: Village | None = None, submission: Submission | None = None) -> str:
    """The article's page exactly as the static site publishes this version; ``image`` makes each
    photo's address (the published page has them beside it instead)."""
    village = village or svc.store.get_village(draft.tenant_id)
    submission = submission or svc.store.get_submission(draft.tenant_id, draft.submission_id)
    post = _post(draft, submission, "static_site", svc)
    return svc.channels.article_html(village, post, [image(key) for key in post.photo_keys], at or now())


def social_post(draft: Draft, svc: Services, image: Callable[[str], str],
                submission: Submission | None = None) -> dict:
    """The social post as it will look: slides in order (cover first), the text, the video."""
    submission = submission or svc.store.get_submission(draft.tenant_id, draft.submission_id)
    post = _post(draft, submission, "facebook", svc)
    keys = list(post.photo_keys)  # the cover graphic first, then the carousel's photos
    slides = [{"url": image(key), "cover": key == draft.graphic_key, "number": n, "of": len(keys)}
              for n, key in enumerate(keys, 1)]
    return {"slides": slides, "text": svc.channels.social_text(post), "has_video": bool(draft.video_key),
            # the draft video as published, its poster the cover frame every channel shows (domain/video.py)
            "video_url": image(draft.video_key) if draft.video_key else None,
            "poster_url": image(draft.video_cover_key) if draft.video_cover_key else None}


def draft_preview(staff: Staff, submission_id: str, procedure: str, svc: Services,
                  at: datetime | None = None) -> dict:
    """``GET /drafts/{submission_id}/{procedure}``: the newest version's fields and its preview,
    for the village's admins and reviewers (another village's draft is not found).

    ``preview_html`` is the website's page as the static site writes it, or the social post's
    :class:`~kabar.ports.Page`, written out by the handler (``kabar.web.written``)."""
    at = at or now()
    if (staff.role not in (Role.ADMIN, Role.REVIEWER) or not re.fullmatch(r"[0-9a-f]{20}", submission_id)
            or procedure not in {p.value for p in Procedure}):
        raise NotFound("draft")
    draft = svc.store.get_draft(staff.tenant_id, submission_id, Procedure(procedure))
    submission = svc.store.get_submission(staff.tenant_id, submission_id)
    village = svc.store.get_village(staff.tenant_id)

    def image(key: str) -> str:
        return svc.media.presign_get(key, PREVIEW_SECONDS)

    preview_html: str | Page
    if draft.procedure is Procedure.WEBSITE:
        preview_html = website_page(draft, svc, image, at, village, submission)
    else:
        preview_html = Page.of(200, "review/draft_social.html", village=village, submission=submission,
                               draft=draft, post=social_post(draft, svc, image, submission))
    return {
        "submission_id": submission_id, "procedure": draft.procedure.value, "version": draft.version,
        "status": draft.status.value, "title": draft.title, "slug": draft.slug, "dateline": draft.dateline,
        "lead": draft.lead, "caption": draft.caption, "article_html": draft.article_html,
        "website_kind": draft.website_kind.value if draft.procedure is Procedure.WEBSITE else None,
        "graphic_url": image(draft.graphic_key) if draft.graphic_key else None,
        "photo_urls": [image(key) for key in draft.photo_keys], "has_video": bool(draft.video_key),
        "created_at": iso(draft.created_at), "preview_html": preview_html,
    }
