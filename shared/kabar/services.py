"""The composition root: which adapter serves each port, built lazily once per cold start.

Use cases take a ``Services``; handlers pass ``services()``; tests may build their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from .config import Settings, settings

if TYPE_CHECKING:
    from .ports import (
        ChannelDirectory,
        CredentialStore,
        EventPublisher,
        JobQueue,
        LockedStorage,
        MailComposer,
        Mailer,
        Metrics,
        ObjectStorage,
        Secrets,
        Store,
        UploadStorage,
    )


def _emf_metrics() -> Metrics:
    from .adapters.metrics import EmfMetrics

    return EmfMetrics()


def _template_composer() -> MailComposer:
    from .mail_composer import TemplateMailComposer

    return TemplateMailComposer()


@dataclass
class Services:
    settings: Settings
    store: Store
    events: EventPublisher
    mailer: Mailer
    uploads: UploadStorage
    media: ObjectStorage
    site: ObjectStorage
    reports: LockedStorage
    secrets: Secrets
    channels: ChannelDirectory
    report_queue: JobQueue
    #: channel credentials sealed under the deployment's KMS key (adapters/credentials.py)
    credentials: CredentialStore
    #: the SOP's figures and failures (CloudWatch EMF); tests put a recorder here
    metrics: Metrics = field(default_factory=_emf_metrics)
    #: writes out the emails use cases describe (their templates), when a notice is sent
    mail_composer: MailComposer = field(default_factory=_template_composer)


@cache
def services() -> Services:
    from .adapters.channels.directory import ConfiguredChannels
    from .adapters.credentials import TableCredentials
    from .adapters.dynamo import DynamoStore
    from .adapters.eventbridge import EventBridgePublisher
    from .adapters.s3 import S3Storage
    from .adapters.secrets import SecretsManagerSecrets
    from .adapters.ses import PacedMailer, SesMailer
    from .adapters.sqs import SqsQueue

    cfg = settings()
    return Services(
        settings=cfg,
        store=DynamoStore(cfg.table),
        events=EventBridgePublisher(cfg.event_bus),
        mailer=PacedMailer(SesMailer(cfg.mail_from), senders=cfg.mail_senders, max_send_rate=cfg.mail_max_send_rate),
        uploads=S3Storage(cfg.uploads_bucket),
        media=S3Storage(cfg.media_bucket),
        site=S3Storage(cfg.site_bucket),
        reports=S3Storage(cfg.reports_bucket),
        secrets=SecretsManagerSecrets(),
        channels=ConfiguredChannels(cfg),
        report_queue=SqsQueue(cfg.report_queue_url),
        credentials=TableCredentials(cfg.table, cfg.credentials_key),
    )


def reset() -> None:
    """Forget built services and settings (the local stack and tests, after changing the env)."""
    from .adapters import aws, credentials

    services.cache_clear()
    settings.cache_clear()
    aws.clear()
    credentials.forget()
