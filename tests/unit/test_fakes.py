"""The in-memory fakes are the ports: mypy checks each one against its Protocol (``make lint`` type-checks
this module), and here each Store method's parameters are the port's, name for name."""

from __future__ import annotations

import inspect

from kabar import ports
from kabar.ports import (
    ChannelDirectory,
    CredentialStore,
    EventPublisher,
    Inbox,
    InboxReplies,
    JobQueue,
    LaterQueue,
    LockedStorage,
    Mailer,
    Metrics,
    ObjectStorage,
    Secrets,
    Store,
    UploadStorage,
)
from tests.fakes import (
    FakeChannels,
    MemoryCredentials,
    MemoryInbox,
    MemoryLaterQueue,
    MemoryQueue,
    MemorySecrets,
    MemoryStorage,
    MemoryStore,
    RecordedMetrics,
    RecordingEvents,
    RecordingMailer,
    RecordingReplies,
    memory_services,
)


def typed_fakes() -> None:
    """Never called: mypy's check that every fake is its port (a missing or mistyped method fails lint)."""
    store: Store = MemoryStore()
    inbox: Inbox = MemoryInbox(MemoryStore())
    events: EventPublisher = RecordingEvents()
    mailer: Mailer = RecordingMailer()
    plain: ObjectStorage = MemoryStorage()
    locked: LockedStorage = MemoryStorage()
    uploads: UploadStorage = MemoryStorage()
    secrets: Secrets = MemorySecrets()
    queue: JobQueue = MemoryQueue()
    later: LaterQueue = MemoryLaterQueue()
    metrics: Metrics = RecordedMetrics()
    credentials: CredentialStore = MemoryCredentials()
    channels: ChannelDirectory = FakeChannels()
    replies: InboxReplies = RecordingReplies()
    del store, inbox, events, mailer, plain, locked, uploads, secrets, queue, later, metrics, credentials
    del channels, replies


def _members(protocol: type) -> dict[str, inspect.Signature]:
    out: dict[str, inspect.Signature] = {}
    for klass in protocol.__mro__:
        if klass in (object,) or klass.__name__ in ("Protocol", "Generic"):
            continue
        for name, value in vars(klass).items():
            if callable(value) and not name.startswith("_"):
                out.setdefault(name, inspect.signature(value))
    return out


def _params(sig: inspect.Signature) -> list[tuple[str, object]]:
    return [(p.name, p.kind) for p in sig.parameters.values()]


def test_the_memory_store_has_every_method_of_the_store_port_with_its_parameters():
    fake = MemoryStore()
    for name, sig in _members(ports.Store).items():
        assert hasattr(fake, name), name
        mine = inspect.signature(getattr(MemoryStore, name))
        assert _params(mine) == _params(sig), name
    assert isinstance(fake.inbox, MemoryInbox)
    for name, sig in _members(ports.Inbox).items():
        assert _params(inspect.signature(getattr(MemoryInbox, name))) == _params(sig), name


def test_memory_services_fill_every_port_and_reach_no_network():
    svc = memory_services()
    for name in ("store", "events", "mailer", "uploads", "media", "site", "reports", "secrets", "channels",
                 "report_queue", "credentials", "metrics"):
        assert getattr(svc, name) is not None, name
    assert svc.settings.table == "memory"
    assert svc.uploads is not svc.media  # one bucket each


def test_the_fake_directory_renders_the_article_and_the_social_text_as_the_channels_do():
    from datetime import UTC, datetime

    from kabar.adapters.channels.facebook import FacebookPage
    from kabar.domain.models import Contact, Village
    from kabar.ports import ChannelPost

    svc = memory_services()
    village = Village(id="purwobinangun", name="Kalurahan Purwobinangun", kabupaten="Sleman",
                      reviewers=[Contact(name="PPID", email="ppid@purwobinangun.desa.id")],
                      admins=[Contact(name="Admin", email="admin@purwobinangun.desa.id")])
    post = ChannelPost(tenant_id=village.id, marker="m-1", title="Kerja bakti saluran", text="<p>Warga bekerja.</p>",
                       lead="Warga bekerja.", photo_urls=(), photo_keys=(), graphic_key=None, video_key=None,
                       link=None, activity_date="2026-11-27", location="Balai desa", slug="kerja-bakti-saluran")
    html = svc.channels.article_html(village, post, ["https://media.example/a.jpg"], datetime(2026, 11, 27, tzinfo=UTC))
    assert "Kerja bakti saluran" in html and "<p>Warga bekerja.</p>" in html and "https://media.example/a.jpg" in html
    assert "https://desa.example/" in html  # the village's site address, from the settings
    assert svc.channels.social_text(post) == FacebookPage.message_for(post)
