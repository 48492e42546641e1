"""Scheduled jobs at national scale: one message per village, each (job, village, period) once.

A schedule starts a job; its scheduler pages through the village directory (``DIRECTORY_SHARDS``
partitions of small items, never one hot key) and queues one message per village. A scheduler that
runs short of time hands the rest on: a continuation message with the cursor (shard, last village)
goes onto the same queue, and whoever receives it pages on. Each village's message is queued once per
period: a conditional "job run" item per (job, village, period) is written before the message is
sent, so a retried scheduler, a continuation delivered twice or a second run for the same period
queues nothing new (the SQS FIFO deduplication window is five minutes and FIFO queues take no
per-message delay; the run item holds for the period and records what each village's run did).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from .clock import previous_month, to_wib
from .metrics import collection_day
from .models import Village

#: Partitions of the village directory (``VILLAGEDIR#<nn>``): 84,000 villages are about 5,300 small
#: items each, read once per job run; no partition key is read for every village.
DIRECTORY_SHARDS = 16

#: The jobs a schedule starts, with what a village's run waits for at most (a stable jitter in
#: seconds, as SQS DelaySeconds, at most 900): a big fan-out is spread over its window instead of
#: arriving in one burst. The SLA watch waits least (its reminders count in minutes).
SPREAD_SECONDS = {
    "token-watch": 900,
    "sla-watch": 120,
    "intake-watch": 600,
    "inbox-digest": 900,
    "metrics": 900,
    "report": 900,
    "regency-report": 0,
}
JOBS = tuple(SPREAD_SECONDS)

#: Channel types whose configuration carries a Meta id that webhooks name (a Page or an Instagram account).
META_TYPES = ("facebook", "instagram")


def shard_of(tenant_id: str) -> int:
    """The directory partition of a village: stable, spread evenly."""
    return int.from_bytes(hashlib.sha256(tenant_id.encode()).digest()[:4], "big") % DIRECTORY_SHARDS


def spread(job: str, tenant_id: str, period: str, cap: int = 900) -> int:
    """Seconds a village's message waits before it is delivered: the same for a retried scheduler."""
    window = min(SPREAD_SECONDS.get(job, 0), cap)
    if window <= 0:
        return 0
    digest = hashlib.sha256(f"{job}|{tenant_id}|{period}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % (window + 1)


def period_of(job: str, at: datetime) -> str:
    """The period a run at ``at`` is for (Asia/Jakarta): each village's run of a job happens once in it."""
    wib = to_wib(at)
    if job == "sla-watch":
        return f"{wib:%Y-%m-%dT%H}:{wib.minute // 15 * 15:02d}"
    if job == "intake-watch":
        return f"{wib:%Y-%m-%dT%H}"
    if job in ("token-watch", "inbox-digest"):
        return wib.date().isoformat()
    if job == "metrics":
        return collection_day(at).isoformat()
    if job in ("report", "regency-report"):
        return previous_month(at)
    raise ValueError(f"unknown job {job!r}")


def meta_ids(village: Village) -> set[str]:
    """The Facebook Page and Instagram account ids a village's channels are configured with (an Instagram
    account's id may sit in its ``ig_user_id``: Meta's webhooks name that account by it)."""
    ids: set[str] = set()
    for configs in village.channels.values():
        for c in configs:
            if c.type not in META_TYPES:
                continue
            ig_user = (c.model_extra or {}).get("ig_user_id") if c.type == "instagram" else None
            ids |= {str(v) for v in (c.page_id, ig_user) if v}
    return ids


@dataclass(frozen=True)
class Cursor:
    """Where a scheduler stopped: the directory partition, and the last village queued in it."""

    shard: int = 0
    after: str | None = None
    #: this chain pages one partition only (the partitions are paged in parallel once a scheduler hands on)
    single: bool = False

    @property
    def done(self) -> bool:
        return self.shard >= DIRECTORY_SHARDS

    def next_page(self, ids: list[str], page_size: int) -> Cursor:
        """Where the next page starts: further in this partition, or the next one (none for a single chain)."""
        if len(ids) == page_size:
            return Cursor(self.shard, ids[-1], self.single)
        return Cursor(DIRECTORY_SHARDS if self.single else self.shard + 1, None, self.single)

    def hand_on(self) -> list[Cursor]:
        """The chains that go on from here: this partition, and each partition after it on its own."""
        rest = [] if self.single else [Cursor(s, None, True) for s in range(self.shard + 1, DIRECTORY_SHARDS)]
        return [Cursor(self.shard, self.after, True), *rest]

    def to_json(self) -> dict:
        return {"shard": self.shard, "after": self.after, "single": self.single}

    @classmethod
    def from_json(cls, data: dict | None) -> Cursor:
        data = data or {}
        return cls(int(data.get("shard") or 0), data.get("after") or None, bool(data.get("single")))


def day_period(value: str) -> date:
    return date.fromisoformat(value)
