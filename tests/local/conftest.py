"""Fixtures of the local-stack tests."""

from __future__ import annotations

import logging

import pytest
from moto.server import ThreadedMotoServer

from kabar_local.moto_server import MotoServer


@pytest.fixture(scope="module")
def moto_url():
    """A real moto server in this process, one per test module."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="module")
def moto():
    """moto as ``kabar local`` runs it (its own process, the S3 POST-policy check in front), one per module."""
    server = MotoServer().start()
    yield server
    server.stop()
