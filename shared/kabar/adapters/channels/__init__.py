"""The publishing channels of a village, built from its configuration.

Each adapter module is imported only when a village uses it: a social-only village never pays for
Jinja2, a website-only one never for the Graph client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...domain.models import ChannelConfig, Procedure, Village
from ...domain.text import t
from ...ports import Channel, PermanentChannelError, TransientChannelError

if TYPE_CHECKING:
    from ...config import Settings

__all__ = ["build_channels"]


def build_channels(village: Village, procedure: Procedure, settings: Settings) -> list[Channel]:
    """The channels ``procedure`` publishes to for ``village``.

    Without configuration the website procedure uses the static site and the social procedure has no
    channel (an empty list: the caller reports "no channel configured"). A Facebook channel whose
    secret is missing or unreadable raises ``PermanentChannelError``; a throttled Secrets Manager
    raises ``TransientChannelError``.
    """
    configs = village.channels.get(procedure) or []
    if not configs:
        return [_static_site(village, settings)] if procedure is Procedure.WEBSITE else []
    channels: list[Channel] = []
    for config in configs:
        if config.type == "static_site":
            channels.append(_static_site(village, settings))
        elif config.type == "facebook":
            channels.append(_facebook(config, settings))
        else:  # pragma: no cover - ChannelConfig.type is a closed Literal
            raise PermanentChannelError(f"unknown channel type {config.type!r}")
    return channels


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
