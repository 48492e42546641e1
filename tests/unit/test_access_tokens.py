"""The token-expiry rule: warned a week ahead, told when it has ended, silent otherwise."""

from datetime import UTC, datetime, timedelta

from kabar.domain.access_tokens import TOKEN_WARNING_AHEAD, TokenNotice, token_end, token_expiry_notice

NOW = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)  # 08.00 WIB


def test_a_token_that_never_ends_or_ends_later_needs_no_notice():
    assert token_expiry_notice(None, NOW) is None
    assert token_expiry_notice(NOW + TOKEN_WARNING_AHEAD + timedelta(seconds=1), NOW) is None


def test_a_week_ahead_or_less_is_a_warning():
    assert TOKEN_WARNING_AHEAD == timedelta(days=7)
    assert token_expiry_notice(NOW + TOKEN_WARNING_AHEAD, NOW) is TokenNotice.EXPIRING
    assert token_expiry_notice(NOW + timedelta(minutes=1), NOW) is TokenNotice.EXPIRING


def test_an_ended_token_is_expired():
    assert token_expiry_notice(NOW, NOW) is TokenNotice.EXPIRED
    assert token_expiry_notice(NOW - timedelta(days=30), NOW) is TokenNotice.EXPIRED


def test_meta_zero_means_never_and_the_earlier_end_counts():
    assert token_end(0, 0) is None and token_end(None) is None
    later, sooner = int((NOW + timedelta(days=60)).timestamp()), int((NOW + timedelta(days=3)).timestamp())
    assert token_end(later, 0) == NOW + timedelta(days=60)
    assert token_end(later, sooner) == NOW + timedelta(days=3)
    assert token_end(0, sooner) == NOW + timedelta(days=3)
