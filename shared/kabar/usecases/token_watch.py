"""Channel access tokens that end soon: the village's admins are told about a week ahead.

Facebook and Instagram tokens are asked about through the Graph API's ``debug_token``. YouTube is
not asked: its OAuth refresh tokens do not end by time (they end when revoked, unused for six
months or the password changes, which publication reports when it happens). WordPress application
passwords do not expire either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from ..domain.access_tokens import TOKEN_WARNING_AHEAD, TokenNotice, token_end, token_expiry_notice
from ..domain.clock import now, to_wib
from ..domain.models import ChannelConfig, Village
from ..domain.outbox import Change
from ..domain.wording import when_id
from ..ports import PermanentChannelError, TransientChannelError
from ..services import Services
from .notices import promised

logger = Logger(child=True)

#: Channels whose tokens end by time and can be asked about (Graph ``debug_token``).
META_CHANNELS = ("facebook", "instagram")
#: Channels whose credentials do not end by time: never asked about.
TIMELESS_CHANNELS = {"youtube": "OAuth refresh tokens do not expire by time",
                     "wordpress": "application passwords do not expire",
                     "static_site": "no token"}
INVALID_TOKEN = 190
LABELS = {"facebook": "Facebook", "instagram": "Instagram"}


class TokenCheckIncomplete(RuntimeError):
    """Some token could not be asked about (Meta unreachable or throttled): the run is retried."""

    def __init__(self, message: str, counts: dict[str, int] | None = None) -> None:
        super().__init__(message)
        self.counts = counts or {}


@dataclass
class _Secret:
    config: ChannelConfig
    channels: list[str] = field(default_factory=list)


def _meta_secrets(village: Village) -> dict[str, _Secret]:
    """Each secret holding a Meta token, with the channels using it (Facebook and Instagram may share one)."""
    found: dict[str, _Secret] = {}
    for configs in village.channels.values():
        for config in configs:
            if config.type not in META_CHANNELS or not config.secret_name:
                continue
            entry = found.setdefault(config.secret_name, _Secret(config))
            if config.type not in entry.channels:
                entry.channels.append(config.type)
    return found


def _is_invalid_token(err: Exception) -> bool:
    error = getattr(err, "error", None)
    return getattr(error, "code", None) == INVALID_TOKEN


def check_tokens(svc: Services, at: datetime | None = None,
                 build: Callable[[ChannelConfig, Village, Any], Any] | None = None) -> dict[str, int]:
    """Every village in turn (tests and small deployments); the schedule fans out :func:`check_village`."""
    counts = {"checked": 0, "sent": 0, "unchecked": 0}
    transient = 0
    for village in svc.store.list_villages():
        try:
            done = check_village(village, svc, at, build)
        except TokenCheckIncomplete as err:
            transient += 1
            done = err.counts
        for key in counts:
            counts[key] += done.get(key, 0)
    if transient:
        raise TokenCheckIncomplete(f"token(s) of {transient} village(s) could not be checked: {counts}", counts)
    return counts


def check_village(village: Village, svc: Services, at: datetime | None = None,
                  build: Callable[[ChannelConfig, Village, Any], Any] | None = None) -> dict[str, int]:
    """Ask Meta when one village's tokens end; email its admins once per token, kind and end date."""
    at = at or now()
    directory = svc.channels
    # Meta's channels also answer token_fingerprint and debug_token
    probe_of = build or (lambda config, village, _settings: directory.build(config, village))
    counts = {"checked": 0, "sent": 0, "unchecked": 0}
    transient = 0
    for secret_name, secret in _meta_secrets(village).items():
        try:
            probe: Any = probe_of(secret.config, village, svc.settings)
            fingerprint = probe.token_fingerprint
            data = probe.debug_token()
        except TransientChannelError as err:
            logger.warning("token not checked; will retry", extra={"tenant_id": village.id, "error": str(err)})
            counts["unchecked"] += 1
            transient += 1
            continue
        except PermanentChannelError as err:
            if not _is_invalid_token(err):
                # a missing or unreadable secret: publication already tells the admins when it matters
                logger.warning("token not checked", extra={"tenant_id": village.id, "error": str(err)})
                counts["unchecked"] += 1
                continue
            data = {"is_valid": False}
        counts["checked"] += 1
        end = token_end(data.get("expires_at"), data.get("data_access_expires_at"))
        notice = TokenNotice.EXPIRED if data.get("is_valid") is False else token_expiry_notice(end, at)
        if notice is None:
            continue
        key = f"{secret_name}#{fingerprint}#{notice.value}#{to_wib(end).date().isoformat() if end else '-'}"
        if not svc.store.record_token_notice(village.id, key, at):
            continue
        try:
            _send(village, secret_name, secret.channels, notice, end, at, key, svc)
        except Exception:
            svc.store.release_token_notice(village.id, key)
            raise
        counts["sent"] += 1
    if transient:
        # what was sent is recorded, so the retry sends nothing twice
        raise TokenCheckIncomplete(f"{transient} token(s) could not be checked: {counts}", counts)
    return counts


def _send(village: Village, secret_name: str, channels: list[str], notice: TokenNotice, end: datetime | None,
          at: datetime, key: str, svc: Services) -> str:
    labels = " dan ".join(LABELS[c] for c in channels)
    days_left = max(0, (to_wib(end).date() - to_wib(at).date()).days) if end else 0
    context = {"village": village, "secret_name": secret_name, "channels": labels, "notice": notice.value,
               "end": when_id(end) if end else None,
               "days_left": days_left, "ahead_days": TOKEN_WARNING_AHEAD.days,
               "instagram": "instagram" in channels,
               "reconnect": f"{svc.settings.public_url.rstrip('/')}/app/{village.id}/settings#kanal"}
    if notice is TokenNotice.EXPIRED:
        subject = f"[Kabar {village.name}] Token {labels} tidak berlaku lagi \u2013 perlu diganti"
    else:
        subject = f"[Kabar {village.name}] Token {labels} berakhir dalam {days_left} hari \u2013 mohon diperbarui"
    notices = promised(village.id, f"token_{notice.value}", f"token:{key}", [str(a.email) for a in village.admins],
                       subject, "email/token_expiry", context)
    svc.store.enqueue(Change(notices=notices))
    logger.info("token notice promised", extra={"tenant_id": village.id, "notice": notice.value, "channels": channels})
    return notices[0].notice_id
