"""Ports: the small interfaces the use cases need. Adapters in ``kabar.adapters`` implement them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from .domain.events import Event


class EventPublisher(Protocol):
    def publish(self, events: Sequence[Event]) -> None:
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

    def get(self, key: str) -> bytes: ...

    def get_range(self, key: str, start: int, end: int) -> bytes: ...

    def head(self, key: str) -> dict | None: ...

    def iter_chunks(self, key: str, chunk_size: int = 1024 * 1024) -> Iterator[bytes]: ...

    def copy_from(self, source_bucket: str, source_key: str, key: str) -> None: ...

    def delete(self, key: str) -> None: ...

    def presign_post(self, key: str, content_type: str, size: int, expires_in: int) -> PresignedPost: ...

    def presign_get(self, key: str, expires_in: int) -> str: ...


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
