"""The ``ChannelDirectory`` port over this package: the one place use cases get channels from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...domain.models import ChannelConfig, Procedure, Village

if TYPE_CHECKING:
    from datetime import datetime

    from ...config import Settings
    from ...ports import Channel, ChannelPost, InboxReplies, MetricsSource


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
        from .instagram import InstagramAccount
        from .instagram_insights import InstagramInsights

        def account(config: ChannelConfig) -> object:  # an Instagram account is its ig_user_id
            return (config.model_extra or {}).get("ig_user_id") if config.type == "instagram" else config.page_id

        configs = [c for c in village.channels.get(Procedure.SOCIAL) or []
                   if c.type == channel and account(c) == account_id]
        if not configs:
            return []
        only = village.model_copy(update={"channels": {Procedure.SOCIAL: configs}})
        sources: list[MetricsSource] = []
        for built in build_channels(only, Procedure.SOCIAL, self.settings):
            if isinstance(built, FacebookPage):
                sources.append(FacebookInsights(built))
            elif isinstance(built, InstagramAccount):
                sources.append(InstagramInsights(built))
        return sources

    def inbox_replies(self, village: Village) -> InboxReplies:
        """The village's Facebook Page and Instagram account for answering from the inbox; a channel whose
        credentials cannot be read is left out (answering on it then says it is not connected)."""
        from ...ports import PermanentChannelError, TransientChannelError
        from . import build_channel
        from .facebook import FacebookPage
        from .instagram import InstagramAccount
        from .meta_inbox import MetaInbox

        graphs: dict[str, FacebookPage] = {}
        for config in village.channels.get(Procedure.SOCIAL) or []:
            if config.type not in ("facebook", "instagram") or config.type in graphs:
                continue
            try:
                built = build_channel(config, village, self.settings)
            except (PermanentChannelError, TransientChannelError):
                continue
            if isinstance(built, InstagramAccount):
                graphs["instagram"] = built._graph  # noqa: SLF001 - the Graph client addressed at the IG user
            elif isinstance(built, FacebookPage):
                graphs["facebook"] = built
        return MetaInbox(graphs)

    def article_html(self, village: Village, post: ChannelPost, image_urls: list[str], at: datetime) -> str:
        from ..s3 import S3Storage
        from .static_site import StaticSite

        site = StaticSite(village, S3Storage(self.settings.site_bucket), S3Storage(self.settings.media_bucket),
                          self.settings.site_url, self.settings.public_url)
        return site.render_article(post, image_urls, at)

    def social_text(self, post: ChannelPost) -> str:
        from .facebook import FacebookPage

        return FacebookPage.message_for(post)
