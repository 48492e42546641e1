"""SOP A6: the daily collection of account and content metrics, one job per village and channel.

The scheduler runs each morning (Asia/Jakarta) and queues one job per social account of each
village; a job reads yesterday (a complete Jakarta day): the account's followers and views, and the
engagement so far of every item published on that account in the last ``ITEM_WINDOW_DAYS`` days.
Collecting a day again overwrites its snapshots, so a retried job changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from aws_lambda_powertools import Logger

from ..domain.clock import now
from ..domain.metrics import AccountSnapshot, ItemSnapshot, collection_day
from ..domain.models import Procedure, PublicationStatus, Village
from ..ports import MetricsSource
from ..services import Services

logger = Logger(child=True)

#: Engagement keeps coming for a few weeks after a post; older items keep their last snapshot.
ITEM_WINDOW_DAYS = 35
#: Channels whose metrics the collection reads (a channel type with a ``MetricsSource`` adapter).
MEASURED_TYPES = ("facebook", "instagram")


def _account_of(config) -> str | None:  # noqa: ANN001
    """The measured account of a channel entry: a Page id, or an Instagram account's ``ig_user_id``."""
    if config.type == "instagram":
        return (config.model_extra or {}).get("ig_user_id")
    return config.page_id


def metric_jobs(*, day: date | None = None, svc: Services, at: datetime | None = None) -> list[dict]:
    """One job per village and measured social account (read from configuration, no secrets)."""
    day = day or collection_day(at or now())
    jobs = []
    for village in svc.store.list_villages():
        for config in village.channels.get(Procedure.SOCIAL) or []:
            if config.type in MEASURED_TYPES and _account_of(config):
                jobs.append({"tenant_id": village.id, "channel": config.type, "account_id": _account_of(config),
                             "day": day.isoformat()})
    return jobs


def measured_accounts(village: Village) -> list[tuple[str, str]]:
    """(channel, account id) of each measured social account of a village (from configuration)."""
    return [(c.type, str(_account_of(c))) for c in village.channels.get(Procedure.SOCIAL) or []
            if c.type in MEASURED_TYPES and _account_of(c)]


def collect_village(tenant_id: str, day: date, svc: Services) -> dict:
    """One village's day: every measured account in turn (the fan-out's job for a village)."""
    village = svc.store.get_village(tenant_id)
    done = {"accounts": 0, "items": 0}
    for channel, account_id in measured_accounts(village):
        got = collect(tenant_id, channel, account_id, day, svc)
        done["accounts"] += int(bool(got.get("account")))
        done["items"] += int(got.get("items") or 0)
    return done


def _sources(village: Village, svc: Services, channel: str, account_id: str) -> list[MetricsSource]:
    """The one account's metrics source (other channels' secrets are not read)."""
    if channel not in MEASURED_TYPES:
        return []
    return svc.channels.metrics_sources(village, channel, account_id)


def collect(tenant_id: str, channel: str, account_id: str, day: date, svc: Services,
            sources: list[MetricsSource] | None = None, at: datetime | None = None) -> dict:
    """Read and store one account's day and its recent items' engagement. Returns what was stored."""
    village = svc.store.get_village(tenant_id)
    if sources is None:
        sources = _sources(village, svc, channel, account_id)
    source = next((s for s in sources if s.channel == channel and s.account_id == account_id), None)
    if source is None:
        logger.warning("metrics: the account is no longer configured", extra={"channel": channel})
        return {"account": False, "items": 0}
    at = at or now()
    reading = source.account(day)
    svc.store.put_account_snapshot(AccountSnapshot(
        tenant_id=tenant_id, channel=channel, account_id=account_id, day=day, values=reading.values,
        unavailable=reading.unavailable, collected_at=at))
    items = 0
    for remote_id in _recent_items(tenant_id, channel, day, svc):
        item = source.item(remote_id)
        svc.store.put_item_snapshot(ItemSnapshot(
            tenant_id=tenant_id, channel=channel, remote_id=remote_id, day=day, values=item.values,
            unavailable=item.unavailable, collected_at=at))
        items += 1
    if reading.unavailable:
        logger.warning("metrics: unavailable", extra={"metrics": sorted(reading.unavailable)})
    return {"account": True, "items": items, "unavailable": sorted(reading.unavailable)}


def _recent_items(tenant_id: str, channel: str, day: date, svc: Services) -> list[str]:
    first = day - timedelta(days=ITEM_WINDOW_DAYS)
    months = sorted({f"{first:%Y-%m}", f"{day:%Y-%m}"} | {f"{first + timedelta(days=d):%Y-%m}"
                                                        for d in range(0, ITEM_WINDOW_DAYS, 28)})
    ids = []
    for month in months:
        for pub in svc.store.publications_in_month(tenant_id, month):
            if (pub.channel == channel and pub.status is PublicationStatus.PUBLISHED and pub.remote_id
                    and pub.published_at is not None and first <= pub.published_at.date() <= day):
                ids.append(pub.remote_id)
    return sorted(set(ids))
