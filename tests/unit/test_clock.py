from datetime import UTC, date, datetime

from kabar.domain import clock


def test_month_is_the_jakarta_month():
    # 30 Nov 23:30 WIB is 16:30 UTC: still November; 1 Dec 00:30 WIB is 30 Nov 17:30 UTC: December
    assert clock.month_of(datetime(2026, 11, 30, 16, 30, tzinfo=UTC)) == "2026-11"
    assert clock.month_of(datetime(2026, 11, 30, 17, 30, tzinfo=UTC)) == "2026-12"


def test_previous_month_wraps_the_year():
    assert clock.previous_month(datetime(2027, 1, 1, 7, 0, tzinfo=clock.WIB)) == "2026-12"


def test_month_bounds_and_names():
    start, end = clock.month_bounds("2026-12")
    assert (start.month, end.year, end.month) == (12, 2027, 1)
    assert clock.month_name_id("2026-08") == "Agustus 2026"
    assert clock.long_date_id(date(2026, 11, 27)) == "27 November 2026"


def test_a_scheduled_run_replays_only_an_instant_with_its_zone():
    import pytest
    from pydantic import ValidationError

    from kabar.schedule import replay_at

    assert replay_at({}) is None and replay_at(None) is None
    assert replay_at({"at": "2026-11-27T10:00:00+07:00"}).utcoffset().total_seconds() == 7 * 3600
    with pytest.raises(ValidationError):
        replay_at({"at": "2026-11-27T10:00:00"})  # naive: which zone? refused, not guessed
