"""Issue 5: the preview is the draft exactly as published. GET /drafts/{id}/{procedure} for the
village's admins and reviewers, and the reviewer's confirmation page, show the website draft rendered
by the static site's own template, and the social draft as the post (carousel with its cover first)."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime

from kabar.adapters.channels import static_site
from kabar.domain.clock import WIB
from kabar.domain.models import Procedure, Role
from kabar.services import services
from kabar.usecases import preview
from kabar.usecases.publication import channel_post
from kabar.usecases.staff import authenticate
from tests.integration.flow import OTHER, VILLAGE, activity_links, api_event, drafted, review_event, staff

AT = datetime(2026, 11, 27, 9, 30, tzinfo=WIB)


def _get(aws, token, sid, procedure, query=None):
    return aws.invoke("SubmissionsApiFunction", api_event(
        "GET", f"/drafts/{sid}/{procedure}", "/drafts/{submission_id}/{procedure}", token,
        path_params={"submission_id": sid, "procedure": procedure}, query=query))


def _photos_as_placeholders(page: str) -> tuple[str, int]:
    """The page with each photo's address replaced by its position (the only allowed difference).

    The published page also offers each photo's WebP sizes around the same <img> (issue 15): files made
    at publication, which a preview cannot point to; the picture shown is the same."""
    page = re.sub(r'<picture><source type="image/webp" srcset="[^"]*" sizes="[^"]*">', "", page)
    page = re.sub(r'(<img src="[^"]*" alt="[^"]*") width="\d+" height="\d+"', r"\1", page).replace("</picture>", "")
    urls = re.findall(r'<img src="([^"]*)"', page)
    og = re.search(r'<meta property="og:image" content="([^"]*)">', page).group(1)
    for n, url in enumerate(urls):
        page = page.replace(f'src="{url}"', f'src="PHOTO-{n}"')
    return page.replace(f'content="{og}"', 'content="PHOTO-0"'), len(urls)


def _published_page(sid: str, monkeypatch) -> str:
    """What the static site writes for the newest website version of ``sid``, published at ``AT``."""
    svc = services()
    draft = svc.store.get_draft(VILLAGE, sid, Procedure.WEBSITE)
    submission = svc.store.get_submission(VILLAGE, sid)
    village = svc.store.get_village(VILLAGE)
    site = static_site.StaticSite(village, svc.site, svc.media, svc.settings.site_url, svc.settings.public_url)
    monkeypatch.setattr(static_site, "now", lambda: AT)
    published = site.publish(channel_post(draft, submission, site.name, svc))
    return svc.site.get(f"{VILLAGE}/berita/{published.remote_id}/index.html").decode()


def test_the_website_preview_is_the_published_page(aws, monkeypatch):
    _, created = drafted(aws)
    sid = created["submission_id"]
    admin = authenticate(f"Bearer {staff('admin')}", {Role.ADMIN}, svc=services())
    shown = preview.draft_preview(admin, sid, "website", at=AT, svc=services())
    published = _published_page(sid, monkeypatch)
    (expected, photos), (actual, shown_photos) = _photos_as_placeholders(published), \
        _photos_as_placeholders(shown["preview_html"])
    assert photos == shown_photos >= 4
    assert actual == expected
    assert shown["title"] in published and shown["version"] == 1 and shown["procedure"] == "website"


def test_the_reviewer_confirmation_page_frames_the_same_page(aws, monkeypatch):
    _, created = drafted(aws)
    sid = created["submission_id"]
    links = [u.rsplit("/", 1)[1] for u in activity_links(aws)]  # one page for the activity's drafts
    pages = [aws.invoke("ReviewApiFunction", review_event("GET", token)) for token in links]
    framed = [html.unescape(m.group(1)) for p in pages if (m := re.search(r'srcdoc="([^"]*)"', p["body"]))]
    assert len(framed) == 1  # the website draft's page; the social draft is shown as a post
    published = _published_page(sid, monkeypatch)
    # the day printed in the footer is the only other difference: preview today, published at AT
    framed_page = re.sub(r"Diterbitkan [^<]* oleh", "Diterbitkan X oleh", framed[0])
    framed_page = re.sub(r'published_time" content="[^"]*"', 'published_time" content="X"', framed_page)
    published = re.sub(r"Diterbitkan [^<]* oleh", "Diterbitkan X oleh", published)
    published = re.sub(r'published_time" content="[^"]*"', 'published_time" content="X"', published)
    assert _photos_as_placeholders(framed_page) == _photos_as_placeholders(published)
    social = pages[0]["body"]  # the same page shows the social draft as the post
    assert 'class="carousel"' in social and "sampul" in social and "Video kegiatan" in social


def test_the_admin_and_the_reviewer_see_it_other_villages_do_not(aws):
    _, created = drafted(aws)
    sid = created["submission_id"]
    result = _get(aws, staff("reviewer"), sid, "social")
    assert result["statusCode"] == 200, result
    body = json.loads(result["body"])
    assert body["procedure"] == "social" and body["caption"] and body["has_video"] is True
    slides = re.findall(r"<figure>(.*?)</figure>", body["preview_html"], re.S)
    assert len(slides) == len(body["photo_urls"]) + 1  # the cover first, then the carousel
    assert "sampul" in slides[0] and not any("sampul" in slide for slide in slides[1:])

    page = _get(aws, staff("admin"), sid, "website", {"format": "html"})
    assert page["statusCode"] == 200 and page["headers"]["Content-Type"].startswith("text/html")
    assert '<meta name="kabar-marker"' in page["body"] and "Content-Security-Policy" in page["headers"]

    assert _get(aws, staff("admin", OTHER), sid, "website")["statusCode"] == 404
    assert _get(aws, staff("admin"), sid, "nonsense")["statusCode"] == 404
    assert _get(aws, staff("submitter"), sid, "website")["statusCode"] in (401, 403)
