"""The publishing channels of a village, built from its configuration.

Each adapter module is imported only when a village uses it: a social-only village never pays for
Jinja2, a website-only one never for the Graph client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from ...domain.models import ChannelConfig, Procedure, Village
from ...domain.text import t
from ...ports import Channel, ChannelPost, PermanentChannelError, TransientChannelError

if TYPE_CHECKING:
    from ...config import Settings

__all__ = ["UnavailableChannel", "build_channel", "build_channels", "build_each_channel"]


def build_channels(village: Village, procedure: Procedure, settings: Settings) -> list[Channel]:
    """The channels ``procedure`` publishes to for ``village``.

    Without configuration the website procedure uses the static site and the social procedure has no
    channel (an empty list: the caller reports "no channel configured"). A Facebook, Instagram,
    YouTube or WordPress channel whose secret is missing, unreadable or incomplete raises
    ``PermanentChannelError``; a throttled Secrets Manager raises ``TransientChannelError``.
    """
    configs = village.channels.get(procedure) or []
    if not configs:
        return [_static_site(village, settings)] if procedure is Procedure.WEBSITE else []
    return [_build(config, village, settings) for config in configs]


def build_each_channel(village: Village, procedure: Procedure, settings: Settings) -> list[Channel]:
    """As ``build_channels``, but a channel that cannot be built comes back as an ``UnavailableChannel``
    raising its error when used, so that publication records and reports that channel's failure while
    the others go on."""
    configs = village.channels.get(procedure) or []
    if not configs:
        return build_channels(village, procedure, settings)
    channels: list[Channel] = []
    for config in configs:
        try:
            channels.append(_build(config, village, settings))
        except (PermanentChannelError, TransientChannelError) as err:
            channels.append(UnavailableChannel(config.type, err))
    return channels


def build_channel(config: ChannelConfig, village: Village, settings: Settings) -> Channel:
    """The one channel ``config`` describes (errors as ``build_channels``)."""
    return _build(config, village, settings)


class UnavailableChannel:
    """A configured channel that could not be built; publishing to it raises why (``error``)."""

    def __init__(self, name: str, error: Exception) -> None:
        self.name = name
        self.error = error

    def find(self, post: ChannelPost) -> NoReturn:
        raise self.error

    def publish(self, post: ChannelPost) -> NoReturn:
        raise self.error


def _build(config: ChannelConfig, village: Village, settings: Settings) -> Channel:
    if config.type == "static_site":
        return _static_site(village, settings)
    if config.type == "facebook":
        return _facebook(config, settings)
    if config.type == "instagram":
        return _instagram(config, settings)
    if config.type == "wordpress":
        return _wordpress(config, village)
    if config.type == "youtube":
        return _youtube(config, settings)
    raise PermanentChannelError(f"unknown channel type {config.type!r}")  # pragma: no cover - a closed Literal


def _static_site(village: Village, settings: Settings) -> Channel:
    from ..s3 import S3Storage
    from .static_site import StaticSite

    return StaticSite(village, S3Storage(settings.site_bucket), S3Storage(settings.media_bucket),
                      settings.site_url, settings.public_url)


def _facebook(config: ChannelConfig, settings: Settings) -> Channel:
    from .. import secrets
    from .facebook import FacebookPage

    if not config.secret_name:
        raise PermanentChannelError(str(t(
            "Kanal Facebook belum lengkap: nama secret token Halaman belum diisi.",
            "The Facebook channel is incomplete: the name of the Page token's secret is missing.")))
    secret = _read_secret(config.secret_name)
    token = secret.get("page_access_token")
    page_id = config.page_id or secret.get("page_id")
    if not token or not page_id:
        raise PermanentChannelError(str(t(
            f"Secret '{config.secret_name}' harus berisi page_access_token (dan page_id bila tidak ada di "
            "konfigurasi kanal).",
            f"Secret '{config.secret_name}' must hold page_access_token (and page_id when the channel's "
            "configuration has none).")))
    name = config.secret_name
    return FacebookPage(str(page_id), str(token), settings.graph_base_url, settings.graph_api_version,
                        secret_name=name, on_token_refused=lambda: secrets.forget(name))


def _instagram(config: ChannelConfig, settings: Settings) -> Channel:
    from .. import secrets
    from .instagram import InstagramAccount

    name = _secret_name(config, "Instagram")
    secret = _read_secret(name)
    token = secret.get("page_access_token") or secret.get("access_token")
    ig_user_id = _extra(config, "ig_user_id") or secret.get("ig_user_id")
    if not token or not ig_user_id:
        raise PermanentChannelError(str(t(
            f"Secret '{name}' harus berisi page_access_token dan ig_user_id (bila ig_user_id tidak ada di "
            "konfigurasi kanal).",
            f"Secret '{name}' must hold page_access_token and ig_user_id (when the channel's configuration "
            "has no ig_user_id).")))
    return InstagramAccount(str(ig_user_id), str(token), settings.graph_base_url, settings.graph_api_version,
                            secret_name=name, on_token_refused=lambda: secrets.forget(name))


def _wordpress(config: ChannelConfig, village: Village | None = None) -> Channel:
    from ...domain.feeds import bare_name
    from .. import secrets
    from .wordpress import DEFAULT_CATEGORY, WordPressSite

    name = _secret_name(config, "WordPress")
    secret = _read_secret(name)
    base_url = _extra(config, "base_url") or secret.get("base_url")
    username, password = secret.get("username"), secret.get("application_password")
    if not base_url or not username or not password:
        raise PermanentChannelError(str(t(
            f"Secret '{name}' harus berisi username dan application_password, dan kanal WordPress harus punya "
            "base_url (alamat situs).",
            f"Secret '{name}' must hold username and application_password, and the WordPress channel needs a "
            "base_url (the site's address).")))
    # A refused login forgets the cached secret: the corrected password is read on the next attempt.
    return WordPressSite(str(base_url), str(username), str(password), secret_name=name,
                         category=str(_extra(config, "category") or DEFAULT_CATEGORY),
                         village_name=bare_name(village) if village else "",
                         on_login_refused=lambda: secrets.forget(name))


def _youtube(config: ChannelConfig, settings: Settings) -> Channel:
    from ..s3 import S3Storage
    from .youtube import YouTubeChannel

    name = _secret_name(config, "YouTube")
    secret = _read_secret(name)
    missing = [k for k in ("client_id", "client_secret", "refresh_token") if not secret.get(k)]
    if missing:
        raise PermanentChannelError(str(t(
            f"Secret '{name}' belum berisi: {', '.join(missing)}.", f"Secret '{name}' lacks: {', '.join(missing)}.")))
    # the API's addresses may also sit in the secret (as WordPress's base_url may): the local stack's fakes
    options: dict[str, Any] = {k: str(v) for k in ("api_base_url", "token_url", "privacy", "shorts")
                               if (v := _extra(config, k) or secret.get(k))}
    return YouTubeChannel(S3Storage(settings.media_bucket), str(secret["client_id"]), str(secret["client_secret"]),
                          str(secret["refresh_token"]), secret_name=name, **options)


def _secret_name(config: ChannelConfig, label: str) -> str:
    if not config.secret_name:
        raise PermanentChannelError(str(t(
            f"Kanal {label} belum lengkap: nama secret kredensialnya belum diisi.",
            f"The {label} channel is incomplete: the name of its credentials' secret is missing.")))
    return config.secret_name


def _extra(config: ChannelConfig, key: str) -> object:
    return (config.model_extra or {}).get(key)


def _read_secret(name: str) -> dict:
    from botocore.exceptions import BotoCoreError, ClientError

    from .. import secrets

    try:
        return secrets.get_secret_json(name)
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code", "")
        if code in ("ThrottlingException", "InternalServiceError", "InternalFailure", "ServiceUnavailable"):
            raise TransientChannelError(f"Secrets Manager: {code}") from err
        raise PermanentChannelError(str(t(
            f"Secret '{name}' tidak dapat dibaca ({code}). Admin: periksa nama secret dan izin fungsi publikasi.",
            f"Secret '{name}' cannot be read ({code}). Admin: check the secret's name and the publication "
            "function's permission."))) from err
    except BotoCoreError as err:
        raise TransientChannelError(f"Secrets Manager: {type(err).__name__}") from err
    except ValueError as err:
        raise PermanentChannelError(str(t(
            f"Secret '{name}' bukan JSON yang sah.", f"Secret '{name}' is not valid JSON."))) from err
