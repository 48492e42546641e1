"""Nothing lost, nothing twice: one injected failure at each boundary of a flow, then redelivery.

Each case makes one call at a boundary fail once (an exception from DynamoDB, the bus or the mail
service, before or after the remote side acted), lets the function's trigger deliver again as AWS
would, and asserts that every effect happened exactly once: the register rows, the drafts, the
emails to each person, the audit trail (intact and without gaps), the posts.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.wrappers import Response

from kabar.adapters import aws as aws_clients
from kabar.domain.clock import now
from kabar.domain.models import ChannelConfig, Contact, Procedure
from kabar.services import reset, services
from kabar.usecases.audit import verify_trail
from kabar.usecases.villages import put_village
from kabar_local.fakes.channels import LocalChannels, local_secret
from kabar_local.fakes.graph import FakeGraph
from kabar_local.outbox import Outbox
from tests.integration.flow import TOKEN, VILLAGE, meta_connected, review_event, review_links, submitted_and_uploaded
from tests.serving import serve


class Injected(RuntimeError):
    """The one failure a case injects."""


class Crash(BaseException):  # noqa: N818 - what happens, not an error a handler may catch
    """The function's process ends (killed, out of time) right there: no ``except Exception`` sees it and
    nothing after it runs; Lambda gives the whole batch back to the queue."""


def fail_once(monkeypatch, target: object, name: str, when: Callable[..., bool] = lambda *a, **k: True,
              after: bool = False, exc: type[BaseException] = Injected) -> list[int]:
    """Make ``target.name`` fail the first time ``when`` holds: before it acts, or (``after``) once it acted;
    with ``exc=Crash`` the process ends there instead of raising an error the code may handle."""
    original = getattr(target, name)
    fired: list[int] = []

    def wrapper(*args, **kwargs):
        if not fired and when(*args, **kwargs):
            fired.append(1)
            if after:
                original(*args, **kwargs)
            raise exc(f"{name} failed once ({'after' if after else 'before'} acting)")
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, wrapper)
    return fired


def _dynamodb_fails_once(monkeypatch, match: str, after: bool = False, exc: type[BaseException] = Injected,
                         also: str = "") -> list[int]:
    """The next transaction whose items mention ``match`` (and ``also``) fails (the client is shared and cached)."""
    client = aws_clients.client("dynamodb")

    def when(*args, **kwargs) -> bool:
        items = json.dumps(kwargs.get("TransactItems", []), default=str)
        return match in items and also in items

    return fail_once(monkeypatch, client, "transact_write_items", when=when, after=after, exc=exc)


def _mail_fails_once(monkeypatch, to: str | None = None, after: bool = False, subject: str = "") -> list[int]:
    from kabar.adapters.ses import SesMailer

    return fail_once(monkeypatch, SesMailer, "send", after=after,
                     when=lambda self, mail: (to is None or to in mail.to) and subject in mail.subject)


def _bus_fails_once(monkeypatch) -> list[int]:
    from kabar.adapters.eventbridge import EventBridgePublisher

    return fail_once(monkeypatch, EventBridgePublisher, "publish")


def _site_put_fails_once(monkeypatch, after: bool = False) -> list[int]:
    from kabar.adapters.s3 import S3Storage

    site = services().settings.site_bucket
    return fail_once(monkeypatch, S3Storage, "put", after=after,
                     when=lambda self, key, *a, **k: self.bucket == site and key.endswith(".html"))


def _reports_put_fails_once(monkeypatch) -> list[int]:
    from kabar.adapters.s3 import S3Storage

    bucket = services().settings.reports_bucket
    return fail_once(monkeypatch, S3Storage, "put", when=lambda self, key, *a, **k: self.bucket == bucket)


def _mails() -> Counter:
    return Counter((to, m["subject"].split("]", 1)[-1].split(":", 1)[0].strip())
                   for m in Outbox().list() for to in m["to"])


def _audit_ok() -> int:
    verdict = verify_trail(VILLAGE, svc=services())
    assert verdict.problems == [], verdict.problems
    return verdict.entries


def _redeliver_until_done(aws, queue: str, function: str, rounds: int = 4) -> None:
    """Deliver the queue to its function until it is empty; what failed comes back, as does a whole batch
    whose process crashed (Lambda returns it after the visibility timeout)."""
    import boto3

    for _ in range(rounds):
        records = aws.drain(queue)
        if not records:
            return
        try:
            result = aws.invoke(function, {"Records": records})
            failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
        except Crash:
            aws.settle()  # what it committed before it died is on the table's stream
            failed = {r["messageId"] for r in records}
        except Exception:  # noqa: BLE001 - the handler itself failed: the whole batch comes back
            failed = {r["messageId"] for r in records}
        for record in records:
            if record["messageId"] in failed:
                boto3.client("sqs").send_message(QueueUrl=aws.queues[queue], MessageBody=record["body"])


# --- the flows a case runs -----------------------------------------------------------------------------

def _intake(aws, phone_video: bool = False) -> dict:
    if phone_video:  # a phone's video the draft video step can use: every channel gets it
        from datetime import date

        from kabar_local import samples
        from tests.integration.flow import staff, submit, upload_all

        payload, blobs = samples.submission_payload(date.today())
        clip = _phone_clip()
        payload["files"][-1] = {"name": "IMG_0002.MOV", "kind": "video", "content_type": "video/quicktime",
                                "size": len(clip)}
        blobs[-1] = clip
        status, created = submit(aws, staff("submitter"), payload)
        assert status == 201, created
        upload_all(created, blobs, payload)
    else:
        _, created = submitted_and_uploaded(aws)
    _redeliver_until_done(aws, "IntakeQueue", "IntakeFunction")
    return created


@functools.cache
def _phone_clip() -> bytes:
    """An iPhone's HEVC video (Reels take 3 seconds at least), made once."""
    import tempfile
    from pathlib import Path

    from kabar_local import video_samples as clips

    with tempfile.TemporaryDirectory() as folder:
        return clips.iphone_hevc(Path(folder) / "IMG_0002.MOV", seconds=3.5).read_bytes()


def _drafting(aws, phone_video: bool = False) -> dict:
    created = _intake(aws, phone_video)
    _redeliver_until_done(aws, "DraftingQueue", "DraftingFunction")  # the website draft
    _redeliver_until_done(aws, "VideoDraftingQueue", "VideoDraftingFunction")  # the draft video -> VideoDrafted
    _redeliver_until_done(aws, "DraftingQueue", "DraftingFunction")  # the social draft, with its video
    _redeliver_until_done(aws, "NotificationQueue", "ReviewNotificationFunction")
    return created


def _decide(aws, decision: str, note: str = "Tidak untuk publikasi", phone_video: bool = False) -> dict:
    created = _drafting(aws, phone_video)
    links = [u.rsplit("/", 1)[1] for u in review_links(aws)]
    form = f"decision={decision}&note={note.replace(' ', '+')}&reason=not_for_publication"
    for link in links:
        try:
            aws.invoke("ReviewApiFunction", review_event("POST", link, form))
        except Injected:
            # the reviewer saw an error page: they press the button again
            aws.invoke("ReviewApiFunction", review_event("POST", link, form))
    aws.settle()
    return created


def _publish(aws) -> dict:
    created = _decide(aws, "approve")
    _redeliver_until_done(aws, "PublicationQueue", "PublicationFunction")
    return created


def _publish_on_every_channel(aws) -> dict:
    created = _decide(aws, "approve", phone_video=True)
    _redeliver_until_done(aws, "PublicationQueue", "PublicationFunction", rounds=8)  # with channels' checks
    return created


def _revision(aws) -> dict:
    from tests.integration.flow import api_event, staff

    created = _decide(aws, "revise", "Tambahkan jumlah peserta")
    sid = created["submission_id"]
    token = staff("admin")
    body = {"version": 1, "lead": "Sebanyak 60 warga membersihkan saluran irigasi."}
    event = api_event("PUT", f"/drafts/{sid}/website", "/drafts/{submission_id}/{procedure}", token, body,
                      path_params={"submission_id": sid, "procedure": "website"})
    for _ in range(2):  # the admin presses "send" again after an error page
        try:
            if aws.invoke("SubmissionsApiFunction", event)["statusCode"] == 200:
                break
        except Injected:
            continue
    _redeliver_until_done(aws, "DraftingQueue", "DraftingFunction")
    _redeliver_until_done(aws, "NotificationQueue", "ReviewNotificationFunction")
    return created


def _report(aws) -> dict:
    created = _publish(aws)
    aws.invoke("ReportSchedulerFunction", {"month": _this_month()})
    jobs = [j for j in aws.drain("ReportQueue") if json.loads(j["body"])["tenant_id"] == VILLAGE]
    for _ in range(3):
        try:
            aws.invoke("MonthlyReportFunction", {"Records": jobs})
        except Exception:  # noqa: BLE001 - the job's queue brings it back
            continue
        break
    aws.settle()
    return created


def _this_month() -> str:
    from kabar.domain.clock import month_of, now

    return month_of(now())


# --- the channels: the local stack's fakes that speak each real API, over HTTP -------------------------

@dataclass
class Remotes:
    """Facebook, Instagram and YouTube for social media, WordPress for the website, behind one local
    server; ``connect`` gives fresh fakes (nothing posted) and points the village's channels at them."""

    monkeypatch: pytest.MonkeyPatch
    base: str
    holder: dict
    fakes: LocalChannels | None = None

    def connect(self) -> None:
        fakes = LocalChannels(FakeGraph(), self.base)
        self.holder["app"] = DispatcherMiddleware(Response("not found", status=404), fakes.mounts())
        self.monkeypatch.setenv("KABAR_GRAPH_BASE_URL", f"{self.base}/graph")
        from kabar.domain import publishing

        # a channel still processing the post is asked again at once (SQS's delay is the 30 s in production)
        self.monkeypatch.setattr(publishing, "CHECK_FIRST", 0)
        reset()
        village = services().store.get_village(VILLAGE)
        suffix = uuid.uuid4().hex[:8]
        social = [ChannelConfig(type="facebook", page_id=FB_PAGE, secret_name=f"kabar/{VILLAGE}/meta-{suffix}"),
                  ChannelConfig(type="instagram", secret_name=f"kabar/{VILLAGE}/meta-{suffix}"),
                  ChannelConfig(type="youtube", secret_name=f"kabar/{VILLAGE}/youtube-{suffix}")]
        website = [ChannelConfig(type="wordpress", secret_name=f"kabar/{VILLAGE}/wordpress-{suffix}")]
        village = village.model_copy(update={"channels": {Procedure.SOCIAL: social, Procedure.WEBSITE: website}})
        fakes.register(village, social + website)
        for channel in social + website:
            if channel.type != "facebook":
                secret = local_secret(self.base, village, channel)
                services().credentials.put(VILLAGE, channel.secret_name, secret, {"account": channel.type}, "test",
                                           now())
        put_village(village, svc=services())
        self.fakes = fakes

    def posts(self) -> Counter:
        """What is online on each remote."""
        fakes = self.fakes
        assert fakes is not None
        return Counter({"facebook": len(fakes.graph.posts(FB_PAGE)),
                        "facebook video": len(fakes.graph.videos(FB_PAGE)),
                        "instagram": len(fakes.instagram.published()), "youtube": len(fakes.youtube[VILLAGE].videos),
                        "wordpress": len(fakes.wordpress[VILLAGE].posts)})


FB_PAGE = "1234567890"


@pytest.fixture
def remotes(aws, monkeypatch) -> Iterator[Remotes]:
    holder: dict = {}
    server_url, stop_server = serve(lambda env, start: holder["app"](env, start))
    yield Remotes(monkeypatch, server_url, holder)
    stop_server()
    reset()


def _channel_fails_once(monkeypatch, module: str, cls: str, after: bool = False) -> list[int]:
    """The channel's publish fails before it posts, or (``after``) the process dies once the remote took it."""
    import importlib

    target = getattr(importlib.import_module(f"kabar.adapters.channels.{module}"), cls)
    return fail_once(monkeypatch, target, "publish", when=lambda self, post: type(self) is target, after=after,
                     exc=Crash if after else Injected)


def _http_times_out_once(monkeypatch, module: str, edge: str, after: bool = True, dies: bool = False) -> list[int]:
    """The adapter's HTTP call to ``edge`` (a POST) times out: before the remote heard it, or (``after``)
    once it acted, the answer lost on the way (the read timed out); with ``dies`` the process ends there."""
    import importlib

    adapter = importlib.import_module(f"kabar.adapters.channels.{module}")
    original = adapter.send
    fired: list[int] = []

    def send(request, timeout, *args, **kwargs):
        if not fired and request.get_method() == "POST" and edge in request.full_url:
            fired.append(1)
            if after:
                with original(request, timeout, *args, **kwargs):
                    pass
            if dies:
                raise Crash(f"{edge} acted on; the process died before its answer was read")
            raise TimeoutError("The read operation timed out")
        return original(request, timeout, *args, **kwargs)

    monkeypatch.setattr(adapter, "send", send)
    return fired


# --- the inbox: Meta's webhook, the daily digest ------------------------------------------------------

APP_SECRET, VERIFY = "test-app-secret-faults", "verify-faults"


def _meta_connected() -> None:
    meta_connected(FB_PAGE, APP_SECRET, VERIFY)


def _meta_delivers(aws, payload: dict) -> None:
    """Meta's POST, signed; any answer but 200 and Meta delivers the same payload again."""
    import hashlib
    import hmac

    from tests.support import load_event

    raw = json.dumps(payload).encode()
    event = load_event("meta_webhook/post_comment")
    event["body"] = raw.decode()
    event["headers"]["x-hub-signature-256"] = "sha256=" + hmac.new(APP_SECRET.encode(), raw,
                                                                    hashlib.sha256).hexdigest()
    for _ in range(3):
        try:
            if aws.invoke("MetaWebhookFunction", event)["statusCode"] == 200:
                return
        except (Exception, Crash):  # noqa: BLE001, S112 - Meta saw no 200 (a 502 for a crash): it delivers again
            aws.settle()
            continue
    raise AssertionError("Meta's delivery never got its 200")


def _comment(comment_id: str, text: str) -> dict:
    post = f"{FB_PAGE}_111"
    value = {"item": "comment", "verb": "add", "comment_id": comment_id, "post_id": post, "parent_id": post,
             "from": {"id": "9988776655", "name": "Sri Wahyuni"}, "message": text, "created_time": 1795486490}
    return {"object": "page", "entry": [{"id": FB_PAGE, "time": 1795486500,
                                         "changes": [{"field": "feed", "value": value}]}]}


def _message(mid: str, text: str) -> dict:
    return {"object": "page", "entry": [{"id": FB_PAGE, "time": 1, "messaging": [
        {"sender": {"id": "psid-4455"}, "recipient": {"id": FB_PAGE}, "timestamp": 1795486500000,
         "message": {"mid": mid, "text": text}}]}]}


def _webhook(aws) -> dict:
    _meta_connected()
    _meta_delivers(aws, _comment(f"{FB_PAGE}_111_301", "Jam berapa posyandu besok?"))
    _meta_delivers(aws, _message("m_faults_1", "Halo, saya mau tanya jadwal posyandu"))
    return {}


def _digest(aws) -> dict:
    _webhook(aws)
    aws.invoke("InboxDigestFunction", {"at": now().isoformat()})
    _redeliver_until_done(aws, "InboxDigestQueue", "InboxDigestFunction")
    aws.settle()
    return {}


def _inbox_effects() -> dict:
    from kabar.domain.clock import month_of

    store = services().store
    inquiries = store.inquiries_in_month(VILLAGE, month_of(now()))
    threads = store.inbox.threads(VILLAGE)
    return {"inquiries": sorted(i.inquiry_id for i in inquiries),
            "threads": sorted(json.dumps({f: v for f, v in t.items() if f not in ("last_at", "ttl")}, sort_keys=True,
                                         default=str) for t in threads.values())}


# --- the daily metrics ----------------------------------------------------------------------------------

METRICS_DAY = "2026-11-26"


def _metrics(aws) -> dict:
    from datetime import UTC, datetime

    from kabar.domain.models import Publication, PublicationStatus

    graph = FakeGraph()
    graph.add_page(FB_PAGE, TOKEN, "Kalurahan Purwobinangun")
    server_url, stop_server = serve(graph.api_app)
    try:
        os.environ["KABAR_GRAPH_BASE_URL"] = server_url
        reset()
        secret = f"kabar/{VILLAGE}/facebook-{uuid.uuid4().hex[:8]}"
        services().credentials.put(VILLAGE, secret, {"page_access_token": TOKEN}, {"account": FB_PAGE}, "test",
                                   now())
        village = services().store.get_village(VILLAGE)
        social = [ChannelConfig(type="facebook", page_id=FB_PAGE, secret_name=secret)]
        put_village(village.model_copy(update={"channels": {**village.channels, Procedure.SOCIAL: social}}),
                    svc=services())
        for n, engagement in enumerate(((31, 4, 2, 640), (12, 1, 0, 150))):
            with graph._lock:  # noqa: SLF001 - a post already on the Page
                post_id = graph._new_post(graph._pages[FB_PAGE], f"Kerja bakti {n}", []).id  # noqa: SLF001
            services().store.save_publication(Publication(
                tenant_id=VILLAGE, submission_id=f"s000000000000000000{n}", procedure=Procedure.SOCIAL, version=1,
                channel="facebook", status=PublicationStatus.PUBLISHED, marker=f"kabar-{n}", remote_id=post_id,
                published_at=datetime(2026, 11, 20 + n, 3, tzinfo=UTC)))
            graph.set_engagement(post_id, reactions=engagement[0], comments=engagement[1], shares=engagement[2],
                                 views=engagement[3])
        graph.set_followers(FB_PAGE, 2300)
        aws.invoke("MetricsSchedulerFunction", {"day": METRICS_DAY})
        _redeliver_until_done(aws, "MetricsQueue", "MetricsCollectorFunction")
    finally:
        stop_server()
    return {}


def _metrics_effects() -> dict:
    store = services().store
    month = METRICS_DAY[:7]
    return {"accounts": sorted((a.channel, a.account_id, str(a.day), json.dumps(a.values, sort_keys=True))
                               for a in store.account_snapshots(VILLAGE, month)),
            "items": sorted((i.channel, str(i.day), json.dumps(i.values, sort_keys=True))
                            for i in store.item_snapshots(VILLAGE, month))}


# --- the notice sender on its own ------------------------------------------------------------------

def _notification(aws) -> dict:
    from kabar.domain.outbox import Change, Notice
    from kabar.usecases import notices

    # by the time SQS brings a message back (the queue's 180 s) the sender's 120 s lease has run out
    notices.LEASE_SECONDS = -1  # (a lease that has already run out when the message comes back)
    try:
        store = services().store
        for n, to in enumerate(("admin@purwobinangun.desa.id", "ppid@purwobinangun.desa.id")):
            store.enqueue(Change(notices=[Notice(
                tenant_id=VILLAGE, purpose="inbox_digest", subject=f"uji:{n}", recipient=to,
                params={"mail": {"subject": f"[Kabar] Pemberitahuan uji {n}", "text": "teks", "html": "<p>teks</p>",
                                 "reply_to": []}})]))
        aws.relay()
        _redeliver_until_done(aws, "NoticeQueue", "NoticeSenderFunction")
    finally:
        notices.LEASE_SECONDS = 120
    return {}


def _ses_fails_once(monkeypatch, error: Callable[[], BaseException], after: bool = False,
                    to: str = "admin@purwobinangun.desa.id") -> list[int]:
    """The SES client's SendEmail to ``to`` fails: before SES heard it, or (``after``) once it took the email."""
    client = aws_clients.client("sesv2")
    original = client.send_email
    fired: list[int] = []

    def send_email(**kwargs):
        if not fired and to in kwargs["Destination"]["ToAddresses"]:
            fired.append(1)
            if after:
                original(**kwargs)
            raise error()
        return original(**kwargs)

    monkeypatch.setattr(client, "send_email", send_email)
    return fired


def _read_timeout() -> BaseException:
    from botocore.exceptions import ReadTimeoutError

    return ReadTimeoutError(endpoint_url="https://email.ap-southeast-3.amazonaws.com/v2/email/outbound-emails")


def _connect_timeout() -> BaseException:
    from botocore.exceptions import ConnectTimeoutError

    return ConnectTimeoutError(endpoint_url="https://email.ap-southeast-3.amazonaws.com/v2/email/outbound-emails")


CHANNELS = ("facebook", "instagram", "youtube", "wordpress")

FLOWS: dict[str, Callable[..., dict]] = {
    "publication": _publish,
    "revision": _revision,
    "report": _report,
    "intake": _intake,
    "drafting": _drafting,
    "reject": lambda aws: _decide(aws, "reject"),
    "revise": lambda aws: _decide(aws, "revise", "Tambahkan jumlah peserta"),
    "approve": lambda aws: _decide(aws, "approve"),
    **{f"publication: {channel}": _publish_on_every_channel for channel in CHANNELS},
    "webhook": _webhook,
    "digest": _digest,
    "metrics": _metrics,
    "notification": _notification,
}

#: what a flow leaves besides emails, the submission's records and posts
EFFECTS: dict[str, Callable[[], dict]] = {"webhook": _inbox_effects, "digest": _inbox_effects,
                                          "metrics": _metrics_effects}

ADMIN, PPID = "admin@purwobinangun.desa.id", "ppid@purwobinangun.desa.id"


def _store_fails_once(monkeypatch, name: str, after: bool = False, exc: type[BaseException] = Injected,
                      when: Callable[..., bool] = lambda *a, **k: True) -> list[int]:
    return fail_once(monkeypatch, type(services().store), name, when=when, after=after, exc=exc)


def _digest_promised(self, change, *args, **kwargs) -> bool:
    return any(n.purpose == "inbox_digest" for n in change.notices)


def _crash() -> BaseException:
    return Crash("SES took the email; the sender died before marking it sent")


# (flow, boundary, how the failure is injected)
BOUNDARIES = [
    ("intake", "file verdict + its audit entry", lambda mp: _dynamodb_fails_once(mp, '"file_accepted"')),
    ("intake", "completion + its event", lambda mp: _dynamodb_fails_once(mp, '"completed"')),
    ("intake", "relay to the bus", _bus_fails_once),
    ("drafting", "draft + audit + DraftReady", lambda mp: _dynamodb_fails_once(mp, '"drafted"')),
    ("drafting", "review link email, before sending", lambda mp: _mail_fails_once(mp, PPID)),
    ("drafting", "review link email, crash after the send was taken",
     lambda mp: _mail_fails_once(mp, PPID, after=True)),
    ("reject", "decision + audit + event + notice", lambda mp: _dynamodb_fails_once(mp, '"decision_reject"')),
    ("reject", "rejection email to the submitter", lambda mp: _mail_fails_once(mp, subject="Ditolak")),
    ("revise", "decision + correction notices", lambda mp: _dynamodb_fails_once(mp, '"decision_revise"')),
    ("revise", "correction email to the admin", lambda mp: _mail_fails_once(mp, ADMIN)),
    ("approve", "decision + DraftApproved", lambda mp: _dynamodb_fails_once(mp, '"decision_approve"')),
    ("publication", "online + audit + ContentPublished", lambda mp: _dynamodb_fails_once(mp, '"published"')),
    ("publication", "the website's page, before it is written", lambda mp: _site_put_fails_once(mp)),
    ("publication", "the website's page written, then a crash", lambda mp: _site_put_fails_once(mp, after=True)),
    ("revision", "new version + supersede + audit + event", lambda mp: _dynamodb_fails_once(mp, '"revised"')),
    ("revision", "version 2's review email", lambda mp: _mail_fails_once(mp, subject="(v2)")),
    ("report", "the report's email", lambda mp: _mail_fails_once(mp, subject="Laporan bulanan")),
    ("report", "the report's documents, before they are stored", lambda mp: _reports_put_fails_once(mp)),
    # each channel against the local fake that speaks its API: before the post, the process dying once the
    # remote took it (the marker must find it), the answer lost to a timeout
    ("publication: facebook", "before the post", lambda mp: _channel_fails_once(mp, "facebook", "FacebookPage")),
    ("publication: facebook", "post accepted, then the process dies",
     lambda mp: _channel_fails_once(mp, "facebook", "FacebookPage", after=True)),
    ("publication: facebook", "post accepted, the answer timed out",
     lambda mp: _http_times_out_once(mp, "facebook", "/feed")),
    ("publication: facebook", "online, then the process dies at the store write",
     lambda mp: _dynamodb_fails_once(mp, '"published"', also="facebook", exc=Crash)),
    ("publication: instagram", "before the post", lambda mp: _channel_fails_once(mp, "instagram", "InstagramAccount")),
    # the container is on the publication before media_publish: the next delivery asks Meta about it
    ("publication: instagram", "media published, then the process dies",
     lambda mp: _http_times_out_once(mp, "facebook", "/media_publish", dies=True)),
    ("publication: instagram", "media_publish accepted, the answer timed out",
     lambda mp: _http_times_out_once(mp, "facebook", "/media_publish")),
    ("publication: youtube", "before the upload", lambda mp: _channel_fails_once(mp, "youtube", "YouTubeChannel")),
    ("publication: youtube", "video uploaded, then the process dies",
     lambda mp: _channel_fails_once(mp, "youtube", "YouTubeChannel", after=True)),
    ("publication: youtube", "the upload's start times out before YouTube heard it",
     lambda mp: _http_times_out_once(mp, "youtube", "uploadType=resumable", after=False)),
    ("publication: wordpress", "before the post", lambda mp: _channel_fails_once(mp, "wordpress", "WordPressSite")),
    ("publication: wordpress", "post accepted, then the process dies",
     lambda mp: _channel_fails_once(mp, "wordpress", "WordPressSite", after=True)),
    ("publication: wordpress", "post created, the answer timed out",
     lambda mp: _http_times_out_once(mp, "wordpress", "/wp/v2/posts")),
    ("publication: wordpress", "online, then the process dies at the store write",
     lambda mp: _dynamodb_fails_once(mp, '"published"', also="wordpress", exc=Crash)),
    # Meta's webhook: Meta delivers again whatever got no 200
    ("webhook", "a comment's inquiry + thread, the write fails", lambda mp: _dynamodb_fails_once(mp, "111_301")),
    ("webhook", "a comment recorded, then the process dies",
     lambda mp: _dynamodb_fails_once(mp, "111_301", after=True, exc=Crash)),
    ("webhook", "a message recorded, the answer lost", lambda mp: _dynamodb_fails_once(mp, "m_faults_1", after=True)),
    # the inbox's daily digest
    ("digest", "the day's digest promised (the store write)",
     lambda mp: _store_fails_once(mp, "enqueue", when=_digest_promised)),
    ("digest", "the digest promised, then the process dies",
     lambda mp: _store_fails_once(mp, "enqueue", after=True, exc=Crash, when=_digest_promised)),
    ("digest", "the digest email, SES never reached (connect timeout)",
     lambda mp: _ses_fails_once(mp, _connect_timeout)),
    # the daily metrics
    ("metrics", "insights read, the account's day not stored",
     lambda mp: _store_fails_once(mp, "put_account_snapshot")),
    ("metrics", "a post's engagement stored, then the process dies",
     lambda mp: _store_fails_once(mp, "put_item_snapshot", after=True, exc=Crash)),
    # the notice sender
    ("notification", "the claim's write fails", lambda mp: _store_fails_once(mp, "claim_notice")),
    ("notification", "SES never reached (connect timeout)", lambda mp: _ses_fails_once(mp, _connect_timeout)),
    ("notification", "SES took it, the answer timed out (read timeout)",
     lambda mp: _ses_fails_once(mp, _read_timeout, after=True)),
    ("notification", "SES took it, then the sender dies", lambda mp: _ses_fails_once(mp, _crash, after=True)),
    ("notification", "sent, the mark-sent write fails", lambda mp: _store_fails_once(mp, "mark_notice")),
]

#: the one window the notices keep open (kabar.usecases.notices): the mail service took the email and the
#: sender never marked it sent; it is sent again rather than never. (recipient, subject) sent one more time.
REPEATED = {
    "review link email, crash after the send was taken": (PPID, "Mohon keputusan"),
    "SES took it, the answer timed out (read timeout)": (ADMIN, "Pemberitahuan uji 0"),
    "SES took it, then the sender dies": (ADMIN, "Pemberitahuan uji 0"),
    "sent, the mark-sent write fails": (ADMIN, "Pemberitahuan uji 0"),
}

def _pending(aws, since: datetime) -> dict:
    """What is left undone: messages on any queue (or its DLQ), notices not sent, channels not online."""
    import boto3

    sqs = boto3.client("sqs")
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
             "ApproximateNumberOfMessagesDelayed"]
    queues = {}
    for name, url in aws.queues.items():
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        waiting = sum(int(v) for v in attributes.values())
        if waiting:
            queues[name] = waiting
    unsent = sorted(str(i.get("notice", {}).get("subject")) for i in services().store.outbox_since(since)
                    if i.get("kind") == "notice")
    return {"queues": queues, "notices unsent": unsent}


def _run(aws, flow: str, remotes: Remotes | None, inject: Callable[[], list[int]] = list) -> tuple[dict, dict]:
    """The flow from start to end (``inject`` its failure once it is set up); what it left, what is pending."""
    since = now() - timedelta(seconds=2)
    _redeliver_until_done(aws, "IntakeQueue", "IntakeFunction")  # S3's test event, from setting up the bucket
    if remotes is not None:
        remotes.connect()
    fired = inject()
    created = FLOWS[flow](aws)
    assert fired or inject is list, "the failure was never reached"
    effects: dict = {"mails": _mails(), "audit entries": _audit_ok()}
    if "submission_id" in created:
        items = services().store.submission_items(VILLAGE, created["submission_id"])
        effects["records"] = {k: sorted(str(getattr(i, "status", "")) for i in v)
                              for k, v in items.items() if k != "audit"}
        effects["submission's audit"] = len(items["audit"])
    if remotes is not None:
        effects["posts"] = remotes.posts()
    if flow in EFFECTS:
        effects.update(EFFECTS[flow]())
    return effects, _pending(aws, since)


_CLEAN: dict[Callable[..., dict], tuple[dict, dict]] = {}


def _clean_run(aws, flow: str, remotes: Remotes | None) -> tuple[dict, dict]:
    """What a clean run of the flow leaves, and leaves pending for the next flow, from a fresh stack (once per
    flow in a worker: it is the same every time); the stack is fresh again afterwards."""
    if FLOWS[flow] not in _CLEAN:
        from tests.support import provision_env

        expected, pending = _run(aws, flow, remotes)
        assert pending["notices unsent"] == [] and not [q for q in pending["queues"] if "dlq" in q.lower()]
        if remotes is not None:
            assert all(expected["posts"][c] >= 1 for c in CHANNELS), expected["posts"]
            assert set(expected["records"]["publication"]) == {"published"}
        _CLEAN[FLOWS[flow]] = expected, pending
        provision_env(aws.url)
        aws._shards.clear()  # noqa: SLF001 - the new table's stream
    return copy.deepcopy(_CLEAN[FLOWS[flow]])


@pytest.mark.parametrize(("flow", "boundary", "inject"), BOUNDARIES, ids=[f"{f}: {b}" for f, b, _ in BOUNDARIES])
def test_one_failure_at_a_boundary_then_redelivery_leaves_every_effect_exactly_once(aws, monkeypatch, request, flow,
                                                                                    boundary, inject):
    remotes = request.getfixturevalue("remotes") if flow.startswith("publication: ") else None
    # Given what a clean run of the flow does, and leaves to the next flow (its queue's messages); no more
    expected, expected_pending = _clean_run(aws, flow, remotes)
    # When the same flow meets one failure at the boundary, and its trigger delivers again
    effects, pending = _run(aws, flow, remotes, lambda: inject(monkeypatch))
    # Then every effect is there exactly once, and nothing is left pending
    assert pending == expected_pending
    if boundary in REPEATED:
        # the one window left (kabar.usecases.notices): that one email goes once more, nothing else does
        repeated = REPEATED[boundary]
        assert effects["mails"] - expected["mails"] == Counter({repeated: 1})
        effects["mails"][repeated] -= 1
    assert effects == expected


def test_boundaries_covered(capsys):
    flows = sorted({f for f, _, _ in BOUNDARIES})
    with capsys.disabled():
        print(f"\nfault injection: {len(BOUNDARIES)} boundaries covered in {len(flows)} flows ({', '.join(flows)})")
    assert len(BOUNDARIES) >= 45
    assert set(FLOWS) == set(flows)


# --- the findings, each by name ------------------------------------------------------------------------

def test_a_rejection_whose_follow_up_fails_once_still_reaches_the_submitter_once(aws, monkeypatch):
    fired = _mail_fails_once(monkeypatch, subject="Ditolak")
    created = _decide(aws, "reject")
    submitter = services().store.get_submission(VILLAGE, created["submission_id"]).submitter_email
    rejected = [m for m in Outbox().list(to=submitter) if "Ditolak" in m["subject"]]
    # the activity refused as not for publication: one TOLAK withdraws the other draft, one email says so
    assert fired and len(rejected) == 1


def test_one_failed_send_to_the_second_reviewer_never_resends_to_the_first(aws, monkeypatch):
    village = services().store.get_village(VILLAGE)
    put_village(village.model_copy(update={"reviewers": [
        *village.reviewers, Contact(name="PPID 2", email="ppid2@purwobinangun.desa.id")]}), svc=services())
    _mail_fails_once(monkeypatch, "ppid2@purwobinangun.desa.id")
    _drafting(aws)
    first = [m for m in Outbox().list(to="ppid@purwobinangun.desa.id") if "Mohon keputusan" in m["subject"]]
    second = [m for m in Outbox().list(to="ppid2@purwobinangun.desa.id") if "Mohon keputusan" in m["subject"]]
    assert len(first) == 1 and len(second) == 1  # one per activity each; the failed one retried alone


def test_an_email_error_after_the_monthly_report_is_recorded_still_sends_it_once(aws, monkeypatch):
    _mail_fails_once(monkeypatch)
    aws.invoke("ReportSchedulerFunction", {"month": "2026-11"})
    jobs = [j for j in aws.drain("ReportQueue") if json.loads(j["body"])["tenant_id"] == VILLAGE]
    assert aws.invoke("MonthlyReportFunction", {"Records": jobs}) == {"batchItemFailures": []}
    assert aws.invoke("MonthlyReportFunction", {"Records": jobs}) == {"batchItemFailures": []}  # redelivered
    reports = [m for m in Outbox().list() if "Laporan bulanan" in m["subject"]]
    recipients = Counter(to for m in reports for to in m["to"])
    assert recipients and set(recipients.values()) == {1}


def test_the_audit_entry_of_a_file_verdict_is_never_lost(aws, monkeypatch):
    fired = _dynamodb_fails_once(monkeypatch, '"file_accepted"')
    created = _intake(aws)
    assert fired
    items = services().store.submission_items(VILLAGE, created["submission_id"])
    verdicts = [a for a in items["audit"] if a.action.startswith("file_")]
    assert len(verdicts) == len(items["asset"])
    _audit_ok()


def test_a_publication_stranded_after_an_outage_is_redriven_and_the_admin_told_once(aws, monkeypatch):
    from kabar.adapters.channels import static_site
    from kabar.ports import TransientChannelError

    created = _drafting(aws)
    for link in review_links(aws):
        aws.invoke("ReviewApiFunction", review_event("POST", link.rsplit("/", 1)[1], "decision=approve"))
    # Given the website is down through every receive: the message gives up (lands in the DLQ)
    down = {"on": True}
    original = static_site.StaticSite.publish

    def publish(self, post):
        if down["on"]:
            raise TransientChannelError("website unreachable")
        return original(self, post)

    monkeypatch.setattr(static_site.StaticSite, "publish", publish)
    records = aws.drain("PublicationQueue")
    aws.invoke("PublicationFunction", {"Records": records})  # fails; the message is dropped here
    pubs = services().store.submission_items(VILLAGE, created["submission_id"])["publication"]
    assert {p.status.value for p in pubs} == {"pending"}
    last = max(p.updated_at for p in pubs)
    # When the watch runs after the outage: it re-drives, and tells the admins once
    done = aws.run_job("SlaWatchFunction", {"at": (last + timedelta(minutes=80)).isoformat()}, "SlaWatchQueue")
    assert done["redrive_stranded"] >= 1 and done["publish_stalled"] >= 1
    assert aws.run_job("SlaWatchFunction", {"at": (last + timedelta(minutes=85)).isoformat()},
                       "SlaWatchQueue")["publish_stalled"] == 0
    down["on"] = False
    aws.deliver("PublicationQueue", "PublicationFunction")
    # Then it is online exactly once, and the admins were told once
    pubs = services().store.submission_items(VILLAGE, created["submission_id"])["publication"]
    assert {p.status.value for p in pubs} == {"published"}
    stalled = [m for m in Outbox().list(to="admin@purwobinangun.desa.id") if "Unggah tertunda" in m["subject"]]
    assert len(stalled) == 1
    # and later runs re-drive nothing more
    again = aws.run_job("SlaWatchFunction", {"at": (last + timedelta(hours=3)).isoformat()}, "SlaWatchQueue")
    assert again["redrive_stranded"] == 0


def test_replaying_the_outbox_after_a_relay_outage_repeats_no_effect(aws):
    from kabar.domain.clock import now
    from kabar.usecases.relay import replay

    since = now() - timedelta(seconds=1)
    created = _decide(aws, "reject")
    submitter = services().store.get_submission(VILLAGE, created["submission_id"]).submitter_email
    before = _mails()
    # the operator replays everything promised since then (the relay's failure queue alarmed)
    counts = replay(services().store.outbox_since(since, VILLAGE), services().events)
    assert counts["event"] >= 4 and counts["notice"] == 0  # every email was sent: none is due again
    for queue, function in (("DraftingQueue", "DraftingFunction"), ("VideoDraftingQueue", "VideoDraftingFunction"),
                            ("DraftingQueue", "DraftingFunction"), ("NotificationQueue", "ReviewNotificationFunction"),
                            ("PublicationQueue", "PublicationFunction")):
        aws.deliver(queue, function)
    aws.settle()
    assert _mails() == before
    assert len([m for m in Outbox().list(to=submitter) if "Ditolak" in m["subject"]]) == 1
    _audit_ok()
