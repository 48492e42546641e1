"""Time as the SOP counts it: Asia/Jakarta (WIB, UTC+7, no daylight saving)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")

MONTHS_ID = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)


def now() -> datetime:
    """The current instant, in Jakarta time."""
    return datetime.now(UTC).astimezone(WIB)


def to_wib(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: every instant in Kabar carries its zone")
    return moment.astimezone(WIB)


def end_of_day(day: date) -> datetime:
    """The last instant of a Jakarta calendar day (23:59:59.999999 WIB)."""
    return datetime.combine(day + timedelta(days=1), time(0), WIB) - timedelta(microseconds=1)


def month_of(moment: datetime) -> str:
    """The Jakarta calendar month of an instant, as ``YYYY-MM``."""
    return to_wib(moment).strftime("%Y-%m")


def previous_month(moment: datetime) -> str:
    local = to_wib(moment)
    first = local.replace(day=1)
    return (first - timedelta(days=1)).strftime("%Y-%m")


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a ``YYYY-MM`` month in Jakarta time."""
    year, mon = (int(part) for part in month.split("-"))
    start = datetime(year, mon, 1, tzinfo=WIB)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=WIB)
    return start, end


def long_date_id(day: date) -> str:
    """``27 November 2026``: the form of a dateline in Indonesian news."""
    return f"{day.day} {MONTHS_ID[day.month - 1]} {day.year}"


def month_name_id(month: str) -> str:
    year, mon = month.split("-")
    return f"{MONTHS_ID[int(mon) - 1]} {year}"


def iso(moment: datetime) -> str:
    return to_wib(moment).isoformat(timespec="seconds")
