"""The scheduled jobs' fan-out on the in-memory store and queue (no AWS): every village queued once a
period, a scheduler short of time hands on and its continuations finish the rest, a refused message's
claim is released for the retry, a village's run done once, the regencies once each.

Against DynamoDB and SQS on moto: tests/integration/test_fanout.py."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest

from kabar.domain.clock import WIB
from kabar.domain.fanout import Cursor
from kabar.domain.models import Contact, Village
from kabar.usecases import fanout
from tests.fakes import MemoryQueue, MemoryStore

AT = datetime(2026, 12, 1, 0, 20, tzinfo=WIB)


@pytest.fixture
def store():
    store = MemoryStore()
    for n in range(60):
        store.put_village(Village(id=f"desa-{n:03d}", name=f"Desa {n}", kabupaten=("Sleman", "Bantul")[n % 2],
                                  reviewers=[Contact(name="PPID", email="ppid@desa.id")],
                                  admins=[Contact(name="Admin", email="admin@desa.id")]))
    return store


def villages_queued(queue: MemoryQueue) -> Counter:
    return Counter(b["tenant_id"] for b in queue.bodies() if b.get("kind") == "village")


def test_out_of_time_the_scheduler_hands_on_and_every_village_is_queued_exactly_once(store):
    queue = MemoryQueue()
    first = fanout.schedule("report", "2026-11", store, queue, time_left=lambda: 0.0, page_size=7, at=AT)
    assert first["handed_on"] >= 1
    # each continuation is delivered (twice, as SQS may), and continues where it was handed on
    while pending := [b for b in queue.bodies() if b.get("kind") == "continue"]:
        queue.jobs = [j for j in queue.jobs if j.body.get("kind") != "continue"]
        for body in pending * 2:
            fanout.schedule(body["job"], body["period"], store, queue, time_left=lambda: 60.0,
                            params=body["params"], cursor=Cursor.from_json(body["cursor"]),
                            page_size=body["page_size"], at=AT)
    counts = villages_queued(queue)
    assert set(counts) == {f"desa-{n:03d}" for n in range(60)} and set(counts.values()) == {1}
    assert all(0 <= j.delay <= 900 for j in queue.jobs)


def test_the_same_period_again_queues_nothing_and_the_next_period_everything(store):
    queue = MemoryQueue()
    assert fanout.schedule("sla-watch", "2026-12-01T00:15", store, queue, lambda: 60.0, at=AT)["queued"] == 60
    again = fanout.schedule("sla-watch", "2026-12-01T00:15", store, queue, lambda: 60.0, at=AT)
    assert (again["queued"], again["already"]) == (0, 60)
    assert fanout.schedule("sla-watch", "2026-12-01T00:30", store, queue, lambda: 60.0, at=AT)["queued"] == 60


def test_a_message_the_queue_refused_is_released_for_the_retry(store):
    queue = MemoryQueue()
    queue.refuse = {0}
    with pytest.raises(fanout.NotQueued):
        fanout.schedule("token-watch", "2026-12-01", store, queue, lambda: 60.0, page_size=100, at=AT)
    claimed = {f"desa-{n:03d}" for n in range(60)} - {
        u for u in (f"desa-{n:03d}" for n in range(60)) if store.job_run(u, "token-watch", "2026-12-01") is None}
    first_page = next(ids for shard in range(16) if (ids := store.village_ids(shard, None, 100)))
    assert claimed == set(villages_queued(queue)) == set(first_page[1:])  # the refused one's claim released
    queue.refuse = set()
    fanout.schedule("token-watch", "2026-12-01", store, queue, lambda: 60.0, page_size=100, at=AT)
    assert set(villages_queued(queue).values()) == {1} and len(villages_queued(queue)) == 60


def test_a_villages_run_is_done_once_and_the_regencies_queued_once_each(store):
    done: list[str] = []
    assert fanout.run_once("desa-001", "report", "2026-11", store, lambda: done.append("x") or {"ok": 1}, AT) == {
        "ok": 1}
    assert fanout.run_once("desa-001", "report", "2026-11", store, lambda: done.append("y") or {}, AT) is None
    assert done == ["x"]
    queue = MemoryQueue()
    assert fanout.schedule_regencies("2026-11", store, queue, at=AT)["queued"] == 2
    assert fanout.schedule_regencies("2026-11", store, queue, at=AT)["queued"] == 0
    assert sorted(b["kabupaten"] for b in queue.bodies()) == ["Bantul", "Sleman"]
