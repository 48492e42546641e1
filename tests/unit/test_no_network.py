"""The unit suite's guard: no test here reaches the network."""

import pytest

from tests.unit.conftest import NetworkBlocked


def test_the_network_is_blocked_here():
    import urllib.request

    with pytest.raises(NetworkBlocked):
        urllib.request.urlopen("http://127.0.0.1:9/", timeout=1)  # noqa: S310
