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
