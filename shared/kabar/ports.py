"""Ports: the small interfaces the use cases need. Adapters in ``kabar.adapters`` implement them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from .domain.events import Event
from .domain.outbox import NoticeDue

if TYPE_CHECKING:
    from datetime import date, datetime

    from .domain.metrics import Reading
    from .domain.models import ChannelConfig, Procedure, Village


class EventPublisher(Protocol):
    def publish(self, events: Sequence[Event | NoticeDue]) -> None:
        """Put events on the bus; raise if any entry failed."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Mail:
    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    reply_to: tuple[str, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()


class Mailer(Protocol):
    def send(self, mail: Mail) -> str:
        """Send one email; return the provider's message id."""


@dataclass(frozen=True)
class PresignedPost:
    url: str
    fields: dict[str, str]


class ObjectStorage(Protocol):
    """One bucket. Keys always start with the village id."""

    bucket: str

    def put(self, key: str, data: bytes, content_type: str, cache_control: str | None = None) -> None: ...

    def get(self, key: str, version_id: str | None = None) -> bytes: ...

    def get_range(self, key: str, start: int, end: int, version_id: str | None = None) -> bytes: ...

    def head(self, key: str, version_id: str | None = None) -> dict | None: ...

    def iter_chunks(self, key: str, chunk_size: int = 1024 * 1024,
                    version_id: str | None = None) -> Iterator[bytes]: ...

    def put_stream(self, key: str, chunks: Iterable[bytes], content_type: str) -> int:
        """Store an object written piece by piece (a video's publishing copy), in bounded memory."""

    def delete(self, key: str) -> None: ...

    def presign_post(self, key: str, content_type: str, size: int, expires_in: int) -> PresignedPost: ...

    def presign_get(self, key: str, expires_in: int) -> str: ...


class LockedStorage(ObjectStorage, Protocol):
    """Write-once storage under Object Lock: the audit trail's anchors (usecases/anchor.py)."""

    def put_locked(self, key: str, data: bytes, content_type: str, retain_until: datetime) -> bool:
        """Write once; False when the key already exists."""
        ...

    def keys(self, prefix: str) -> list[str]: ...


@dataclass(frozen=True)
class StoredPart:
    number: int
    size: int
    etag: str


class UploadStorage(ObjectStorage, Protocol):
    """The uploads bucket: also multipart uploads of presigned parts (a big video from a phone)."""

    def create_multipart(self, key: str, content_type: str) -> str: ...

    def find_multipart(self, key: str) -> str | None:
        """The newest multipart upload still open for ``key`` (S3 is the record, not a copy of it)."""

    def presign_part(self, key: str, upload_id: str, number: int, expires_in: int) -> str: ...

    def list_parts(self, key: str, upload_id: str) -> list[StoredPart] | None:
        """The parts stored so far, by number; None when the upload no longer exists."""

    def complete_multipart(self, key: str, upload_id: str, parts: list[StoredPart]) -> None: ...

    def abort_multipart(self, key: str, upload_id: str) -> None: ...

    def discard(self, key: str, version_id: str | None) -> None:
        """Mark one version for removal by the bucket's lifecycle rule, without any right to delete."""


@dataclass(frozen=True)
class ChannelPost:
    """What a channel receives to publish one approved draft version."""

    tenant_id: str
    marker: str  # unique per (submission, procedure, version, channel); written into the post
    title: str
    text: str  # caption (social) or the article's HTML (website)
    lead: str
    photo_urls: tuple[str, ...]  # fetchable URLs of sanitized photos
    photo_keys: tuple[str, ...]  # the same photos as media-bucket keys
    graphic_key: str | None
    video_key: str | None
    link: str | None  # where a social post points (the website's news item, via the click counter)
    activity_date: str
    location: str
    slug: str
    video_url: str | None = None  # a fetchable URL of the video (Instagram Reels pull it from there)


@dataclass(frozen=True)
class Published:
    remote_id: str
    url: str | None


class Channel(Protocol):
    name: str

    def find(self, post: ChannelPost) -> Published | None:
        """Look for a post made earlier with ``post.marker`` (reconciling before a retry)."""

    def publish(self, post: ChannelPost) -> Published: ...


class PermanentChannelError(Exception):
    """The channel refuses for a reason a retry cannot fix (token, permission, policy)."""


class TransientChannelError(Exception):
    """Worth retrying: rate limit, timeout, 5xx."""


class MetricsSource(Protocol):
    """One social account's daily metrics (``kabar.adapters.channels.facebook_insights``).

    A metric the channel does not give is named in the reading's ``unavailable``, never returned as 0.
    """

    channel: str
    account_id: str

    def account(self, day: date) -> Reading:
        """Followers at the end of ``day`` and the day's views (a Jakarta calendar day)."""

    def item(self, remote_id: str) -> Reading:
        """One published item's engagement so far: reactions, comments, shares, views."""


class Secrets(Protocol):
    """Deployment-wide secrets (the link-signing key, the Meta webhook's app secret), read by name."""

    def json(self, name: str) -> dict:
        """The secret ``name`` as a JSON object (a copy)."""


class JobQueue(Protocol):
    """A queue of jobs (the report queue): each job one JSON object."""

    def send_all(self, jobs: list[dict]) -> None:
        """Queue every job; raise if any was not taken."""


class ChannelDirectory(Protocol):
    """The village's configured channels, built from its configuration and credentials
    (``kabar.adapters.channels``), and what a channel would show before it publishes."""

    def for_procedure(self, village: Village, procedure: Procedure) -> list[Channel]:
        """Every channel ``procedure`` publishes to; one that cannot be built raises its error when used."""

    def build(self, config: ChannelConfig, village: Village) -> Channel:
        """The one channel ``config`` describes (Permanent/TransientChannelError when it cannot be built)."""

    def metrics_sources(self, village: Village, channel: str, account_id: str) -> list[MetricsSource]:
        """The metrics source of one account of the village (no other channel's credentials are read)."""

    def article_html(self, village: Village, post: ChannelPost, image_urls: list[str], at: datetime) -> str:
        """The website article exactly as the website channel publishes it."""

    def social_text(self, post: ChannelPost) -> str:
        """The social post's text exactly as the social channels publish it."""
