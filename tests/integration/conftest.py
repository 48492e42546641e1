import pytest

from tests.support import provision_env, start_moto


@pytest.fixture(scope="session")
def moto_url():
    server, url = start_moto()
    yield url
    server.stop()


@pytest.fixture
def aws(moto_url):
    return provision_env(moto_url)
