"""Connecting channels by logging in (usecases/workspace_connect.py) with in-memory ports: the state's
binding to village and session, the Page picked only among those offered, one village write."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from kabar.domain.models import ChannelConfig, Contact, Procedure, Role, Staff, Village
from kabar.usecases import workspace_connect as connect
from kabar.usecases.workspace_actions import NotAllowed

AT = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


class Creds:
    """Sealing is a reversible marker here; the adapter's real sealing is tested against KMS (integration)."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], dict] = {}
        self.states: dict[tuple[str, str], dict] = {}

    def seal(self, tenant_id, name, value) -> bytes:
        return json.dumps([tenant_id, name, value]).encode()

    def open(self, tenant_id, name, sealed) -> dict:
        t, n, value = json.loads(sealed)
        assert (t, n) == (tenant_id, name)
        return value

    def put(self, tenant_id, name, value, about, by, at) -> None:
        self.values[(tenant_id, name)] = value

    def describe(self, tenant_id):
        return {n: {"about": {}, "connected_at": AT.isoformat()} for (t, n) in self.values if t == tenant_id}

    def put_state(self, tenant_id, state_hash, record, expires_at) -> None:
        self.states[(tenant_id, state_hash)] = {**record, "expires_at": expires_at}

    def take_state(self, tenant_id, state_hash, at):
        record = self.states.get((tenant_id, state_hash))
        if record is None or record.get("used") or record["expires_at"] <= at:
            return None
        record["used"] = True
        return dict(record)


class Meta:
    def __init__(self) -> None:
        self.subscribed: list[str] = []

    def exchange_code(self, code, redirect_uri):
        assert code == "the-code"
        return "short"

    def long_lived(self, user_token):
        assert user_token == "short"
        return "long"

    def pages(self, user_token):
        assert user_token == "long"
        return [{"id": "111", "name": "Kalurahan Purwobinangun", "access_token": "page-111",
                 "tasks": ["CREATE_CONTENT", "MANAGE"], "instagram_business_account": {"id": "1784", "username": "pw"}},
                {"id": "222", "name": "Halaman Lain", "access_token": "page-222", "tasks": ["ANALYZE"]}]

    def subscribe(self, page_id, page_token):
        self.subscribed.append(page_id)


class Villages:
    def __init__(self, village: Village) -> None:
        self.village = village
        self.writes = 0

    def get_village(self, tenant_id):
        assert tenant_id == self.village.id
        return self.village

    def put_village(self, village):
        self.village = village
        self.writes += 1


def village(id_: str = "purwobinangun") -> Village:
    contact = Contact(name="A", email="a@desa.id")
    return Village(id=id_, name="Purwobinangun", reviewers=[contact], admins=[contact], channels={
        Procedure.SOCIAL: [ChannelConfig(type="facebook", page_id="old", secret_name="kabar/x/old", note="keep")],
        Procedure.WEBSITE: [ChannelConfig(type="static_site")]})


def admin(id_: str = "purwobinangun", role: Role = Role.ADMIN) -> Staff:
    return Staff(tenant_id=id_, staff_id="abc", role=role, name="A", email="a@desa.id", created_at=AT)


def test_login_then_pick_stores_the_page_token_subscribes_and_writes_the_village_once():
    creds, meta, villages, v = Creds(), Meta(), Villages(village()), village()
    state = connect.start(admin(), v, "session-1", "facebook", creds, AT)
    assert connect.state_village(state) == v.id
    picking = connect.facebook_callback({"code": "the-code", "state": state}, admin(), v, "session-1", creds, meta,
                                        "https://k/app/oauth/facebook", AT)
    assert [(c.id, c.usable) for c in picking.choices] == [("111", True), ("222", False)]  # no CREATE_CONTENT
    with pytest.raises(connect.ConnectRefused):  # a Page not offered (or not usable) cannot be picked
        connect.facebook_pick(picking.pick, "222", admin(), v, "session-1", creds, meta, villages, AT)
    # the refused pick used the pick up: begin again
    picking = connect.facebook_callback(
        {"code": "the-code", "state": connect.start(admin(), v, "session-1", "facebook", creds, AT)},
        admin(), v, "session-1", creds, meta, "https://k/app/oauth/facebook", AT)
    done = connect.facebook_pick(picking.pick, "111", admin(), v, "session-1", creds, meta, villages, AT)
    assert done.channels == ("facebook", "instagram") and meta.subscribed == ["111"]
    name = "kabar/x/old"  # the credential the channel named is the one replaced
    assert creds.values[(v.id, name)] == {"page_access_token": "page-111", "page_id": "111", "ig_user_id": "1784"}
    social = {c.type: c for c in villages.village.channels[Procedure.SOCIAL]}
    assert social["facebook"].page_id == "111" and social["facebook"].secret_name == name
    assert social["facebook"].model_extra == {"note": "keep"}  # the entry's other options survive a reconnect
    assert social["instagram"].model_extra["ig_user_id"] == "1784" and villages.writes == 1
    assert "long" not in json.dumps(list(creds.values.values()))  # the user token is not kept


def test_the_state_belongs_to_one_session_one_village_one_use_and_fifteen_minutes():
    creds, meta, v = Creds(), Meta(), village()
    query = {"code": "the-code", "state": connect.start(admin(), v, "session-1", "facebook", creds, AT)}
    with pytest.raises(connect.ConnectRefused):
        connect.facebook_callback(query, admin(), v, "session-2", creds, meta, "r", AT)  # another browser
    query = {"code": "the-code", "state": connect.start(admin(), v, "session-1", "facebook", creds, AT)}
    with pytest.raises(connect.ConnectRefused):  # another village's page with this village's state
        connect.facebook_callback(query, admin("candibinangun"), village("candibinangun"), "session-1", creds,
                                  meta, "r", AT)
    query = {"code": "the-code", "state": connect.start(admin(), v, "session-1", "facebook", creds, AT)}
    with pytest.raises(connect.ConnectRefused):  # late
        connect.facebook_callback(query, admin(), v, "session-1", creds, meta, "r", AT + timedelta(minutes=16))
    query = {"code": "the-code", "state": connect.start(admin(), v, "session-1", "facebook", creds, AT)}
    with pytest.raises(connect.ConnectRefused):  # Google's callback cannot use Facebook's state
        connect.take(query["state"], "google", admin(), v, "session-1", creds, AT)
    with pytest.raises(NotAllowed):  # a reviewer may not connect
        connect.start(admin(role=Role.REVIEWER), v, "session-1", "facebook", creds, AT)


def test_a_google_login_without_upload_permission_or_offline_access_stores_nothing():
    class Google:
        def __init__(self, answer):
            self.answer = answer

        def exchange_code(self, code, redirect_uri):
            return self.answer

        def channels(self, access_token):
            return [{"id": "UC1", "snippet": {"title": "Kanal Desa"}}]

    creds, v = Creds(), village()
    for answer in ({"access_token": "a", "refresh_token": "r", "scope": "openid"},
                   {"access_token": "a", "scope": connect.GOOGLE_SCOPES[0]}):
        state = connect.start(admin(), v, "s", "google", creds, AT)
        with pytest.raises(connect.ConnectRefused):
            connect.google_callback({"code": "c", "state": state}, admin(), v, "s", creds, Google(answer), "r", AT)
    assert creds.values == {}
    state = connect.start(admin(), v, "s", "google", creds, AT)
    picking = connect.google_callback({"code": "c", "state": state}, admin(), v, "s", creds, Google(
        {"access_token": "a", "refresh_token": "1//r", "scope": " ".join(connect.GOOGLE_SCOPES)}), "r", AT)
    villages = Villages(v)
    done = connect.google_pick(picking.pick, "UC1", admin(), v, "s", creds, ("id", "secret"),
                               {"token_url": "t", "api_base_url": "a"}, villages, AT)
    assert done.account == "Kanal Desa"
    assert creds.values[(v.id, "kabar/purwobinangun/youtube")]["refresh_token"] == "1//r"
    assert [c.type for c in villages.village.channels[Procedure.SOCIAL]] == ["facebook", "youtube"]
