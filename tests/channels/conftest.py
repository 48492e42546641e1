"""Fixtures of the channel tests: the fake Graph API behind a real HTTP server, and moto for S3.

Everything listens on 127.0.0.1 port 0 and every bucket and secret name is random, so the tests
run side by side under pytest-xdist.
"""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

import boto3
import pytest
from PIL import Image
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.wrappers import Request, Response

from kabar.adapters import aws, secrets
from kabar.adapters.s3 import S3Storage
from kabar.domain.models import Contact, Village
from kabar.ports import ChannelPost
from kabar_local.fakes.graph import FakeGraph
from tests.serving import serve

from .channel_support import PAGE_ID, PAGE_NAME, PAGE_TOKEN, REGION

logging.getLogger("werkzeug").setLevel(logging.ERROR)


def jpeg(color: tuple[int, int, int], size: tuple[int, int] = (8, 6)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture(scope="session")
def photos() -> list[bytes]:
    return [jpeg((200, 30, 30)), jpeg((30, 200, 30)), jpeg((30, 30, 200))]


# -- the fake Graph API ------------------------------------------------------------------------------


@dataclass
class GraphHost:
    """The fake mounted as the local gateway mounts it, plus a plain file host for photo URLs."""

    fake: FakeGraph
    url: str  # http://127.0.0.1:<port>
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)

    @property
    def graph_url(self) -> str:
        return f"{self.url}/graph"

    @property
    def feed_url(self) -> str:
        return f"{self.url}/feed"

    def host_file(self, name: str, data: bytes, content_type: str = "image/jpeg") -> str:
        self.files[name] = (data, content_type)
        return f"{self.url}/files/{name}"




Fake = TypeVar("Fake")


@dataclass
class FakeHost(Generic[Fake]):
    """A fake channel API behind a real HTTP server, beside a plain file host for photo URLs."""

    fake: Fake
    url: str = ""
    files: dict[str, bytes] = field(default_factory=dict)

    def host(self, name: str, data: bytes) -> str:
        self.files[name] = data
        return f"{self.url}/files/{name}"


def serve_with_files(host: FakeHost, mounts: dict) -> Callable[[], None]:
    """Serve ``mounts`` (path prefix -> WSGI app) and ``/files/<name>`` from ``host.files`` (as JPEG);
    sets ``host.url`` and returns the function that stops the server."""

    @Request.application
    def files(request: Request) -> Response:
        name = request.path.removeprefix("/files/")
        if name in host.files:
            return Response(host.files[name], content_type="image/jpeg")
        return Response("not found", status=404)

    host.url, stop = serve(DispatcherMiddleware(files, mounts))
    return stop


@pytest.fixture
def graph() -> Iterator[GraphHost]:
    fake = FakeGraph()
    fake.add_page(PAGE_ID, PAGE_TOKEN, PAGE_NAME)
    host = GraphHost(fake=fake, url="")

    @Request.application
    def files(request: Request) -> Response:
        name = request.path.removeprefix("/files/")
        if request.path.startswith("/files/") and name in host.files:
            data, content_type = host.files[name]
            return Response(data, content_type=content_type)
        return Response("not found", status=404)

    url, stop = serve(DispatcherMiddleware(files, {"/graph": fake.api_app, "/feed": fake.feed_app}))
    host.url = url
    fake.feed_url = host.feed_url
    yield host
    stop()


# -- moto --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_env(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """This test's AWS calls go to the session's moto server; clients and secrets are fresh."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    aws.clear()
    secrets.forget()
    yield moto_url
    aws.clear()
    secrets.forget()


@dataclass
class Buckets:
    site: S3Storage
    media: S3Storage


@pytest.fixture
def buckets(aws_env: str) -> Buckets:
    s3 = boto3.client("s3")
    names = [f"kabar-{kind}-{uuid.uuid4().hex[:12]}" for kind in ("site", "media")]
    for name in names:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return Buckets(site=S3Storage(names[0]), media=S3Storage(names[1]))


# -- the domain ----------------------------------------------------------------------------------


@pytest.fixture
def village() -> Village:
    return Village(
        id=f"desa-{uuid.uuid4().hex[:8]}", name="Purwobinangun", kapanewon="Pakem", kabupaten="Sleman",
        reviewers=[Contact(name="PPID Pelaksana", email="ppid@purwobinangun.desa.id")],
        admins=[Contact(name="Admin Media", email="admin@purwobinangun.desa.id")],
    )


@pytest.fixture
def make_post(village: Village) -> Callable[..., ChannelPost]:
    base = ChannelPost(
        tenant_id=village.id, marker="kbr-0001", title="Kerja Bakti Membersihkan Saluran Irigasi",
        text="Warga Padukuhan Candi bergotong royong membersihkan saluran irigasi.\n\n#Purwobinangun",
        lead="Warga bergotong royong membersihkan saluran irigasi.", photo_urls=(), photo_keys=(),
        graphic_key=None, video_key=None, link=None, activity_date="2026-11-27", location="Padukuhan Candi",
        slug="kerja-bakti-saluran-irigasi",
    )

    def make(**changes) -> ChannelPost:
        return replace(base, **changes)

    return make


@dataclass
class Credentials:
    """Channel credentials as the deployment keeps them: sealed in a table under a KMS key (moto)."""

    table: str
    key: str
    store: Any

    def put(self, village_id: str, value: dict, name: str | None = None) -> str:
        from datetime import UTC, datetime

        name = name or f"kabar/{village_id}/{uuid.uuid4().hex[:10]}"
        self.store.put(village_id, name, value, {"account": "test"}, "test", datetime.now(UTC))
        return name


@pytest.fixture
def creds(aws_env: str) -> Credentials:
    from kabar.adapters import credentials
    from kabar.adapters.credentials import TableCredentials

    table = f"kabar-credentials-{uuid.uuid4().hex[:8]}"
    boto3.client("dynamodb").create_table(
        TableName=table, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"},
                              {"AttributeName": "SK", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}])
    key = boto3.client("kms").create_key()["KeyMetadata"]["Arn"]
    credentials.forget()
    return Credentials(table, key, TableCredentials(table, key))
