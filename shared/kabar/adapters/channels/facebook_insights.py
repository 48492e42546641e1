"""Daily metrics of a Facebook Page and its posts (Graph API), behind the ``MetricsSource`` port.

Meta renames and retires Insights metrics and rejects a *whole* request when one metric in it is
invalid (code 100), so every metric is requested on its own: a retired one is recorded as
unavailable, with Meta's message, and the others still arrive.

Mapping (see channel-apis.md, section 1): followers = the Page field ``followers_count``; views of a
day = ``page_media_view`` (period ``day``); per post: reactions and comments from the object's
``summary(total_count)``, shares from ``shares.count`` (absent means none), views from the post's
``post_media_view`` insight. The object counts are the source of truth; insights names change.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from ...domain.clock import WIB
from ...domain.metrics import Reading
from ...ports import PermanentChannelError
from .facebook import FacebookPage, FacebookPermanentError

log = logging.getLogger(__name__)

PAGE_VIEWS = "page_media_view"
POST_VIEWS = "post_media_view"
#: Codes that mean "this metric or field is not available to you", not "the page is unreachable".
UNAVAILABLE_CODES = frozenset({100, 10, 200})


class FacebookInsights:
    """One Page's metrics. Transient errors and a refused token propagate (the job is retried or
    lands in the DLQ); a metric Meta does not give is recorded as unavailable."""

    channel = "facebook"

    def __init__(self, page: FacebookPage) -> None:
        self.page = page
        self.account_id = page.page_id

    def account(self, day: date) -> Reading:
        reading = Reading()
        self._one(reading, "followers", lambda: _int(self.page.get(
            self.page.page_id, query={"fields": "followers_count"}).get("followers_count")))
        since = datetime.combine(day, time(0), WIB)
        query = {"metric": PAGE_VIEWS, "period": "day", "since": str(int(since.timestamp())),
                 "until": str(int((since + timedelta(days=1)).timestamp()))}
        self._one(reading, "views", lambda: _insight_value(
            self.page.get(f"{self.page.page_id}/insights", query=query), PAGE_VIEWS))
        return reading

    def item(self, remote_id: str) -> Reading:
        reading = Reading()
        for name in ("reactions", "comments"):
            self._one(reading, name, lambda n=name: _int(((self.page.get(
                remote_id, query={"fields": f"{n}.summary(total_count).limit(0)"}).get(n) or {})
                .get("summary") or {}).get("total_count")))
        self._one(reading, "shares", lambda: int(((self.page.get(
            remote_id, query={"fields": "shares"}).get("shares")) or {}).get("count") or 0))
        self._one(reading, "views", lambda: _insight_value(self.page.get(
            f"{remote_id}/insights", query={"metric": POST_VIEWS}), POST_VIEWS))
        return reading

    @staticmethod
    def _one(reading: Reading, name: str, fetch) -> None:  # noqa: ANN001
        read_metric(reading, name, fetch, "facebook")


def read_metric(reading: Reading, name: str, fetch, channel: str) -> None:  # noqa: ANN001 - () -> value
    """One metric into ``reading``: its value, or why it is unavailable. A metric Meta has retired or
    withholds (``UNAVAILABLE_CODES``), or one with no data, is named as unavailable, never stored as 0;
    any other refusal is raised."""
    try:
        value = fetch()
    except FacebookPermanentError as err:
        code = err.error.code if err.error else None
        if code not in UNAVAILABLE_CODES:
            raise
        reading.unavailable[name] = err.error.message if err.error else str(err)
        log.warning(f"{channel}: metric unavailable", extra={"metric": name, "code": code})
        return
    except PermanentChannelError:
        raise
    if value is None:
        reading.unavailable[name] = "no data"
    else:
        reading.values[name] = value


def _int(value: object) -> int | None:
    try:
        return int(value) if value is not None else None  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def _insight_value(answer: dict, metric: str) -> int | None:
    """The last value of ``metric`` in an insights answer (an empty ``data`` means no data, not 0)."""
    for entry in answer.get("data") or []:
        if entry.get("name") == metric:
            values = entry.get("values") or []
            if values:
                value = values[-1].get("value")
                if isinstance(value, dict):  # some metrics break down by type
                    return sum(int(v) for v in value.values())
                return _int(value)
    return None
