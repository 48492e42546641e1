"""The WordPress contract: each case runs against the local fake (always) and against a real WordPress
(``-m wordpress``, when ``make test-wordpress`` has started one and named its state file in
``KABAR_WORDPRESS_SITE``).

Without a real WordPress the real cases are deselected, not skipped: ``make test-wordpress`` fails when
it runs none of them.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from kabar_local.fakes.wordpress import FakeWordPress

logging.getLogger("werkzeug").setLevel(logging.ERROR)

ROLES = ("editor", "author", "contributor")


def real_site_state() -> dict | None:
    path = os.environ.get("KABAR_WORDPRESS_SITE")
    if not path or not Path(path).is_file():
        return None
    return json.loads(Path(path).read_text())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if real_site_state() is not None:
        return
    dropped = [item for item in items if item.get_closest_marker("wordpress")]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if not item.get_closest_marker("wordpress")]


def serve(app) -> tuple[str, Callable[[], None]]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return f"http://127.0.0.1:{server.server_port}", stop


@dataclass
class Site:
    """A WordPress (fake or real) as the tests reach it: over HTTP only."""

    kind: str  # fake | real
    base_url: str
    users: dict[str, tuple[str, str]]  # role -> (username, application password)
    files_url: str  # where photos are served for the adapter to fetch
    files: dict[str, bytes]
    fake: FakeWordPress | None = None
    state: dict = field(default_factory=dict)

    def auth(self, role: str) -> tuple[str, str]:
        return self.users[role]

    def rest(self, method: str, route: str, role: str | None = "editor", *, auth: tuple[str, str] | None = None,
             **kwargs) -> requests.Response:
        login = auth or (self.users[role] if role else None)
        return requests.request(method, f"{self.base_url}/wp-json{route}", auth=login, timeout=30,
                                allow_redirects=False, **kwargs)

    def host(self, name: str, data: bytes) -> str:
        self.files[name] = data
        return f"{self.files_url}/{name}"

    def unique(self, prefix: str) -> str:
        return f"{prefix} {uuid.uuid4().hex[:8]}"


def _files_app(files: dict[str, bytes]):
    @Request.application
    def app(request: Request) -> Response:
        name = request.path.strip("/").rsplit("/", 1)[-1]
        if name in files:
            return Response(files[name], content_type="image/jpeg")
        return Response("not found", status=404)

    return app


@pytest.fixture(scope="session")
def real_wordpress() -> Iterator[Site]:
    state = real_site_state()
    if state is None:  # pragma: no cover - deselected above
        pytest.fail("no real WordPress: run make test-wordpress")
    files: dict[str, bytes] = {}
    url, stop = serve(_files_app(files))
    yield Site("real", state["base_url"], {r: (u["username"], u["application_password"])
                                           for r, u in state["users"].items()}, url, files, state=state)
    stop()


@pytest.fixture
def fake_wordpress() -> Iterator[Site]:
    fake = FakeWordPress("editor", "edit orPa ssw0 rd12 3456 7890", role="editor")
    fake.add_user("author", "auth orPa ssw0 rd12 3456 7890", "author")
    fake.add_user("contributor", "cont ribu torP ass1 2345 6789", "contributor")
    files: dict[str, bytes] = {}
    url, stop = serve(DispatcherMiddleware(fake.app, {"/files": _files_app(files)}))
    fake.base_url = url
    users = {"editor": ("editor", "edit orPa ssw0 rd12 3456 7890"),
             "author": ("author", "auth orPa ssw0 rd12 3456 7890"),
             "contributor": ("contributor", "cont ribu torP ass1 2345 6789")}
    yield Site("fake", url, users, f"{url}/files", files, fake=fake)
    stop()


@pytest.fixture(params=["fake", pytest.param("real", marks=pytest.mark.wordpress)])
def wp(request: pytest.FixtureRequest) -> Site:
    return request.getfixturevalue(f"{request.param}_wordpress")
