"""Connecting a WordPress (authorize-application): the state is the village's, single-use, unexpired and
untouched; nothing is stored before the account proved it may publish."""

from __future__ import annotations

import urllib.parse
from datetime import UTC, datetime, timedelta

import pytest

from kabar.domain.models import ChannelConfig, Contact, Procedure, Village
from kabar.usecases import wordpress_connect as flow
from tests.fakes import MemoryCredentials, MemoryStore

KEY = b"k" * 32
AT = datetime(2026, 12, 2, 2, 44, tzinfo=UTC)
EDITOR = {"roles": ["editor"], "capabilities": {"upload_files": True, "manage_categories": True,
                                                "publish_posts": True}}


VILLAGE = Village(id="purwobinangun", name="Purwobinangun", kapanewon="Pakem", kabupaten="Sleman",
                  reviewers=[Contact(name="PPID", email="ppid@purwobinangun.desa.id")],
                  admins=[Contact(name="Admin", email="admin@purwobinangun.desa.id")],
                  channels={Procedure.WEBSITE: [ChannelConfig(type="static_site")]})


def Store() -> MemoryStore:  # noqa: N802 - reads as the store it makes
    store = MemoryStore()
    store.put_village(VILLAGE)
    return store


def Secrets() -> MemoryCredentials:  # noqa: N802
    return MemoryCredentials()


class Account:
    def __init__(self, me: dict) -> None:
        self.me = me
        self.asked: list[tuple[str, str, str]] = []

    def __call__(self, site, user, password):
        self.asked.append((site, user, password))
        return self

    def whoami(self):
        return self.me


def callback(url: str, **extra) -> dict[str, str]:
    """What WordPress sends back: the success_url's own query plus its answer."""
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    success = urllib.parse.urlsplit(query["success_url"])
    return {**dict(urllib.parse.parse_qsl(success.query)), **extra}


def start(site: str = "desa.example.id/wp-admin/") -> str:
    return flow.authorize_url("purwobinangun", site, "https://kabar.example.id/connect/wordpress", KEY, AT)


def test_the_authorize_url_names_the_app_and_both_return_addresses():
    url = start()
    parts = urllib.parse.urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://desa.example.id/wp-admin/authorize-application.php"
    query = dict(urllib.parse.parse_qsl(parts.query))
    # named per connection: WordPress refuses a second application password of the same name
    assert query["app_name"] == "Kabar purwobinangun 2026-12-02 09.44.00 WIB" and query["app_id"] == flow.APP_ID
    assert query["success_url"].startswith("https://kabar.example.id/connect/wordpress?state=")
    assert query["reject_url"] == query["success_url"] + "&rejected=1"


def test_an_approved_editor_is_stored_and_the_channel_points_at_the_site():
    store, secrets, account = Store(), Secrets(), Account(EDITOR)
    done = flow.connect(callback(start(), site_url="https://desa.example.id", user_login="editor",
                                 password="abcd EFGH 1234"), KEY, store, secrets, account, AT + timedelta(minutes=5))
    assert done.username == "editor" and done.site_url == "https://desa.example.id"
    assert list(secrets.describe("purwobinangun")) == ["kabar/purwobinangun/wordpress"]
    assert secrets.get("purwobinangun", "kabar/purwobinangun/wordpress") == {
        "base_url": "https://desa.example.id", "username": "editor", "application_password": "abcd EFGH 1234"}
    assert account.asked == [("https://desa.example.id", "editor", "abcd EFGH 1234")]
    (static, wordpress) = store.get_village("purwobinangun").channels[Procedure.WEBSITE]
    assert static.type == "static_site" and wordpress.type == "wordpress"
    assert wordpress.secret_name == "kabar/purwobinangun/wordpress"
    assert wordpress.model_extra["base_url"] == "https://desa.example.id"


def test_the_state_works_once_only_unexpired_and_untouched():
    store, secrets = Store(), Secrets()
    answer = callback(start(), site_url="https://desa.example.id", user_login="editor", password="x")
    flow.connect(answer, KEY, store, secrets, Account(EDITOR), AT)
    with pytest.raises(flow.ConnectRefused, match="sudah dipakai"):
        flow.connect(answer, KEY, store, Secrets(), Account(EDITOR), AT)
    late = callback(start(), site_url="https://desa.example.id", user_login="editor", password="x")
    with pytest.raises(flow.ConnectRefused, match="kedaluwarsa"):
        flow.connect(late, KEY, Store(), Secrets(), Account(EDITOR), AT + timedelta(seconds=flow.STATE_SECONDS + 1))
    tampered = dict(late, state=late["state"][:-2] + ("AA" if not late["state"].endswith("AA") else "BB"))
    with pytest.raises(flow.ConnectRefused):
        flow.connect(tampered, KEY, Store(), Secrets(), Account(EDITOR), AT)
    with pytest.raises(flow.ConnectRefused):
        flow.connect(late, b"another-deployment-key-000000000", Store(), Secrets(), Account(EDITOR), AT)


def test_another_site_a_refusal_or_a_weak_role_stores_nothing():
    secrets = Secrets()
    with pytest.raises(flow.ConnectRefused, match="situs lain"):
        flow.connect(callback(start(), site_url="https://evil.example.id", user_login="editor", password="x"),
                     KEY, Store(), secrets, Account(EDITOR), AT)
    with pytest.raises(flow.ConnectRefused, match="ditolak"):
        flow.connect(callback(start(), rejected="1", success="false"), KEY, Store(), secrets, Account(EDITOR), AT)
    author = {"roles": ["author"], "capabilities": {"upload_files": True, "publish_posts": True}}
    with pytest.raises(flow.ConnectRefused) as caught:
        flow.connect(callback(start(), site_url="https://desa.example.id", user_login="penulis", password="x"),
                     KEY, Store(), secrets, Account(author), AT)
    message = caught.value.message
    assert "manage_categories" in message.id and "peran author" in message.id and "Editor" in message.id
    assert secrets.describe("purwobinangun") == {}


def test_addresses_admins_type_are_normalized():
    assert flow.normalize_site("desa.example.id/") == "https://desa.example.id"
    assert flow.normalize_site("http://Desa.Example.id/blog/wp-admin") == "http://desa.example.id/blog"
    with pytest.raises(flow.ConnectRefused):
        flow.normalize_site("https://user:pw@desa.example.id")
    with pytest.raises(flow.ConnectRefused):
        flow.normalize_site("javascript:alert(1)")
