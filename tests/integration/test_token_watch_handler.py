"""The daily token check through its handler: moto's table and SES, the fake Graph API's debug_token.
One email per token and end date, however often the schedule fires."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import timedelta

import boto3
import pytest
from werkzeug.serving import make_server

from kabar.domain.clock import now
from kabar.domain.models import ChannelConfig, Procedure
from kabar.services import reset, services
from kabar.usecases.villages import put_village
from kabar_local.fakes.graph import FakeGraph
from kabar_local.outbox import Outbox
from tests.integration.flow import VILLAGE
from tests.support import load_event

PAGE_ID, TOKEN = "1234567890", "EAAG-test-page-token"


@pytest.fixture
def graph(aws, monkeypatch):
    fake = FakeGraph()
    fake.add_page(PAGE_ID, TOKEN, "Kalurahan Purwobinangun")
    server = make_server("127.0.0.1", 0, fake.api_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    monkeypatch.setenv("KABAR_GRAPH_BASE_URL", f"http://127.0.0.1:{server.server_port}")
    reset()
    secret = f"kabar/{VILLAGE}/facebook-{uuid.uuid4().hex[:8]}"
    boto3.client("secretsmanager").create_secret(Name=secret, SecretString=json.dumps({"page_access_token": TOKEN}))
    village = services().store.get_village(VILLAGE)
    social = [ChannelConfig(type="facebook", page_id=PAGE_ID, secret_name=secret)]
    put_village(village.model_copy(update={"channels": {**village.channels, Procedure.SOCIAL: social}}))
    yield fake
    server.shutdown()
    server.server_close()
    reset()


def _notices() -> list[dict]:
    return [m for m in Outbox().list(to="admin@purwobinangun.desa.id") if "Token Facebook" in m["subject"]]


def test_the_schedule_warns_the_admins_once(aws, graph):
    event = load_event("token_watch/schedule")
    assert aws.invoke("TokenWatchFunction", event)["sent"] == 0 and _notices() == []
    graph.set_token_expiry(TOKEN, now() + timedelta(days=3, hours=1))
    assert aws.invoke("TokenWatchFunction", event)["sent"] == 1
    assert aws.invoke("TokenWatchFunction", event)["sent"] == 0  # the schedule fires again, or is retried
    (mail,) = _notices()
    assert "berakhir dalam 3 hari" in mail["subject"]
