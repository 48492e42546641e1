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
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.wrappers import Request, Response

from kabar_local.fakes.wordpress import FakeWordPress
from tests.serving import serve

logging.getLogger("werkzeug").setLevel(logging.ERROR)

ROLES = ("editor", "author", "contributor")
ROOT = Path(__file__).resolve().parents[2]


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


CHROMIUM = "/usr/bin/chromium"
BROWSER_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def in_browser(steps: Callable[[object], object]) -> object:
    """``steps(browser)`` with Debian's chromium, in a thread of its own: another module's session-wide
    Playwright may already run an event loop in this one, and the sync API refuses to share it."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    from concurrent.futures import ThreadPoolExecutor

    from playwright.sync_api import sync_playwright

    def run() -> object:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_FLAGS, headless=True)
            try:
                return steps(browser)
            finally:
                browser.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result(timeout=300)




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

    def login(self, role: str) -> tuple[str, str]:
        """The username and login password (wp-login.php) of ``admin`` or a role's user."""
        user = self.state["admin"] if role == "admin" else self.state["users"][role]
        return user["username"], user["password"]

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

    # -- faults, the same on both: a must-use plugin on the real site, knobs on the fake ---------------

    def fatal_after_publish(self, times: int = 1, then_requests: int = 0) -> None:
        """The next write that publishes a post stores it and then ends in a PHP fatal error (500); then
        ``then_requests`` more REST requests fail the same way."""
        if self.fake is not None:
            self.fake.fail_after_success_next(on="posts", item=True, then=then_requests)
            return
        self._faults({"fatal_after_publish": times, "then": then_requests})

    def fail_uploads(self, times: int = 1) -> None:
        """The next ``times`` media uploads end in a PHP fatal error before anything is stored."""
        if self.fake is not None:
            self.fake.fail_next(500, "internal_server_error", on="media", method="POST", item=False, times=times)
            return
        self._faults({"fatal_uploads": times})

    def clear_faults(self) -> None:
        if self.fake is None:
            self._faults({})

    def _faults(self, faults: dict) -> None:
        path = Path(self.state["mu_plugins"]).parent / "kabar-faults.json"
        path.write_text(json.dumps(faults))
        path.chmod(0o666)

    def plain_permalinks(self, plain: bool) -> None:
        if self.fake is not None:
            self.fake.plain_permalinks = plain
            return
        subprocess.run([sys.executable, str(ROOT / "infra" / "wordpress" / "site.py"), "permalinks",
                        os.environ["KABAR_WORDPRESS_SITE"], "plain" if plain else "pretty"], check=True)


def _files_app(files: dict[str, bytes]):
    @Request.application
    def app(request: Request) -> Response:
        name = request.path.strip("/").rsplit("/", 1)[-1]
        if name in files:
            # as S3 serves the media bucket: the type the object was stored with (a photo, or a video)
            return Response(files[name], content_type="video/mp4" if name.endswith(".mp4") else "image/jpeg")
        return Response("not found", status=404)

    return app


@pytest.fixture(scope="session")
def real_wordpress() -> Iterator[Site]:
    state = real_site_state()
    if state is None:  # pragma: no cover - deselected above
        pytest.fail("no real WordPress: run make test-wordpress")
    files: dict[str, bytes] = {}
    url, stop = serve(_files_app(files))
    plugin = Path(state["mu_plugins"]) / "kabar-faults.php"
    shutil.copyfile(Path(__file__).with_name("kabar-faults.php"), plugin)
    plugin.chmod(0o644)
    site = Site("real", state["base_url"], {r: (u["username"], u["application_password"])
                                            for r, u in state["users"].items()}, url, files, state=state)
    site.clear_faults()
    yield site
    site.clear_faults()
    plugin.unlink(missing_ok=True)
    stop()


@pytest.fixture
def fake_wordpress() -> Iterator[Site]:
    fake = FakeWordPress("editor", "edit orPa ssw0 rd12 3456 7890", role="editor")
    fake.add_user("admin", "admi nPas swor d123 4567 8901", "administrator", login_password="admin-login")
    fake.add_user("author", "auth orPa ssw0 rd12 3456 7890", "author")
    files: dict[str, bytes] = {}
    url, stop = serve(DispatcherMiddleware(fake.app, {"/files": _files_app(files)}))
    fake.base_url = url
    users = {"editor": ("editor", "edit orPa ssw0 rd12 3456 7890"),
             "author": ("author", "auth orPa ssw0 rd12 3456 7890"),
             "contributor": ("contributor", "cont ribu torP ass1 2345 6789")}
    fake.add_user("contributor", "cont ribu torP ass1 2345 6789", "contributor", login_password="contributor-login")
    yield Site("fake", url, users, f"{url}/files", files, fake=fake,
               state={"admin": {"username": "admin", "password": "admin-login"},
                      "users": {"contributor": {"username": "contributor", "password": "contributor-login"}}})
    stop()


@pytest.fixture(params=["fake", pytest.param("real", marks=pytest.mark.wordpress)])
def wp(request: pytest.FixtureRequest) -> Site:
    return request.getfixturevalue(f"{request.param}_wordpress")
