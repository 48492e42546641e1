"""Scheduled jobs at scale (issue 15) against moto: paged schedulers that hand on, each (job, village,
period) queued once, the Page-id lookup of the Meta webhook, and a throttled email retried, sent once."""

from __future__ import annotations

import json
from collections import Counter

import boto3
import pytest
from botocore.exceptions import ClientError

from kabar.domain.errors import Conflict
from kabar.domain.models import ChannelConfig, Procedure, Village
from kabar.domain.outbox import Change, Notice
from kabar.services import services
from kabar.usecases import fanout
from kabar.usecases.villages import put_village
from kabar_local.outbox import Outbox
from tests.integration.flow import OTHER, VILLAGE
from tests.integration.test_inbox import PAGE_ID, comment, post_event, signed

MORE = 14  # villages beyond the two of the local stack's list: spread over the directory's partitions


def _more_villages() -> list[str]:
    ids = []
    for n in range(MORE):
        village = Village(id=f"desa-uji-{n:02d}", name=f"Desa Uji {n:02d}", kabupaten="Sleman",
                          reviewers=[{"name": "PPID", "email": f"ppid@desa-uji-{n:02d}.desa.id"}],
                          admins=[{"name": "Admin", "email": f"admin@desa-uji-{n:02d}.desa.id"}])
        put_village(village, svc=services())
        ids.append(village.id)
    return ids + [VILLAGE, OTHER]


def _bodies(records: list[dict]) -> list[dict]:
    return [json.loads(r["body"]) for r in records]


def test_a_scheduler_out_of_time_hands_on_and_every_village_is_queued_exactly_once(aws, monkeypatch):
    everyone = _more_villages()
    # every page leaves the scheduler "out of time": it hands on after each page of two villages
    monkeypatch.setattr(fanout, "MARGIN_SECONDS", 10.0 ** 9)
    started = aws.invoke("SlaWatchFunction", {"page_size": 2})
    assert started["queued"] <= 2 and started["handed_on"] >= 2  # its partition's chain, one per partition after

    queued: Counter[str] = Counter()
    continuations = 0
    for _ in range(200):  # continuations come back on the job queue; each pages on from its cursor
        records = aws.deliver("SlaWatchQueue", "SlaWatchFunction")
        if not records:
            break
        for body in _bodies(records):
            if body["kind"] == "continue":
                continuations += 1
            else:
                queued[body["tenant_id"]] += 1
    assert continuations > 16  # handed on many times: a chain per partition, each paged two at a time
    assert sorted(queued) == sorted(everyone) and set(queued.values()) == {1}
    # and each village's run is recorded done for the period
    store = services().store
    assert {store.job_run(v, "sla-watch", started["period"])["status"] for v in everyone} == {"done"}


def test_running_the_scheduler_again_for_the_same_period_queues_nothing_new(aws):
    everyone = _more_villages()
    first = aws.invoke("ReportSchedulerFunction", {"month": "2026-11", "page_size": 3})
    assert first["queued"] == len(everyone)
    # the schedule's retry, a second run, and a continuation delivered twice: nothing new
    again = aws.invoke("ReportSchedulerFunction", {"month": "2026-11"})
    assert again["queued"] == 0 and again["already"] == len(everyone)
    from kabar.adapters.sqs import SqsQueue
    from kabar.domain.fanout import Cursor

    queue = SqsQueue(aws.queues["ReportQueue"])
    replayed = fanout.schedule("report", "2026-11", services().store, queue, lambda: 10.0 ** 9,
                               params={"month": "2026-11"}, cursor=Cursor(3))
    assert replayed["queued"] == 0
    jobs = _bodies(aws.drain("ReportQueue"))
    assert Counter(j["tenant_id"] for j in jobs) == Counter(everyone)  # once each
    # another month is another period
    assert aws.invoke("ReportSchedulerFunction", {"month": "2026-10"})["queued"] == len(everyone)


def test_a_village_job_delivered_twice_runs_once(aws):
    aws.invoke("InboxDigestFunction", {"at": "2026-11-27T07:00:00+07:00"})
    records = aws.drain("InboxDigestQueue")
    assert len(records) == 2
    store = services().store
    period = json.loads(records[0]["body"])["period"]
    assert aws.invoke("InboxDigestFunction", {"Records": records}) == {"batchItemFailures": []}
    done = store.job_run(VILLAGE, "inbox-digest", period)
    assert aws.invoke("InboxDigestFunction", {"Records": records}) == {"batchItemFailures": []}
    assert store.job_run(VILLAGE, "inbox-digest", period)["done_at"] == done["done_at"]  # not run again


@pytest.fixture
def meta_secret(aws):
    from tests.integration.test_inbox import APP_SECRET, VERIFY

    boto3.client("secretsmanager").create_secret(
        Name=services().settings.meta_webhook_secret,
        SecretString=json.dumps({"app_secret": APP_SECRET, "verify_token": VERIFY}))
    from kabar.adapters import secrets
    from kabar.usecases import inbox

    secrets.forget()
    inbox.forget_pages()
    yield
    inbox.forget_pages()
    secrets.forget()


def _connect(village_id: str, page_id: str | None) -> None:
    village = services().store.get_village(village_id)
    social = [ChannelConfig(type="facebook", page_id=page_id, secret_name=f"kabar/{village_id}/facebook")] \
        if page_id else []
    put_village(village.model_copy(update={"channels": {**village.channels, Procedure.SOCIAL: social}}),
                svc=services())


def test_the_page_id_finds_its_village_by_lookup_not_by_listing_villages(aws, meta_secret, monkeypatch):
    # Given the Page connected through the village's settings (the one path that writes channel config)
    _connect(VILLAGE, PAGE_ID)
    store = services().store
    assert store.village_for_page(PAGE_ID) == VILLAGE

    def no_listing(*args, **kwargs):  # noqa: ANN002, ANN003
        raise AssertionError("the webhook listed every village")

    monkeypatch.setattr(type(store), "list_villages", no_listing)
    # When Meta delivers a comment on the Page
    raw = comment("111_1", "Kapan posyandu berikutnya?")
    response = aws.invoke("MetaWebhookFunction", post_event(raw, signed(raw)))
    # Then it is recorded in that village's inbox
    assert response["statusCode"] == 200 and json.loads(response["body"])["recorded"] == 1
    assert store.get_inquiry(VILLAGE, "111_1") is not None
    assert store.get_inquiry(OTHER, "111_1") is None


def test_a_page_moves_with_the_settings_and_no_village_takes_another_villages_page(aws):
    store = services().store
    _connect(VILLAGE, PAGE_ID)
    with pytest.raises(Conflict):
        _connect(OTHER, PAGE_ID)  # another village cannot route this Page's comments to itself
    assert store.village_for_page(PAGE_ID) == VILLAGE
    assert not [c for c in store.get_village(OTHER).channels.get(Procedure.SOCIAL) or []]  # nothing was written
    _connect(VILLAGE, "5550001")  # the village changes its Page
    assert store.village_for_page(PAGE_ID) is None and store.village_for_page("5550001") == VILLAGE
    _connect(OTHER, PAGE_ID)  # now free
    assert store.village_for_page(PAGE_ID) == OTHER


def test_a_throttled_email_comes_back_from_the_queue_and_is_sent_once(aws, monkeypatch):
    from kabar.adapters import ses

    real = ses.client
    throttled = {"left": 1, "tries": 0}

    class Throttling:
        def __init__(self, inner):  # noqa: ANN001
            self.inner = inner

        def send_email(self, **kwargs):  # noqa: ANN003
            throttled["tries"] += 1
            if throttled["left"]:
                throttled["left"] -= 1
                raise ClientError({"Error": {"Code": "TooManyRequestsException",
                                             "Message": "Maximum sending rate exceeded."}}, "SendEmail")
            return self.inner.send_email(**kwargs)

        def __getattr__(self, name):  # noqa: ANN001
            return getattr(self.inner, name)

    monkeypatch.setattr(ses, "client",
                        lambda service: Throttling(real(service)) if service == "sesv2" else real(service))
    store = services().store
    # a notice as the table holds one promised before notices kept facts: its email already rendered
    notice = Notice(tenant_id=VILLAGE, purpose="inbox_digest", subject="digest:uji",
                    recipient="admin@purwobinangun.desa.id",
                    params={"mail": {"subject": "[Kabar] Uji", "text": "teks", "html": "<p>teks</p>", "reply_to": []}})

    store.enqueue(Change(notices=[notice]))
    aws.relay()
    first = aws.deliver("NoticeQueue", "NoticeSenderFunction", retry_failures=True)  # throttled: back on the queue
    assert len(first) == 1 and throttled["tries"] == 1
    assert store.get_notice(VILLAGE, notice.notice_id).sent_at is None  # released, not lost
    again = aws.deliver("NoticeQueue", "NoticeSenderFunction", retry_failures=True)
    assert len(again) == 1 and throttled["tries"] == 2
    assert aws.deliver("NoticeQueue", "NoticeSenderFunction") == []
    assert [m["subject"] for m in Outbox().list(to="admin@purwobinangun.desa.id")] == ["[Kabar] Uji"]
    assert store.get_notice(VILLAGE, notice.notice_id).sent_at is not None
