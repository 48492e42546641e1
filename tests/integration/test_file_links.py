"""Durable file links against moto: the links in the emails open the right object through FilesFunction."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from urllib.parse import urlsplit

import requests

from kabar.domain.clock import now
from kabar.services import services
from kabar.usecases.files import file_link, open_link
from kabar_local.outbox import Outbox
from tests.integration.flow import OTHER, VILLAGE, drafted, review_event, review_links
from tests.support import load_event

MONTH = "2026-11"
REPORT = f"{VILLAGE}/{MONTH}/laporan-{VILLAGE}-{MONTH}"


def file_links(page: str) -> list[str]:
    """Every /files/ link in an email or a page (in attributes, or inside an escaped srcdoc)."""
    text = html.unescape(html.unescape(page))
    return list(dict.fromkeys(re.findall(r"(?:https?://[^\s\"'<>/]+)?/files/[A-Za-z0-9_.-]+", text)))


def follow(aws, link: str, method: str = "GET") -> dict:  # noqa: ANN001
    """What the HTTP API answers for one /files/ link (through the handler the template names)."""
    path = urlsplit(link).path
    assert path.startswith("/files/"), link
    event = load_event("files/get_file", REPLACE_WITH_FILE_LINK_TOKEN=path.removeprefix("/files/"))
    event["routeKey"] = event["requestContext"]["routeKey"] = f"{method} /files/{{token}}"
    event["requestContext"]["http"]["method"] = method
    return aws.invoke("FilesFunction", event)


def fetch(answer: dict) -> bytes:
    assert answer["statusCode"] == 302, answer
    assert answer["headers"]["Cache-Control"] == "no-store"
    assert answer["headers"]["Referrer-Policy"] == "no-referrer"
    location = answer["headers"]["Location"]
    assert "X-Amz-Expires=300" in location  # a fresh five-minute URL, not the link's own lifetime
    got = requests.get(location, timeout=10)
    assert got.status_code == 200, got.text
    return got.content


def test_each_link_in_the_report_email_opens_its_own_document(aws):
    # Given November's report built and mailed
    aws.invoke("ReportSchedulerFunction", {"month": MONTH})
    jobs = [j for j in aws.drain("ReportQueue") if json.loads(j["body"])["tenant_id"] == VILLAGE]
    assert aws.invoke("MonthlyReportFunction", {"Records": jobs}) == {"batchItemFailures": []}
    (mail,) = Outbox().list(to="lurah@purwobinangun.desa.id")
    links = [u for u in mail["links"] if "/files/" in u]
    assert len(links) == 3
    assert not [u for u in mail["links"] if "X-Amz-" in u]  # no presigned URL in the email itself

    # When each link is followed, Then it redirects to the document of its format, HEAD alike
    reports = services().reports
    documents = {reports.get(f"{REPORT}.{ext}"): ext for ext in ("html", "pdf", "xlsx")}
    opened = [documents.get(fetch(follow(aws, link))) for link in links]
    assert opened == ["html", "pdf", "xlsx"]
    # for 30 days, as the email says, not for as long as the signing role's credentials
    token = urlsplit(links[0]).path.removeprefix("/files/")
    assert open_link(token, at=now() + timedelta(days=29, hours=23), svc=services()) is not None
    assert open_link(token, at=now() + timedelta(days=30, minutes=5), svc=services()) is None
    head = follow(aws, links[1], "HEAD")
    assert head["statusCode"] == 302 and head["body"] == ""
    assert urlsplit(head["headers"]["Location"]).path.endswith(f"{REPORT}.pdf")


def test_an_image_link_in_the_review_email_opens_the_draft_image(aws):
    # Given a draft ready and its review emails sent
    drafted(aws)
    links = review_links(aws)
    bodies = [mail["html"] or "" for mail in Outbox().list()]
    image_links = [u for body in bodies for u in file_links(body)]
    assert image_links and not [b for b in bodies if "X-Amz-" in b]  # no presigned URL in the email itself

    # When one is followed, Then it is an image of this village's draft
    answer = follow(aws, image_links[0])
    assert urlsplit(answer["headers"]["Location"]).path.split("/")[2] == VILLAGE
    body = fetch(answer)
    assert body[:3] == b"\xff\xd8\xff" or body[:8] == b"\x89PNG\r\n\x1a\n"
    # and it opens as long as the review link does, not longer
    token, hours = urlsplit(image_links[0]).path.removeprefix("/files/"), services().settings.review_link_hours
    assert open_link(token, at=now() + timedelta(hours=hours, minutes=-5), svc=services()) is not None
    assert open_link(token, at=now() + timedelta(hours=hours, minutes=5), svc=services()) is None

    # and the confirmation page shows the images through the same kind of link
    review = links[0].rsplit("/", 1)[1]
    page = aws.invoke("ReviewApiFunction", review_event("GET", review))["body"]
    srcs = file_links(page)
    assert srcs and "X-Amz-" not in page
    assert fetch(follow(aws, srcs[-1]))


def test_expired_tampered_and_foreign_links_get_the_same_404_page(aws):
    # Given a stored report and links to it: one expired, one tampered, and a link of another village's
    reports = services().reports
    reports.put(f"{REPORT}.pdf", b"%PDF-1.4 laporan", "application/pdf")
    reports.put(f"{OTHER}/{MONTH}/laporan-{OTHER}-{MONTH}.pdf", b"%PDF-1.4 lain", "application/pdf")
    good = file_link("reports", VILLAGE, f"{REPORT}.pdf", now() + timedelta(days=30), svc=services())
    expired = file_link("reports", VILLAGE, f"{REPORT}.pdf", now() - timedelta(seconds=1), svc=services())
    payload, signature = good.rsplit("/", 1)[1].split(".")
    other = file_link("reports", OTHER, f"{OTHER}/{MONTH}/laporan-{OTHER}-{MONTH}.pdf", now() + timedelta(days=30),
                      svc=services())
    spliced = f"/files/{other.rsplit('/', 1)[1].split('.')[0]}.{signature}"
    tampered = f"/files/{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{signature}"

    # Then the good one opens, and every bad one gets the same plain bilingual 404, GET and HEAD
    assert fetch(follow(aws, good)) == b"%PDF-1.4 laporan"
    answers = [follow(aws, link) for link in (expired, tampered, spliced)]
    assert {a["statusCode"] for a in answers} == {404}
    assert len({a["body"] for a in answers}) == 1
    assert "Tautan tidak berlaku" in answers[0]["body"] and "Link not valid" in answers[0]["body"]
    assert all("Location" not in a["headers"] for a in answers)
    head = follow(aws, expired, "HEAD")
    assert (head["statusCode"], head["body"]) == (404, "")
