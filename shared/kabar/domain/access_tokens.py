"""Channel access tokens that stop working: warned about a week ahead (issue 5, publishing rules).

Meta reports a token's end as Unix seconds, ``0`` meaning "never" (``expires_at``, and
``data_access_expires_at`` for the end of its data access); the earlier of the two counts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

#: How long before a token's end the village's admins are told to renew it.
TOKEN_WARNING_AHEAD = timedelta(days=7)


class TokenNotice(StrEnum):
    EXPIRING = "expiring"  # still works, ends within TOKEN_WARNING_AHEAD
    EXPIRED = "expired"  # already ended, or refused as invalid (Graph code 190)


def token_end(expires_at: int | None, data_access_expires_at: int | None = None) -> datetime | None:
    """When the token stops working, from Meta's Unix seconds (``0`` or missing: never)."""
    ends = [value for value in (expires_at, data_access_expires_at) if isinstance(value, int) and value > 0]
    return datetime.fromtimestamp(min(ends), UTC) if ends else None


def token_expiry_notice(expires_at: datetime | None, now: datetime) -> TokenNotice | None:
    """What the admins must hear about a token ending at ``expires_at`` (``None``: it never ends)."""
    if expires_at is None:
        return None
    if expires_at <= now:
        return TokenNotice.EXPIRED
    if expires_at - now <= TOKEN_WARNING_AHEAD:
        return TokenNotice.EXPIRING
    return None
