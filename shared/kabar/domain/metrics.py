"""Account and content metrics (SOP A6: follower growth, viewers, engagement per item), as daily snapshots.

A snapshot describes one Jakarta calendar day. A metric the channel did not give (retired by Meta,
not permitted, no data) is absent from ``values`` and named in ``unavailable`` with the reason:
the report then says "not available" instead of printing zero.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from pydantic import BaseModel

from .clock import month_bounds, to_wib

#: Our names for the account's metrics and the content's metrics (each channel maps them to its own).
ACCOUNT_METRICS = ("followers", "views")
ITEM_METRICS = ("reactions", "comments", "shares", "views")


class Reading(BaseModel):
    """What one collection got: values by our metric name, and why the others are missing."""

    values: dict[str, int] = {}
    unavailable: dict[str, str] = {}


class AccountSnapshot(BaseModel):
    """A channel account (e.g. a Facebook Page) on one day: followers at the day's end, the day's views."""

    tenant_id: str
    channel: str
    account_id: str
    day: date
    values: dict[str, int] = {}
    unavailable: dict[str, str] = {}
    collected_at: datetime


class ItemSnapshot(BaseModel):
    """One published item's engagement so far (lifetime totals) as collected on ``day``."""

    tenant_id: str
    channel: str
    remote_id: str
    day: date
    values: dict[str, int] = {}
    unavailable: dict[str, str] = {}
    collected_at: datetime


class AccountDay(BaseModel):
    day: date
    followers: int | None = None
    views: int | None = None


class AccountMonth(BaseModel):
    """An account's month: follower growth and views, with the days they rest on."""

    channel: str
    account_id: str
    followers_start: int | None
    followers_end: int | None
    views: int | None
    days: list[AccountDay]
    days_measured: int
    unavailable: list[str]  # metrics missing on at least one measured day

    @property
    def growth(self) -> int | None:
        if self.followers_start is None or self.followers_end is None:
            return None
        return self.followers_end - self.followers_start


def collection_day(moment: datetime) -> date:
    """The day a collection at ``moment`` describes: the Jakarta day before (a complete day)."""
    return to_wib(moment).date() - timedelta(days=1)


def account_month(snapshots: Iterable[AccountSnapshot], month: str) -> list[AccountMonth]:
    """Per account: followers at the start (the last snapshot before the month, else its first
    day) and at the end of the month, the month's views (the sum of its days), and what was missing.
    """
    start, end = month_bounds(month)
    first_day, last_day = start.date(), (end - timedelta(days=1)).date()
    by_account: dict[tuple[str, str], list[AccountSnapshot]] = defaultdict(list)
    for snap in snapshots:
        if snap.day <= last_day:
            by_account[(snap.channel, snap.account_id)].append(snap)
    result = []
    for (channel, account), snaps in sorted(by_account.items()):
        snaps.sort(key=lambda s: s.day)
        inside = [s for s in snaps if s.day >= first_day]
        if not inside:
            continue
        before = [s for s in snaps if s.day < first_day and "followers" in s.values]
        with_followers = [s for s in inside if "followers" in s.values]
        followers_start = (before[-1].values["followers"] if before
                           else with_followers[0].values["followers"] if with_followers else None)
        followers_end = with_followers[-1].values["followers"] if with_followers else None
        views = [s.values["views"] for s in inside if "views" in s.values]
        missing = sorted({name for s in inside for name in ACCOUNT_METRICS if name not in s.values})
        result.append(AccountMonth(
            channel=channel, account_id=account, followers_start=followers_start, followers_end=followers_end,
            views=sum(views) if views else None,
            days=[AccountDay(day=s.day, followers=s.values.get("followers"), views=s.values.get("views"))
                  for s in inside],
            days_measured=len(inside), unavailable=missing))
    return result


def engagement_at_month_end(snapshots: Iterable[ItemSnapshot], month: str) -> dict[tuple[str, str], ItemSnapshot]:
    """The latest snapshot of each item up to the month's last day, by (channel, remote id)."""
    last_day = (month_bounds(month)[1] - timedelta(days=1)).date()
    latest: dict[tuple[str, str], ItemSnapshot] = {}
    for snap in snapshots:
        key = (snap.channel, snap.remote_id)
        if snap.day <= last_day and (key not in latest or snap.day > latest[key].day):
            latest[key] = snap
    return latest
