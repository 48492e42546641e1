"""AWS schedule expressions evaluated in the schedule's time zone (Asia/Jakarta for the SOP clocks)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kabar_local.dispatcher import (
    ScheduleExpressionError,
    next_fire_time,
    parse_rate,
    validate_expression,
)

WIB = ZoneInfo("Asia/Jakarta")


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)


def test_monthly_report_fires_on_day_one_at_seven_wib():
    assert next_fire_time("cron(0 7 1 * ? *)", "Asia/Jakarta", wib(2026, 11, 27, 10, 0)) == wib(2026, 12, 1, 7, 0)


def test_result_is_in_the_zone_and_equal_in_utc():
    fired = next_fire_time("cron(0 7 1 * ? *)", "Asia/Jakarta", datetime(2026, 11, 27, 3, 0, tzinfo=UTC))
    assert fired.tzinfo == WIB
    assert fired.astimezone(UTC) == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


def test_strictly_after():
    assert next_fire_time("cron(0 7 1 * ? *)", WIB, wib(2026, 12, 1, 7, 0)) == wib(2027, 1, 1, 7, 0)


def test_every_fifteen_minutes_steps():
    expr = "cron(0/15 * * * ? *)"
    assert next_fire_time(expr, WIB, wib(2026, 11, 27, 10, 7)) == wib(2026, 11, 27, 10, 15)
    assert next_fire_time(expr, WIB, wib(2026, 11, 27, 23, 50)) == wib(2026, 11, 28, 0, 0)


def test_last_day_of_month_including_leap_february():
    assert next_fire_time("cron(30 23 L * ? *)", WIB, wib(2028, 2, 2)) == wib(2028, 2, 29, 23, 30)
    assert next_fire_time("cron(30 23 L * ? *)", WIB, wib(2027, 2, 2)) == wib(2027, 2, 28, 23, 30)


def test_weekday_ranges_and_names_sunday_is_one():
    # 2026-11-27 is a Friday
    assert next_fire_time("cron(0 8 ? * MON-FRI *)", WIB, wib(2026, 11, 27, 9)) == wib(2026, 11, 30, 8)
    assert next_fire_time("cron(0 8 ? * 2-6 *)", WIB, wib(2026, 11, 27, 9)) == wib(2026, 11, 30, 8)
    assert next_fire_time("cron(0 8 ? * 1 *)", WIB, wib(2026, 11, 27, 9)) == wib(2026, 11, 29, 8)  # SUN
    assert next_fire_time("cron(0 8 ? * SAT,SUN *)", WIB, wib(2026, 11, 27, 9)) == wib(2026, 11, 28, 8)


def test_lists_ranges_and_month_names():
    assert next_fire_time("cron(0 9,17 ? * * *)", WIB, wib(2026, 11, 27, 10)) == wib(2026, 11, 27, 17)
    assert next_fire_time("cron(0 6-8 ? * * *)", WIB, wib(2026, 11, 27, 7, 30)) == wib(2026, 11, 27, 8)
    assert next_fire_time("cron(0 0 1 JAN,JUL ? *)", WIB, wib(2026, 11, 27)) == wib(2027, 1, 1)
    assert next_fire_time("cron(0 0 1 1-3 ? 2027)", WIB, wib(2027, 3, 2)) is None  # the years are over


def test_last_weekday_nth_weekday_and_nearest_weekday():
    assert next_fire_time("cron(0 10 ? * 6L *)", WIB, wib(2026, 11, 1)) == wib(2026, 11, 27, 10)  # last Friday
    assert next_fire_time("cron(0 10 ? * 2#1 *)", WIB, wib(2026, 11, 27)) == wib(2026, 12, 7, 10)  # 1st Monday
    # 2026-11-15 is a Sunday: the nearest weekday is Monday the 16th
    assert next_fire_time("cron(0 10 15W * ? *)", WIB, wib(2026, 11, 1)) == wib(2026, 11, 16, 10)
    assert next_fire_time("cron(0 10 LW * ? *)", WIB, wib(2026, 5, 1)) == wib(2026, 5, 29, 10)  # 31st is a Sunday


def test_rate_counts_from_the_anchor():
    anchor = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
    after = anchor + timedelta(minutes=20)
    assert next_fire_time("rate(15 minutes)", "UTC", after, anchor=anchor) == anchor + timedelta(minutes=30)
    assert next_fire_time("rate(1 hour)", "UTC", anchor) == anchor + timedelta(hours=1)
    assert parse_rate("rate(2 days)") == timedelta(days=2)


def test_at_fires_once():
    assert next_fire_time("at(2026-12-01T07:00:00)", WIB, wib(2026, 11, 27)) == wib(2026, 12, 1, 7)
    assert next_fire_time("at(2026-12-01T07:00:00)", WIB, wib(2026, 12, 2)) is None


@pytest.mark.parametrize("expression", [
    "cron(0 7 1 * * *)",  # both day fields set
    "cron(0 7 ? * ? *)",  # both '?'
    "cron(0 7 1 *)",  # too few fields
    "cron(61 7 1 * ? *)",
    "cron(0 7 ? * FUNDAY *)",
    "rate(1 minutes)",  # AWS wants the singular
    "rate(5 minute)",
    "rate(0 minutes)",
    "every day",
])
def test_invalid_expressions_are_refused(expression):
    with pytest.raises(ScheduleExpressionError):
        validate_expression(expression)


def test_unknown_time_zone_is_refused():
    with pytest.raises(ScheduleExpressionError, match="Mars/Olympus"):
        validate_expression("rate(1 day)", "Mars/Olympus")
