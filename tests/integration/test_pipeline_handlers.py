"""Intake, drafting, review notification, review API, publication, reports and clicks against moto.

Each handler gets the event its trigger delivers (S3 -> SQS, EventBridge -> SQS, API Gateway v2),
and redeliveries must change nothing.
"""

import io
import json
from urllib.parse import quote_plus

import boto3
import requests
from PIL import Image

from kabar.domain.clock import month_of, now
from kabar.services import services
from kabar_local.outbox import Outbox
from tests.integration.flow import (
    OTHER,
    VILLAGE,
    api_event,
    drafted,
    review_event,
    review_links,
    staff,
    submitted_and_uploaded,
)
from tests.support import load_event


def s3_event(key: str, bucket: str | None = None) -> dict:
    """The sample notification for ``key``, naming our uploads bucket (or ``bucket``)."""
    return load_event("intake/s3_object_created",
                      **{"purwobinangun%2F0123456789abcdef0123%2F0123456789abcdef.jpg": quote_plus(key),
                         "kabar-dev-uploads-123456789012": bucket or services().uploads.bucket})


def test_intake_accepts_the_declared_files_strips_gps_and_completes(aws):
    _, created = submitted_and_uploaded(aws)
    records = aws.deliver("IntakeQueue", "IntakeFunction")
    assert len(records) >= 6
    sid = created["submission_id"]
    sub = services().store.get_submission(VILLAGE, sid)
    assert sub.status.value == "complete"
    assets = services().store.list_assets(VILLAGE, sid)
    assert {a.status.value for a in assets} == {"accepted"}
    photo = next(a for a in assets if a.kind.value == "photo")
    original = Image.open(io.BytesIO(services().uploads.get(photo.key)))
    assert 0x8825 in original.getexif()  # the record keeps the original, GPS included
    clean = Image.open(io.BytesIO(services().media.get(photo.clean_key)))
    assert clean.format == "JPEG" and 0x8825 not in clean.getexif() and not clean.getexif()
    # the completion went onto the bus and reached the drafting queue
    bodies = [json.loads(r["body"]) for r in aws.drain("DraftingQueue")]
    assert [b["detail-type"] for b in bodies] == ["SubmissionCompleted"]


def test_intake_rejects_a_file_whose_bytes_lie_and_keeps_the_others(aws):
    token = staff("submitter")
    from datetime import date

    from kabar_local import samples
    from tests.integration.flow import submit

    payload, blobs = samples.submission_payload(date.today())
    fake = b"<html><script>alert(1)</script></html>".ljust(len(blobs[0]), b" ")
    blobs[0] = fake
    status, created = submit(aws, token, payload)
    assert status == 201
    for instruction, blob, declared in zip(created["uploads"], blobs, payload["files"], strict=True):
        requests.post(instruction["url"], data=instruction["fields"],
                      files={"file": (declared["name"], blob, declared["content_type"])}, timeout=30)
    aws.deliver("IntakeQueue", "IntakeFunction")
    view = services().store.list_assets(VILLAGE, created["submission_id"])
    rejected = [a for a in view if a.status.value == "rejected"]
    assert len(rejected) == 1 and rejected[0].name == payload["files"][0]["name"]
    assert sum(a.status.value == "accepted" for a in view) == 5
    assert services().store.get_submission(VILLAGE, created["submission_id"]).status.value == "receiving"
    assert aws.drain("DraftingQueue") == []


def test_intake_ignores_test_events_removes_undeclared_objects_and_dedupes(aws):
    _, created = submitted_and_uploaded(aws)
    aws.deliver("IntakeQueue", "IntakeFunction")
    aws.drain("DraftingQueue")
    assert aws.invoke("IntakeFunction", load_event("intake/s3_test_event")) == {"batchItemFailures": []}
    stray = f"{VILLAGE}/{created['submission_id']}/ffffffffffffffff.jpg"
    services().uploads.put(stray, b"\xff\xd8\xff" + b"0" * 100, "image/jpeg")
    assert aws.invoke("IntakeFunction", s3_event(stray)) == {"batchItemFailures": []}
    # intake cannot delete (its role has no s3:DeleteObject): the lifecycle rule removes what it tags
    assert services().uploads.tags(stray) == {"kabar-intake": "discarded"}
    # a duplicate notification of an accepted file: one record, and the completion is not announced again
    # (it was announced in the commit that completed the submission)
    key = created["uploads"][0]["fields"]["key"]
    before = services().store.get_asset(VILLAGE, created["submission_id"], key.rsplit("/", 1)[1].split(".")[0])
    aws.invoke("IntakeFunction", s3_event(key))
    after = services().store.get_asset(VILLAGE, created["submission_id"], before.asset_id)
    assert after == before
    assert len(aws.drain("DraftingQueue")) == 0


def test_drafting_makes_one_versioned_draft_per_procedure_even_when_redelivered(aws):
    _, created = submitted_and_uploaded(aws)
    aws.deliver("IntakeQueue", "IntakeFunction")
    aws.deliver("VideoDraftingQueue", "VideoDraftingFunction")  # the social draft waits for the draft video
    event = aws.drain("DraftingQueue")
    assert aws.invoke("DraftingFunction", {"Records": event}) == {"batchItemFailures": []}
    assert aws.invoke("DraftingFunction", {"Records": event}) == {"batchItemFailures": []}  # redelivery
    items = services().store.submission_items(VILLAGE, created["submission_id"])
    drafts = {(d.procedure.value, d.version): d for d in items["draft"]}
    assert set(drafts) == {("social", 1), ("website", 1)}
    social, website = drafts[("social", 1)], drafts[("website", 1)]
    assert "Kerja Bakti" in social.caption and "#Purwobinangun" in social.caption
    cover = Image.open(io.BytesIO(services().media.get(social.graphic_key)))
    assert cover.size == (1080, 1350)
    assert "saluran irigasi" in website.lead and "Kegiatan dimulai" in website.article_html
    assert website.dateline.startswith("Purwobinangun")
    ready = [json.loads(r["body"])["detail-type"] for r in aws.drain("NotificationQueue")]
    assert [json.loads(r["body"])["detail-type"] for r in event] == ["SubmissionCompleted", "VideoDrafted"]
    assert ready.count("DraftReady") == 2  # two drafts, each announced in the commit that made it


def test_each_draft_version_is_emailed_once_even_when_redelivered(aws):
    drafted(aws)
    records = aws.drain("NotificationQueue")
    assert aws.invoke("ReviewNotificationFunction", {"Records": records}) == {"batchItemFailures": []}
    assert aws.invoke("ReviewNotificationFunction", {"Records": records}) == {"batchItemFailures": []}
    mails = Outbox().list(to="ppid@purwobinangun.desa.id")
    assert len(mails) == 1  # one email for the activity's two drafts
    assert "Media Sosial (v1) + Website (v1)" in mails[0]["subject"]
    assert all("Mohon keputusan" in m["subject"] and any("/review/" in u for u in m["links"]) for m in mails)
    assert any("Kerja Bakti" in m["text"] for m in mails)


def _draft_states(sid):
    return {d.procedure.value: d.status.value for d in services().store.submission_items(VILLAGE, sid)["draft"]}


def test_get_and_head_change_nothing_and_only_one_post_decides(aws):
    _, created = drafted(aws)
    links = review_links(aws)
    assert len(links) == 2
    token = links[0].rsplit("/", 1)[1]
    for _ in range(3):
        page = aws.invoke("ReviewApiFunction", review_event("GET", token))
        assert page["statusCode"] == 200 and "TERIMA" in page["body"]
        assert page["headers"]["Cache-Control"] == "no-store"
        assert page["headers"]["Referrer-Policy"] == "no-referrer"
        head = aws.invoke("ReviewApiFunction", review_event("HEAD", token))
        assert head["statusCode"] == 200 and head["body"] == ""
    assert set(_draft_states(created["submission_id"]).values()) == {"in_review"}
    first = aws.invoke("ReviewApiFunction", review_event("POST", token, "decision=approve&note="))
    assert first["statusCode"] == 200 and "Keputusan tercatat" in first["body"]
    second = aws.invoke("ReviewApiFunction", review_event("POST", token, "decision=reject&note=telat"))
    assert second["statusCode"] == 409 and "sudah diputuskan" in second["body"]
    assert "approved" in _draft_states(created["submission_id"]).values()
    approved = [json.loads(r["body"]) for r in aws.drain("PublicationQueue")]
    assert [a["detail-type"] for a in approved] == ["DraftApproved"]


def test_reject_needs_a_note_and_tells_the_submitter_why(aws):
    _, created = drafted(aws)
    token = review_links(aws)[0].rsplit("/", 1)[1]
    missing = aws.invoke("ReviewApiFunction", review_event("POST", token, "decision=reject&note="))
    assert missing["statusCode"] == 422 and "Tuliskan catatan" in missing["body"]
    note = "Memuat <b>data pribadi</b> warga"
    done = aws.invoke("ReviewApiFunction", review_event(
        "POST", token, "decision=reject&reason=personal_data&note=" + quote_plus(note)))
    assert done["statusCode"] == 200
    aws.deliver("NotificationQueue", "ReviewNotificationFunction")
    mails = [m for m in Outbox().list(to="submitter@purwobinangun.desa.id") if "Diterima" not in m["subject"]]
    assert len(mails) == 1 and "Ditolak" in mails[0]["subject"]
    assert "Memuat data pribadi" in mails[0]["text"]
    assert "&lt;b&gt;data pribadi&lt;/b&gt;" in mails[0]["html"]  # escaped, never markup


def test_bad_expired_foreign_and_truncated_links_get_the_same_plain_answer(aws):
    drafted(aws)
    token = review_links(aws)[0].rsplit("/", 1)[1]
    foreign = OTHER + "." + token.split(".", 1)[1]
    answers = set()
    for bad in (token[:-4], foreign, "purwobinangun." + "A" * 43, "x", token + "x"):
        result = aws.invoke("ReviewApiFunction", review_event("GET", bad))
        answers.add((result["statusCode"], result["body"]))
        post = aws.invoke("ReviewApiFunction", review_event("POST", bad, "decision=approve"))
        assert post["statusCode"] == 404
    assert len(answers) == 1


def test_approval_publishes_once_even_when_redelivered(aws):
    _, created = drafted(aws)
    for link in review_links(aws):
        aws.invoke("ReviewApiFunction", review_event("POST", link.rsplit("/", 1)[1], "decision=approve"))
    records = aws.drain("PublicationQueue")
    assert len(records) == 2
    for _ in range(2):  # the second round is a redelivery
        assert aws.invoke("PublicationFunction", {"Records": records}) == {"batchItemFailures": []}
    items = services().store.submission_items(VILLAGE, created["submission_id"])
    pubs = [p for p in items["publication"] if p.status.value == "published"]
    assert [p.channel for p in pubs] == ["static_site"]
    slug = next(d.slug for d in items["draft"] if d.procedure.value == "website")
    page = services().site.get(f"{VILLAGE}/berita/{slug}/index.html").decode()
    assert "Kerja Bakti" in page
    manifest = json.loads(services().site.get(f"{VILLAGE}/berita/index.json"))
    entries = manifest if isinstance(manifest, list) else manifest.get("items", [])
    assert [e["slug"] for e in entries].count(slug) == 1
    assert {d.status.value for d in items["draft"] if d.procedure.value == "website"} == {"published"}


def test_the_monthly_report_is_per_village_and_the_same_when_rebuilt(aws):
    _, created = drafted(aws)
    for link in review_links(aws):
        aws.invoke("ReviewApiFunction", review_event("POST", link.rsplit("/", 1)[1], "decision=approve"))
    aws.deliver("PublicationQueue", "PublicationFunction")
    month = month_of(now())
    assert aws.invoke("ReportSchedulerFunction", {"month": month})["queued"] == 2
    jobs = aws.drain("ReportQueue")
    assert sorted(json.loads(j["body"])["tenant_id"] for j in jobs) == [OTHER, VILLAGE]
    aws.invoke("MonthlyReportFunction", {"Records": jobs})
    s3 = boto3.client("s3")
    bucket = services().settings.reports_bucket
    key = f"{VILLAGE}/{month}/laporan-{VILLAGE}-{month}.html"
    first = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    assert "Kerja Bakti" in first.decode()
    other = s3.get_object(Bucket=bucket, Key=f"{OTHER}/{month}/laporan-{OTHER}-{month}.html")["Body"].read()
    assert b"Kerja Bakti" not in other
    aws.invoke("MonthlyReportFunction", {"Records": jobs})
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == first
    assert len(Outbox().list(to="lurah@purwobinangun.desa.id")) == 1  # not emailed twice


def _published_item(item: str, village: str = VILLAGE) -> None:
    services().site.put(f"{village}/berita/{item}/index.html", b"<html></html>", "text/html; charset=utf-8")


def test_clicks_count_readers_not_bots_or_head_requests(aws):
    event = load_event("clicks/get_click")
    item = event["pathParameters"]["item"]
    _published_item(item)
    result = aws.invoke("ClicksFunction", event)
    assert result["statusCode"] == 302 and result["headers"]["Location"].endswith(f"/{VILLAGE}/berita/{item}/")
    bot = load_event("clicks/get_click")
    bot["headers"]["user-agent"] = "facebookexternalhit/1.1"
    aws.invoke("ClicksFunction", bot)
    head = load_event("clicks/get_click")
    head["requestContext"]["http"]["method"] = "HEAD"
    head["routeKey"] = head["requestContext"]["routeKey"] = "HEAD /r/{tenant}/{item}"
    assert aws.invoke("ClicksFunction", head)["statusCode"] == 302
    clicks = services().store.clicks_in_month(VILLAGE, month_of(now()))
    assert [(c.item, c.channel, c.count) for c in clicks] == [(item, "facebook", 1)]
    junk = api_event("GET", "/r/../etc", "/r/{tenant}/{item}", path_params={"tenant": "..", "item": "etc"})
    assert aws.invoke("ClicksFunction", junk)["statusCode"] == 404
