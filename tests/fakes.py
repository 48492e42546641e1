"""In-memory fakes of every port (``kabar.ports``), shared by the unit tests.

- the store, its repositories and its inbox: ``MemoryStore`` (``tests/fakes_store.py``), held to the
  DynamoDB adapter's contract by ``tests/integration/test_store_contract.py``;
- the others here: ``RecordingEvents``, ``RecordingMailer``, ``MemoryStorage`` (plain, locked and uploads
  buckets), ``MemorySecrets``, ``MemoryQueue``, ``MemoryLaterQueue``, ``RecordedMetrics``,
  ``MemoryCredentials``, ``FakeChannels`` with ``RecordingReplies``; those with a local real adapter
  (S3, Secrets Manager, SQS, the sealed credentials) are held to it by
  ``tests/integration/test_port_contracts.py``.

``memory_services()`` builds a ``Services`` of them all. Every fake keeps what it was given for a test to
look at; none reaches a network (the unit suite blocks sockets).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from kabar.adapters.credentials import CredentialUnavailable  # the adapter's own error: callers catch it
from kabar.config import Settings
from kabar.domain.events import Event
from kabar.domain.models import ChannelConfig, Procedure, Village
from kabar.domain.outbox import NoticeDue
from kabar.ports import (
    Channel,
    ChannelPost,
    InboxReplies,
    Mail,
    MetricsSource,
    PermanentChannelError,
    PresignedPost,
    QueuedJob,
    StoredPart,
)
from kabar.services import Services
from tests.fakes_store import ConditionFailed, MemoryInbox, MemoryOutbox, MemoryStore

__all__ = ["ConditionFailed", "FakeChannels", "MemoryCredentials", "MemoryInbox", "MemoryLaterQueue", "MemoryOutbox",
           "MemoryQueue", "MemorySecrets", "MemoryStorage", "MemoryStore", "RecordedMetrics", "RecordingEvents",
           "RecordingMailer", "RecordingReplies", "memory_services", "settle"]


def settle(svc: Any, at: datetime | None = None) -> None:
    """Relay and send what the store holds: events to ``svc.events``, each due notice through its sender."""
    from kabar.usecases.notices import deliver

    store = svc.store
    store._ensure()
    if store.events_out:
        svc.events.publish(list(store.events_out))
        store.events_out.clear()
    for tenant_id, notice_id in store.pending_notices():
        deliver(tenant_id, notice_id, svc, at)


class RecordedMetrics:
    """The Metrics port (kabar/ports.py) keeping each count: (name, village, dimensions)."""

    def __init__(self) -> None:
        self.counts: list[tuple[str, str, dict[str, str]]] = []

    def count(self, name: str, tenant_id: str, **dimensions: str) -> None:
        self.counts.append((name, tenant_id, dimensions))

    def of(self, name: str) -> list[dict[str, str]]:
        return [dimensions for n, _, dimensions in self.counts if n == name]


class RecordingEvents:
    """The EventPublisher port: what was put on the bus, in order."""

    def __init__(self) -> None:
        self.published: list[Event | NoticeDue] = []

    def publish(self, events: Sequence[Event | NoticeDue]) -> None:
        self.published.extend(events)


class RecordingMailer:
    """The Mailer port: each email kept, with the message id it was given. While ``fail`` is set (say,
    ``MailThrottled()``), every send raises it and nothing is sent."""

    def __init__(self) -> None:
        self.sent: list[Mail] = []
        self.fail: Exception | None = None

    def send(self, mail: Mail) -> str:
        if self.fail is not None:
            raise self.fail
        self.sent.append(mail)
        return f"mem-{len(self.sent)}"

    def to(self, address: str) -> list[Mail]:
        return [m for m in self.sent if address in m.to]


class MemoryStorage:
    """One bucket in memory (the ObjectStorage, LockedStorage and UploadStorage ports); presigned URLs are
    ``memory://`` ones. A ``versioned`` bucket (uploads, reports: template.yaml) keeps every put as a
    version and a delete as a marker; an unversioned one (media, site) keeps the newest object only."""

    def __init__(self, bucket: str = "memory", versioned: bool = False) -> None:
        self.bucket = bucket
        self.versioned = versioned
        self.objects: dict[str, list[dict[str, Any]]] = {}
        self.locked_until: dict[str, datetime] = {}
        self.uploads: dict[str, tuple[str, str, dict[int, bytes]]] = {}
        self.discarded: list[tuple[str, str | None]] = []

    def _version(self, key: str, version_id: str | None) -> dict[str, Any] | None:
        versions = self.objects.get(key) or []
        if version_id is None or not self.versioned:
            found = versions[-1] if versions else None
        else:
            found = next((v for v in versions if v["version_id"] == version_id), None)
        return None if found is None or found.get("deleted") else found

    def _add(self, key: str, version: dict[str, Any]) -> None:
        versions = self.objects.setdefault(key, [])
        if not self.versioned:
            versions.clear()
        number = len(versions) + 1
        versions.append({**version, "version_id": f"{key}@{number}" if self.versioned else None})

    def put(self, key: str, data: bytes, content_type: str, cache_control: str | None = None) -> None:
        self._add(key, {"data": bytes(data), "content_type": content_type, "cache_control": cache_control,
                        "etag": hashlib.md5(data).hexdigest()})  # noqa: S324 - S3's ETag of a single PUT

    def get(self, key: str, version_id: str | None = None) -> bytes:
        found = self._version(key, version_id)
        if found is None:
            raise KeyError(key)
        return bytes(found["data"])

    def get_range(self, key: str, start: int, end: int, version_id: str | None = None) -> bytes:
        return self.get(key, version_id)[start:end + 1]  # inclusive, as an HTTP Range

    def head(self, key: str, version_id: str | None = None) -> dict | None:
        found = self._version(key, version_id)
        if found is None:
            return None
        head = {"ContentLength": len(found["data"]), "ContentType": found["content_type"],
                "ETag": f'"{found["etag"]}"'}
        return {**head, "VersionId": found["version_id"]} if self.versioned else head

    def iter_chunks(self, key: str, chunk_size: int = 1024 * 1024, version_id: str | None = None) -> Iterator[bytes]:
        data = self.get(key, version_id)
        for start in range(0, len(data), chunk_size):
            yield data[start:start + chunk_size]

    def put_stream(self, key: str, chunks: Iterable[bytes], content_type: str) -> int:
        data = b"".join(chunks)
        self.put(key, data, content_type)
        return len(data)

    def delete(self, key: str) -> None:
        """A delete marker, as in a versioned bucket: the key is gone, its versions are still readable."""
        if not self.versioned:
            self.objects.pop(key, None)
        elif self._version(key, None) is not None:
            self._add(key, {"deleted": True})

    def presign_post(self, key: str, content_type: str, size: int, expires_in: int) -> PresignedPost:
        return PresignedPost(url=f"memory://{self.bucket}", fields={"key": key, "Content-Type": content_type})

    def presign_get(self, key: str, expires_in: int) -> str:
        return f"memory://{self.bucket}/{key}"

    # LockedStorage
    def put_locked(self, key: str, data: bytes, content_type: str, retain_until: datetime) -> bool:
        if self._version(key, None) is not None:
            return False
        self.put(key, data, content_type)
        self.locked_until[key] = retain_until
        return True

    def keys(self, prefix: str) -> list[str]:
        return sorted(k for k in self.objects if k.startswith(prefix) and self._version(k, None) is not None)

    # UploadStorage
    def create_multipart(self, key: str, content_type: str) -> str:
        upload_id = f"up-{len(self.uploads) + 1}"
        self.uploads[upload_id] = (key, content_type, {})
        return upload_id

    def find_multipart(self, key: str) -> str | None:
        found = [u for u, (k, _, _) in self.uploads.items() if k == key]
        return found[-1] if found else None

    def presign_part(self, key: str, upload_id: str, number: int, expires_in: int) -> str:
        return f"memory://{self.bucket}/{key}?uploadId={upload_id}&partNumber={number}"

    def upload_part(self, upload_id: str, number: int, data: bytes) -> None:
        """What a phone does with a presigned part URL."""
        self.uploads[upload_id][2][number] = bytes(data)

    def list_parts(self, key: str, upload_id: str) -> list[StoredPart] | None:
        if upload_id not in self.uploads:
            return None
        parts = self.uploads[upload_id][2]
        return [StoredPart(n, len(d), hashlib.md5(d).hexdigest()) for n, d in sorted(parts.items())]  # noqa: S324

    def complete_multipart(self, key: str, upload_id: str, parts: list[StoredPart]) -> None:
        _, content_type, stored = self.uploads.pop(upload_id)
        self.put(key, b"".join(stored[p.number] for p in sorted(parts, key=lambda p: p.number)), content_type)

    def abort_multipart(self, key: str, upload_id: str) -> None:
        self.uploads.pop(upload_id, None)

    def discard(self, key: str, version_id: str | None) -> None:
        self.discarded.append((key, version_id))


class MemorySecrets:
    """The Secrets port: named JSON secrets; an unknown name raises KeyError (Secrets Manager: not found)."""

    def __init__(self, values: dict[str, dict] | None = None) -> None:
        self.values = copy.deepcopy(values or {})

    def json(self, name: str) -> dict:
        return copy.deepcopy(self.values[name])


class MemoryQueue:
    """The JobQueue port: each job queued, with its delay (clamped to SQS's 0..900 s). ``refuse`` names
    the indexes of a ``send`` the queue does not take (a partial batch failure)."""

    def __init__(self) -> None:
        self.jobs: list[QueuedJob] = []
        self.refuse: set[int] = set()

    def send(self, jobs: Sequence[QueuedJob]) -> list[int]:
        failed = sorted(i for i in self.refuse if i < len(jobs))
        self.jobs += [QueuedJob(json.loads(json.dumps(j.body)), max(0, min(900, j.delay)))
                      for i, j in enumerate(jobs) if i not in self.refuse]
        return failed

    def send_all(self, jobs: list[dict]) -> None:
        failed = self.send([QueuedJob(job) for job in jobs])
        if failed:
            raise RuntimeError(f"{len(failed)} job(s) not queued")

    def bodies(self) -> list[dict]:
        return [j.body for j in self.jobs]


class MemoryLaterQueue:
    """The LaterQueue port: each message with its delay."""

    def __init__(self) -> None:
        self.messages: list[tuple[dict, int]] = []

    def send_later(self, message: dict, delay_seconds: int) -> None:
        self.messages.append((json.loads(json.dumps(message)), delay_seconds))


class MemoryCredentials:
    """The CredentialStore port: values sealed to their (village, name), never readable as another's;
    connection states taken once, until they expire."""

    def __init__(self) -> None:
        self.sealed: dict[tuple[str, str], dict[str, Any]] = {}
        self.states: dict[tuple[str, str], dict[str, Any]] = {}

    def seal(self, tenant_id: str, name: str, value: dict) -> bytes:
        return json.dumps({"context": [tenant_id, name], "value": value}).encode()[::-1]

    def open(self, tenant_id: str, name: str, sealed: bytes) -> dict:
        try:
            body = json.loads(bytes(sealed)[::-1])
        except ValueError as err:
            raise CredentialUnavailable("not a sealed value") from err
        if body.get("context") != [tenant_id, name]:
            raise CredentialUnavailable("the sealed value belongs to another credential")
        return dict(body["value"])

    def get(self, tenant_id: str, name: str) -> dict | None:
        found = self.sealed.get((tenant_id, name))
        return self.open(tenant_id, name, found["sealed"]) if found else None

    def put(self, tenant_id: str, name: str, value: dict, about: dict[str, str], by: str, at: datetime) -> None:
        from kabar.domain.clock import iso

        self.sealed[(tenant_id, name)] = {"sealed": self.seal(tenant_id, name, value),
                                          "about": {k: str(v) for k, v in about.items()},
                                          "connected_at": iso(at), "connected_by": by}

    def describe(self, tenant_id: str) -> dict[str, dict]:
        return {n: {k: copy.deepcopy(v) for k, v in item.items() if k != "sealed"}
                for (t, n), item in sorted(self.sealed.items()) if t == tenant_id}

    def put_state(self, tenant_id: str, state_hash: str, record: dict, expires_at: datetime) -> None:
        from kabar.domain.clock import iso

        if (tenant_id, state_hash) in self.states:
            raise ConditionFailed("state exists")
        self.states[(tenant_id, state_hash)] = {**copy.deepcopy(record), "expires_at": iso(expires_at)}

    def take_state(self, tenant_id: str, state_hash: str, at: datetime) -> dict | None:
        from kabar.domain.clock import iso

        found = self.states.get((tenant_id, state_hash))
        if found is None or "used_at" in found or not found["expires_at"] > iso(at):
            return None
        found["used_at"] = iso(at)
        return copy.deepcopy(found)


class RecordingReplies:
    """The InboxReplies port: each answer kept as (what, channel, id, text); ids are made up in turn.
    ``fail`` (an exception) is raised by the next call instead."""

    def __init__(self, names: dict[str, str] | None = None) -> None:
        self.calls: list[tuple[str, str, str, str]] = []
        self.names = dict(names or {})
        self.fail: Exception | None = None

    def _call(self, what: str, channel: str, ident: str, text: str = "") -> str:
        if self.fail is not None:
            err, self.fail = self.fail, None
            raise err
        self.calls.append((what, channel, ident, text))
        return f"{what}-{len(self.calls)}"

    def reply_comment(self, channel: str, comment_id: str, text: str) -> str:
        return self._call("reply", channel, comment_id, text)

    def private_reply(self, channel: str, comment_id: str, text: str) -> str:
        return self._call("private", channel, comment_id, text)

    def send_message(self, channel: str, person_id: str, text: str) -> str:
        return self._call("message", channel, person_id, text)

    def hide_comment(self, channel: str, comment_id: str) -> None:
        self._call("hide", channel, comment_id)

    def person_name(self, channel: str, person_id: str) -> str | None:
        return self.names.get(person_id)

    def post_summary(self, channel: str, post_id: str) -> dict[str, str]:
        return {"title": f"Kiriman {post_id}"}


class FakeChannels:
    """The ChannelDirectory port: the channels a test hands it, by type (``channels["facebook"] = ...``);
    a configured type it was not given cannot be built (PermanentChannelError, as a missing credential).
    The article and the social text are the real channels' own (pure) renderings, over memory buckets."""

    def __init__(self, site: MemoryStorage | None = None, media: MemoryStorage | None = None,
                 site_url: str = "https://desa.example", public_url: str = "https://kabar.example") -> None:
        self.site, self.media = site or MemoryStorage("site"), media or MemoryStorage("media")
        self.site_url, self.public_url = site_url, public_url
        self.channels: dict[str, Channel] = {}
        self.sources: dict[tuple[str, str], list[MetricsSource]] = {}
        self.replies = RecordingReplies()

    def build(self, config: ChannelConfig, village: Village) -> Channel:
        if config.type not in self.channels:
            raise PermanentChannelError(f"no {config.type} channel in this test")
        return self.channels[config.type]

    def for_procedure(self, village: Village, procedure: Procedure) -> list[Channel]:
        return [self.build(c, village) for c in village.channels.get(procedure, [])]

    def metrics_sources(self, village: Village, channel: str, account_id: str) -> list[MetricsSource]:
        return list(self.sources.get((channel, account_id), []))

    def article_html(self, village: Village, post: ChannelPost, image_urls: list[str], at: datetime) -> str:
        from kabar.adapters.channels.static_site import StaticSite

        return StaticSite(village, self.site, self.media, self.site_url, self.public_url).render_article(
            post, image_urls, at)

    def social_text(self, post: ChannelPost) -> str:
        from kabar.adapters.channels.facebook import FacebookPage  # the real wording: pure, no network

        return FacebookPage.message_for(post)

    def inbox_replies(self, village: Village) -> InboxReplies:
        return self.replies


def memory_settings(**overrides: Any) -> Settings:
    """Settings naming nothing real (no table, bucket or bus is reached through the fakes)."""
    values: dict[str, Any] = {"table": "memory", "uploads_bucket": "uploads", "media_bucket": "media",
                              "site_bucket": "site", "reports_bucket": "reports", "event_bus": "memory",
                              "idempotency_table": "memory", "mail_from": "kabar@desa.example",
                              "public_url": "https://kabar.example", "site_url": "https://desa.example"}
    return Settings(**{**values, **overrides})


def memory_services(store: MemoryStore | None = None, **settings: Any) -> Services:
    """A ``Services`` of in-memory fakes: every port, no network."""
    cfg = memory_settings(**settings)
    media, site = MemoryStorage("media"), MemoryStorage("site")
    return Services(settings=cfg, store=store or MemoryStore(), events=RecordingEvents(), mailer=RecordingMailer(),
                    uploads=MemoryStorage("uploads", versioned=True), media=media, site=site,
                    reports=MemoryStorage("reports", versioned=True), secrets=MemorySecrets(),
                    channels=FakeChannels(site, media, cfg.site_url, cfg.public_url), report_queue=MemoryQueue(),
                    credentials=MemoryCredentials(), metrics=RecordedMetrics())
