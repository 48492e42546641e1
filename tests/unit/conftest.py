"""Unit tests run with no network: a test that reaches for a socket (AWS, a channel) fails at once.

They use the in-memory fakes (tests/fakes.py) and pure functions; what crosses a network is tested in
tests/integration, tests/channels and tests/local, against moto and the channel fakes over real HTTP.
"""

import socket

import pytest


class NetworkBlocked(RuntimeError):
    pass


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    def refuse(self, address, *args, **kwargs):
        if self.family == socket.AF_UNIX:
            return _connect(self, address, *args, **kwargs)
        raise NetworkBlocked(f"unit tests use no network (tried {address!r})")

    _connect = socket.socket.connect
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)

