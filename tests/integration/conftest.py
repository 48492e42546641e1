import uuid

import pytest

from kabar.domain.clock import now
from kabar.domain.models import ChannelConfig, Procedure
from kabar.services import reset, services
from kabar.usecases.villages import put_village
from kabar_local.fakes.graph import FakeGraph
from tests.integration.flow import PAGE_ID, TOKEN, VILLAGE
from tests.serving import serve
from tests.support import provision_env, start_moto


@pytest.fixture(scope="session")
def moto_url():
    server, url = start_moto()
    yield url
    server.stop()


@pytest.fixture
def aws(moto_url):
    return provision_env(moto_url)


@pytest.fixture
def graph(aws, monkeypatch):
    """The fake Graph API on a local port, and the village's social channel set to its Page."""
    fake = FakeGraph()
    fake.add_page(PAGE_ID, TOKEN, "Kalurahan Purwobinangun")
    server_url, stop_server = serve(fake.api_app)
    monkeypatch.setenv("KABAR_GRAPH_BASE_URL", server_url)
    reset()
    secret = f"kabar/{VILLAGE}/facebook-{uuid.uuid4().hex[:8]}"
    services().credentials.put(VILLAGE, secret, {"page_access_token": TOKEN}, {"account": PAGE_ID}, "test", now())
    village = services().store.get_village(VILLAGE)
    social = [ChannelConfig(type="facebook", page_id=PAGE_ID, secret_name=secret)]
    put_village(village.model_copy(update={"channels": {**village.channels, Procedure.SOCIAL: social}}), svc=services())
    yield fake
    stop_server()
    reset()
