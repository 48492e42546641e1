"""Daily metrics of an Instagram professional account and its media (Graph API with Facebook Login),
behind the ``MetricsSource`` port, with the Facebook rule: a retired or refused metric is recorded as
unavailable (with Meta's message), never as zero.

Meta rejects a whole insights request when one metric in it is invalid (``impressions``, ``plays`` and
``video_views`` were retired in 2025), so each metric is asked on its own. Missing data comes back as an
empty ``data`` list: recorded as "no data", not 0.

Mapping (channel-apis.md, section 2): followers = the account field ``followers_count`` (a snapshot a
day: ``follower_count`` the insight is not given to small accounts); the day's views and reach =
``/{ig-user}/insights?metric=views|reach&period=day&metric_type=total_value``; per media: ``views``,
``reach``, ``likes`` (our "reactions"), ``comments``, ``shares``, ``saved`` from ``/{media}/insights``.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from ...domain.clock import WIB
from ...domain.metrics import Reading
from .facebook_insights import read_metric
from .instagram import InstagramAccount

log = logging.getLogger(__name__)

#: our name -> Instagram's media insight
MEDIA_METRICS = {"views": "views", "reach": "reach", "reactions": "likes", "comments": "comments",
                 "shares": "shares", "saved": "saved"}
ACCOUNT_DAY_METRICS = {"views": "views", "reach": "reach"}


class InstagramInsights:
    channel = "instagram"

    def __init__(self, account: InstagramAccount) -> None:
        self.ig = account
        self.account_id = account.ig_user_id

    def _get(self, path: str, query: dict[str, str]) -> dict:
        return self.ig._graph.get(path, query=query)  # noqa: SLF001 - the shared Graph client

    def account(self, day: date) -> Reading:
        reading = Reading()
        self._one(reading, "followers", lambda: _int(self._get(self.account_id, {"fields": "followers_count"})
                                                     .get("followers_count")))
        since = datetime.combine(day, time(0), WIB)
        for ours, theirs in ACCOUNT_DAY_METRICS.items():
            query = {"metric": theirs, "period": "day", "metric_type": "total_value",
                     "since": str(int(since.timestamp())), "until": str(int((since + timedelta(days=1)).timestamp()))}
            self._one(reading, ours, lambda q=query, m=theirs: _total(self._get(f"{self.account_id}/insights", q), m))
        return reading

    def item(self, remote_id: str) -> Reading:
        reading = Reading()
        for ours, theirs in MEDIA_METRICS.items():
            self._one(reading, ours, lambda m=theirs: _lifetime(self._get(f"{remote_id}/insights", {"metric": m}), m))
        return reading

    @staticmethod
    def _one(reading: Reading, name: str, fetch) -> None:  # noqa: ANN001
        read_metric(reading, name, fetch, "instagram")


def _int(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _total(answer: dict, metric: str) -> int | None:
    for entry in answer.get("data") or []:
        if entry.get("name") == metric:
            return _int((entry.get("total_value") or {}).get("value"))
    return None


def _lifetime(answer: dict, metric: str) -> int | None:
    for entry in answer.get("data") or []:
        if entry.get("name") == metric:
            values = entry.get("values") or []
            return _int(values[-1].get("value")) if values else None
    return None
