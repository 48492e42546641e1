"""The unit suite's guard: no test here reaches the network."""

import pytest

from tests.unit.conftest import NetworkBlocked


def test_the_network_is_blocked_here():
    import urllib.request

    with pytest.raises(NetworkBlocked):
        urllib.request.urlopen("http://127.0.0.1:9/", timeout=1)  # noqa: S310


def test_a_unit_test_reaching_aws_fails_at_once(monkeypatch):
    """A use case given the real adapters by mistake (``services()``) fails loudly, never waits on a retry."""
    from kabar.adapters import aws
    from kabar.adapters.dynamo import DynamoStore

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "ap-southeast-3", "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}.items():
        monkeypatch.setenv(name, value)
    try:
        with pytest.raises(Exception, match="unit tests use no network"):  # botocore wraps it: HTTPClientError
            DynamoStore("kabar-unit").get_village("purwobinangun")
    finally:
        aws.clear()  # no client made for this endpoint outlives the test
