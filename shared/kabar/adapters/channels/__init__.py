"""The publishing channels of a village, built from its configuration.

Each adapter module is imported only when a village uses it: a social-only village never pays for
Jinja2, a website-only one never for the Graph client.
"""

from __future__ import annotations

from functools import lru_cache
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
        return _facebook(config, village, settings)
    if config.type == "instagram":
        return _instagram(config, village, settings)
    if config.type == "wordpress":
        return _wordpress(config, village, settings)
    if config.type == "youtube":
        return _youtube(config, village, settings)
    raise PermanentChannelError(f"unknown channel type {config.type!r}")  # pragma: no cover - a closed Literal


def reconnect_url(village: Village, settings: Settings) -> str:
    """The village settings' channel section, where an admin connects (or reconnects) a channel."""
    return f"{settings.public_url.rstrip('/')}/app/{village.id}/settings#kanal"


def _static_site(village: Village, settings: Settings) -> Channel:
    from ..s3 import S3Storage
    from .static_site import StaticSite

    return StaticSite(village, S3Storage(settings.site_bucket), S3Storage(settings.media_bucket),
                      settings.site_url, settings.public_url)


def _facebook(config: ChannelConfig, village: Village, settings: Settings) -> Channel:
    from .facebook import FacebookPage

    name = _secret_name(config, "Facebook", village, settings)
    secret = _read_credential(village, name, "Facebook", settings)
    token = secret.get("page_access_token")
    page_id = config.page_id or secret.get("page_id")
    if not token or not page_id:
        raise PermanentChannelError(str(_not_connected("Facebook", village, settings)))
    return FacebookPage(str(page_id), str(token), settings.graph_base_url, settings.graph_api_version,
                        secret_name=name, reconnect_url=reconnect_url(village, settings))


def _instagram(config: ChannelConfig, village: Village, settings: Settings) -> Channel:
    from .instagram import InstagramAccount

    name = _secret_name(config, "Instagram", village, settings)
    secret = _read_credential(village, name, "Instagram", settings)
    token = secret.get("page_access_token") or secret.get("access_token")
    ig_user_id = _extra(config, "ig_user_id") or secret.get("ig_user_id")
    if not token or not ig_user_id:
        raise PermanentChannelError(str(_not_connected("Instagram", village, settings)))
    return InstagramAccount(str(ig_user_id), str(token), settings.graph_base_url, settings.graph_api_version,
                            secret_name=name, reconnect_url=reconnect_url(village, settings))


def _wordpress(config: ChannelConfig, village: Village, settings: Settings) -> Channel:
    from ...domain.feeds import bare_name
    from .wordpress import DEFAULT_CATEGORY, WordPressSite

    name = _secret_name(config, "WordPress", village, settings)
    secret = _read_credential(village, name, "WordPress", settings)
    base_url = _extra(config, "base_url") or secret.get("base_url")
    username, password = secret.get("username"), secret.get("application_password")
    if not base_url or not username or not password:
        raise PermanentChannelError(str(_not_connected("WordPress", village, settings)))
    return WordPressSite(str(base_url), str(username), str(password), secret_name=name,
                         category=str(_extra(config, "category") or DEFAULT_CATEGORY),
                         village_name=bare_name(village), reconnect_url=reconnect_url(village, settings))


def _youtube(config: ChannelConfig, village: Village, settings: Settings) -> Channel:
    from ..s3 import S3Storage
    from .youtube import YouTubeChannel

    name = _secret_name(config, "YouTube", village, settings)
    secret = _read_credential(village, name, "YouTube", settings)
    if any(not secret.get(k) for k in ("client_id", "client_secret", "refresh_token")):
        raise PermanentChannelError(str(_not_connected("YouTube", village, settings)))
    # the API's addresses may also sit in the credential (as WordPress's base_url may): the local stack's fakes
    options: dict[str, Any] = {k: str(v) for k in ("api_base_url", "token_url", "privacy", "shorts")
                               if (v := _extra(config, k) or secret.get(k))}
    return YouTubeChannel(S3Storage(settings.media_bucket), str(secret["client_id"]), str(secret["client_secret"]),
                          str(secret["refresh_token"]), secret_name=name,
                          reconnect_url=reconnect_url(village, settings), **options)


def _not_connected(label: str, village: Village, settings: Settings) -> object:
    link = reconnect_url(village, settings)
    return t(f"Kanal {label} belum terhubung. Admin: hubungkan dengan login di Pengaturan desa: {link}",
             f"The {label} channel is not connected. Admin: connect it by logging in from the village settings: "
             f"{link}")


def _secret_name(config: ChannelConfig, label: str, village: Village, settings: Settings) -> str:
    if not config.secret_name:
        raise PermanentChannelError(str(_not_connected(label, village, settings)))
    return config.secret_name


def _extra(config: ChannelConfig, key: str) -> object:
    return (config.model_extra or {}).get(key)


def credential_store(settings: Settings):  # noqa: ANN201 - a TableCredentials (kept lazy: boto3)
    return _credential_store(settings.table, settings.credentials_key)


@lru_cache(maxsize=4)
def _credential_store(table: str, key: str | None):  # noqa: ANN202
    """One per table and key: its table resource and KMS provider are made once per cold start."""
    from ..credentials import TableCredentials

    return TableCredentials(table, key)


def _read_credential(village: Village, name: str, label: str, settings: Settings) -> dict:
    """The channel's credential from the table (sealed under the deployment's KMS key)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from ..credentials import CredentialUnavailable

    try:
        value = credential_store(settings).get(village.id, name)
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code", "")
        raise TransientChannelError(f"DynamoDB: {code}") from err
    except BotoCoreError as err:
        raise TransientChannelError(f"DynamoDB: {type(err).__name__}") from err
    except CredentialUnavailable as err:
        if "Throttl" in str(err) or "KMSInternal" in str(err):
            raise TransientChannelError(f"KMS: {err}") from err
        raise PermanentChannelError(str(t(
            f"Kredensial kanal {label} tidak dapat dibuka ({err}). Admin: hubungkan ulang di Pengaturan desa: "
            f"{reconnect_url(village, settings)}",
            f"The {label} channel's credential cannot be opened ({err}). Admin: reconnect it from the village "
            f"settings: {reconnect_url(village, settings)}"))) from err
    if value is None:
        raise PermanentChannelError(str(_not_connected(label, village, settings)))
    return value
