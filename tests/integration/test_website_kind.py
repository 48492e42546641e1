"""Issue 5: the website draft as a news article (default) or as an announcement, chosen by the
submitter or switched by the admin's correction (PUT /drafts)."""

from __future__ import annotations

import json
from datetime import date

from kabar.domain.models import Procedure
from kabar.services import services
from kabar_local import samples
from tests.integration.flow import VILLAGE, api_event, staff, submit, upload_all


def _drafted(aws, **extra) -> str:
    payload, blobs = samples.submission_payload(date.today())
    status, created = submit(aws, staff("submitter"), {**payload, **extra})
    assert status == 201, created
    upload_all(created, blobs, payload)
    aws.deliver("IntakeQueue", "IntakeFunction")
    aws.deliver("VideoDraftingQueue", "VideoDraftingFunction")  # the social draft waits for the draft video
    aws.deliver("DraftingQueue", "DraftingFunction")
    return created["submission_id"]


def _put(aws, token, sid, procedure, body):
    result = aws.invoke("SubmissionsApiFunction", api_event(
        "PUT", f"/drafts/{sid}/{procedure}", "/drafts/{submission_id}/{procedure}", token, body,
        path_params={"submission_id": sid, "procedure": procedure}))
    return result["statusCode"], json.loads(result["body"])


def test_an_announcement_is_drafted_as_one(aws):
    sid = _drafted(aws, website_kind="announcement")
    store = services().store
    website = store.get_draft(VILLAGE, sid, Procedure.WEBSITE)
    assert website.website_kind.value == "announcement"
    assert website.title.startswith("Pengumuman: ") and "-pengumuman-" in website.slug
    assert website.lead.startswith("Diberitahukan kepada seluruh warga Kalurahan")
    assert "Demikian pengumuman ini kami sampaikan" in website.article_html
    social = store.get_draft(VILLAGE, sid, Procedure.SOCIAL)
    assert not social.title.startswith("Pengumuman")  # the social post stays a post about the activity


def test_news_by_default_and_the_admin_can_make_it_an_announcement(aws):
    sid = _drafted(aws)
    store = services().store
    news = store.get_draft(VILLAGE, sid, Procedure.WEBSITE)
    assert news.website_kind.value == "news" and "Demikian pengumuman" not in news.article_html
    admin = staff("admin")
    status, body = _put(aws, admin, sid, "social", {"version": 1, "website_kind": "announcement"})
    assert status == 422 and body["error"]["fields"][0]["field"] == "website_kind"
    status, body = _put(aws, admin, sid, "website", {"version": 1, "website_kind": "announcement",
                                                    "lead": "Diberitahukan kepada warga: kerja bakti."})
    assert status == 200, body
    assert {"website_kind", "title", "slug", "article"} <= set(body["changed"])
    revised = store.get_draft(VILLAGE, sid, Procedure.WEBSITE)
    assert revised.version == 2 and revised.website_kind.value == "announcement"
    assert revised.title.startswith("Pengumuman: ") and "Demikian pengumuman" in revised.article_html
    assert revised.lead == "Diberitahukan kepada warga: kerja bakti."  # the admin's own field wins
    status, body = _put(aws, admin, sid, "website", {"version": 2, "website_kind": "announcement"})
    assert status == 422  # nothing changed
