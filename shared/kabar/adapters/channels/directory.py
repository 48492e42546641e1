"""The ``ChannelDirectory`` port over this package: the one place use cases get channels from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...domain.models import ChannelConfig, Procedure, Village

if TYPE_CHECKING:
    from datetime import datetime

    from ...config import Settings
    from ...ports import Channel, ChannelPost, MetricsSource


class ConfiguredChannels:
    """Channels built from each village's configuration and credentials, with the deployment's settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def for_procedure(self, village: Village, procedure: Procedure) -> list[Channel]:
        from . import build_each_channel

        return build_each_channel(village, procedure, self.settings)

    def build(self, config: ChannelConfig, village: Village) -> Channel:
        from . import build_channel

        return build_channel(config, village, self.settings)

    def metrics_sources(self, village: Village, channel: str, account_id: str) -> list[MetricsSource]:
        from . import build_channels
        from .facebook import FacebookPage
        from .facebook_insights import FacebookInsights

        configs = [c for c in village.channels.get(Procedure.SOCIAL) or []
                   if c.type == channel and c.page_id == account_id]
        if not configs:
            return []
        only = village.model_copy(update={"channels": {Procedure.SOCIAL: configs}})
        return [FacebookInsights(page) for page in build_channels(only, Procedure.SOCIAL, self.settings)
                if isinstance(page, FacebookPage)]

    def article_html(self, village: Village, post: ChannelPost, image_urls: list[str], at: datetime) -> str:
        from ..s3 import S3Storage
        from .static_site import StaticSite

        site = StaticSite(village, S3Storage(self.settings.site_bucket), S3Storage(self.settings.media_bucket),
                          self.settings.site_url, self.settings.public_url)
        return site.render_article(post, image_urls, at)

    def social_text(self, post: ChannelPost) -> str:
        from .facebook import FacebookPage

        return FacebookPage.message_for(post)
