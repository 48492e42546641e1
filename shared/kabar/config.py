"""Configuration: the environment parsed once into a pydantic model, at cold start.

No silent defaults for the names of tables, buckets or buses: a missing one fails loudly.
"""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=True)

    table: str = Field(alias="KABAR_TABLE")
    uploads_bucket: str = Field(alias="KABAR_UPLOADS_BUCKET")
    media_bucket: str = Field(alias="KABAR_MEDIA_BUCKET")
    site_bucket: str = Field(alias="KABAR_SITE_BUCKET")
    reports_bucket: str = Field(alias="KABAR_REPORTS_BUCKET")
    event_bus: str = Field(alias="KABAR_EVENT_BUS")
    idempotency_table: str = Field(alias="KABAR_IDEMPOTENCY_TABLE")
    report_queue_url: str | None = Field(default=None, alias="KABAR_REPORT_QUEUE_URL")
    metrics_queue_url: str | None = Field(default=None, alias="KABAR_METRICS_QUEUE_URL")
    #: the scheduled jobs' own queues: one message per village, and the scheduler's continuation
    sla_watch_queue_url: str | None = Field(default=None, alias="KABAR_SLA_WATCH_QUEUE_URL")
    intake_watch_queue_url: str | None = Field(default=None, alias="KABAR_INTAKE_WATCH_QUEUE_URL")
    inbox_digest_queue_url: str | None = Field(default=None, alias="KABAR_INBOX_DIGEST_QUEUE_URL")
    token_watch_queue_url: str | None = Field(default=None, alias="KABAR_TOKEN_WATCH_QUEUE_URL")
    #: the longest a village's job message waits (SQS DelaySeconds) to spread a fan-out; 0 = at once
    #: how many notice senders run at once (the notice queue's MaximumConcurrency): each takes its share
    #: of the account's SES MaxSendRate
    mail_senders: int = Field(default=1, ge=1, alias="KABAR_MAIL_SENDERS")
    #: the account's sending rate, when it is not to be asked of SES (the local stack, whose emulator
    #: answers the sandbox's 1 a second)
    mail_max_send_rate: float | None = Field(default=None, gt=0, alias="KABAR_MAIL_MAX_SEND_RATE")
    fanout_spread_max: int = Field(default=900, ge=0, le=900, alias="KABAR_FANOUT_SPREAD_MAX")
    #: Secrets Manager: {"app_secret": ..., "verify_token": ...} of the Meta app whose webhook Kabar receives.
    meta_webhook_secret: str = Field(default="kabar/meta-webhook", alias="KABAR_META_WEBHOOK_SECRET")
    #: Secrets Manager: {"key": ...}, the HMAC key of the durable file links (/files/{token}).
    link_signing_secret: str | None = Field(default=None, alias="KABAR_LINK_SIGNING_SECRET")
    mail_from: str = Field(alias="KABAR_MAIL_FROM")
    # Connecting channels by logging in: the KMS key sealing credentials in the table, and where the
    # providers' login pages and token endpoints are (the local stack points these at its fakes).
    credentials_key: str | None = Field(default=None, alias="KABAR_CREDENTIALS_KEY")
    #: Secrets Manager: {"client_id": ..., "client_secret": ...} of the Google OAuth client (YouTube)
    google_oauth_secret: str | None = Field(default=None, alias="KABAR_GOOGLE_OAUTH_SECRET")
    facebook_dialog_url: str = Field(default="https://www.facebook.com", alias="KABAR_FACEBOOK_DIALOG_URL")
    google_auth_url: str = Field(default="https://accounts.google.com/o/oauth2/v2/auth", alias="KABAR_GOOGLE_AUTH_URL")
    google_token_url: str = Field(default="https://oauth2.googleapis.com/token", alias="KABAR_GOOGLE_TOKEN_URL")
    youtube_api_url: str = Field(default="https://www.googleapis.com", alias="KABAR_YOUTUBE_API_URL")
    public_url: str = Field(default="", alias="KABAR_PUBLIC_URL")  # the HTTP API, for links in mail
    site_url: str = Field(default="", alias="KABAR_SITE_URL")  # the static website
    graph_base_url: str = Field(default="https://graph.facebook.com", alias="KABAR_GRAPH_BASE_URL")
    graph_api_version: str = Field(default="v24.0", alias="KABAR_GRAPH_API_VERSION")
    upload_expiry_seconds: int = Field(default=3600, alias="KABAR_UPLOAD_EXPIRY_SECONDS")
    review_link_hours: int = Field(default=72, alias="KABAR_REVIEW_LINK_HOURS")
    max_photo_bytes: int = Field(default=30 * 1024 * 1024, alias="KABAR_MAX_PHOTO_BYTES")
    max_video_bytes: int = Field(default=2 * 1024 * 1024 * 1024, alias="KABAR_MAX_VIDEO_BYTES")
    # A video above this goes as a multipart upload of presigned parts (resumable from a phone).
    multipart_threshold_bytes: int = Field(default=16 * 1024 * 1024, ge=5 * 1024 * 1024,
                                           alias="KABAR_MULTIPART_THRESHOLD_BYTES")
    # S3 needs every part but the last to be at least 5 MiB; 10 000 parts at most.
    multipart_part_bytes: int = Field(default=8 * 1024 * 1024, ge=5 * 1024 * 1024,
                                      alias="KABAR_MULTIPART_PART_BYTES")
    # Staff tokens: how long a personal token works; failed token attempts a client may make in a window
    # before it is answered 429 (with Retry-After) until the window ends.
    staff_token_days: int = Field(default=180, ge=1, alias="KABAR_STAFF_TOKEN_DAYS")
    auth_failures_max: int = Field(default=10, ge=1, alias="KABAR_AUTH_FAILURES_MAX")
    auth_failure_window_seconds: int = Field(default=900, ge=60, alias="KABAR_AUTH_FAILURE_WINDOW_SECONDS")
    # A hand-over still missing files this long after it began: its submitter is told what is missing.
    incomplete_after_hours: int = Field(default=6, ge=1, alias="KABAR_INCOMPLETE_AFTER_HOURS")
    # A TERIMA's undo window for villages that set none (``undo_minutes``); kept within the SOP's limits by
    # ``sop.jendela_urungkan``. The local stack's tests and demo shorten it.
    undo_window_seconds: int = Field(default=300, ge=0, alias="KABAR_UNDO_WINDOW_SECONDS")


def job_queue_url(cfg: Settings, job: str) -> str | None:
    """The queue of a scheduled job (``kabar.domain.fanout.JOBS``)."""
    return {"sla-watch": cfg.sla_watch_queue_url, "intake-watch": cfg.intake_watch_queue_url,
            "inbox-digest": cfg.inbox_digest_queue_url, "token-watch": cfg.token_watch_queue_url,
            "metrics": cfg.metrics_queue_url, "report": cfg.report_queue_url,
            "regency-report": cfg.report_queue_url}[job]


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings.model_validate(dict(os.environ))
