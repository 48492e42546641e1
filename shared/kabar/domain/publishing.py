"""SOP step 4's timing rules: when to publish, when to retry, when the admin must hear of a delay.

Pure functions over Jakarta time; the publication use case applies them and the SQS redelivery
carries them out (the message's visibility is the wait).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from .clock import WIB, to_wib

#: The first retry waits a minute; each next one twice as long, up to an hour.
BACKOFF_FIRST = 60.0
BACKOFF_MAX = 3600.0
#: Waiting on a channel's processing: the first check after half a minute, each next one twice as long,
#: at most SQS's longest message delay (15 minutes); after ``MAX_CHECKS`` (about an hour in all) the
#: channel is left pending and the stranded-publication path (``sla.terdampar``) takes it over.
CHECK_FIRST = 30
CHECK_MAX_DELAY = 900
MAX_CHECKS = 8
#: SQS cannot hide a message longer than 12 hours.
SQS_MAX_VISIBILITY = 12 * 3600


@dataclass(frozen=True)
class RetryPlan:
    delay_seconds: int
    #: The retry falls after the H+1 deadline: the admin is told now, not after the fact.
    misses_deadline: bool


def backoff(attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt (1, 2, ...)."""
    return min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, attempts - 1))


def retry_plan(attempts: int, hinted: float | None, at: datetime, deadline: datetime) -> RetryPlan:
    """The wait before the next attempt: the backoff, or longer when the channel said how long
    (``Retry-After``, Meta's ``estimated_time_to_regain_access``, a quota's reset). A throttled API is
    never hammered to meet the deadline; when the wait crosses it, the plan says so."""
    wanted = max(backoff(attempts), hinted or 0.0)
    delay = int(min(wanted, SQS_MAX_VISIBILITY))
    return RetryPlan(delay_seconds=delay, misses_deadline=to_wib(at) + timedelta(seconds=delay) > deadline)


def publish_moment(at: datetime, publish_time: time | None, deadline: datetime) -> datetime:
    """When an approved draft goes online: at once without a configured time of day; otherwise at the
    next ``publish_time`` (Jakarta) from ``at`` on, unless that falls after the deadline, then at once."""
    at = to_wib(at)
    if publish_time is None:
        return at
    moment = datetime.combine(at.date(), publish_time, WIB)
    if moment < at:
        moment += timedelta(days=1)
    return moment if moment <= deadline else at


def check_delay(checks: int, hinted: float | None = None) -> int:
    """Seconds before the ``checks``-th question (1, 2, ...) about a post the channel is processing."""
    wanted = max(CHECK_FIRST * 2 ** max(0, checks - 1), hinted or 0)
    return int(min(wanted, CHECK_MAX_DELAY))
