"""Channel credentials sealed in the table under the template's KMS key (moto), the OAuth state's single
use, and moving the old per-channel Secrets Manager secrets in."""

from __future__ import annotations

import json
from datetime import timedelta

import boto3
import pytest

from kabar.adapters import credentials as credentials_module
from kabar.adapters.credentials import CredentialUnavailable
from kabar.domain.clock import now
from kabar.domain.models import ChannelConfig, Procedure
from kabar.services import services
from kabar.usecases.credentials_migration import migrate
from kabar.usecases.villages import put_village
from tests.integration.flow import VILLAGE

TOKEN = "EAAG-page-token-that-must-never-be-readable-1234567890"


def items(tenant: str) -> list[dict]:
    table = boto3.resource("dynamodb").Table(services().settings.table)
    return table.query(KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": f"T#{tenant}"})["Items"]


def test_a_credential_is_sealed_under_the_templates_key_and_replaced_on_reconnect(aws):
    store = services().credentials
    assert services().settings.credentials_key == "alias/kabar-test-credentials"
    store.put(VILLAGE, "kabar/x/meta", {"page_access_token": TOKEN}, {"account": "Halaman"}, "admin:a@b.id", now())
    raw = repr(items(VILLAGE))
    assert TOKEN not in raw and "EAAG" not in raw
    (item,) = [i for i in items(VILLAGE) if i["SK"] == "CREDENTIAL#kabar/x/meta"]
    assert set(item) >= {"sealed", "about", "connected_at", "connected_by"}
    assert store.get(VILLAGE, "kabar/x/meta") == {"page_access_token": TOKEN}
    assert store.describe(VILLAGE)["kabar/x/meta"]["about"] == {"account": "Halaman"}
    assert "page_access_token" not in repr(store.describe(VILLAGE))
    # reconnecting replaces it; a warm reader sees the new one at once
    store.put(VILLAGE, "kabar/x/meta", {"page_access_token": "EAAG-new"}, {}, "admin:a@b.id", now())
    assert store.get(VILLAGE, "kabar/x/meta") == {"page_access_token": "EAAG-new"}
    assert store.get("candibinangun", "kabar/x/meta") is None  # another village has none of that name


def test_a_sealed_value_does_not_open_for_another_village_or_name(aws):
    store = services().credentials
    store.put(VILLAGE, "kabar/x/meta", {"page_access_token": TOKEN}, {}, "t", now())
    (item,) = [i for i in items(VILLAGE) if i["SK"] == "CREDENTIAL#kabar/x/meta"]
    table = boto3.resource("dynamodb").Table(services().settings.table)
    table.put_item(Item={**item, "PK": "T#candibinangun"})
    table.put_item(Item={**item, "SK": "CREDENTIAL#kabar/y/meta", "name": "kabar/y/meta"})
    credentials_module.forget()
    with pytest.raises(CredentialUnavailable):
        store.get("candibinangun", "kabar/x/meta")
    with pytest.raises(CredentialUnavailable):
        store.get(VILLAGE, "kabar/y/meta")


def test_a_connection_state_is_taken_once_and_only_in_time(aws):
    store, at = services().credentials, now()
    store.put_state(VILLAGE, "h1", {"provider": "facebook", "session": "s"}, at + timedelta(minutes=15))
    assert store.take_state(VILLAGE, "h1", at)["provider"] == "facebook"
    assert store.take_state(VILLAGE, "h1", at) is None  # used
    store.put_state(VILLAGE, "h2", {"provider": "facebook", "session": "s"}, at + timedelta(minutes=15))
    assert store.take_state(VILLAGE, "h2", at + timedelta(minutes=16)) is None  # expired
    assert store.take_state("candibinangun", "h2", at) is None  # another village's partition
    assert store.take_state(VILLAGE, "unknown", at) is None


def test_the_per_channel_secrets_move_into_the_table_once(aws):
    secrets = boto3.client("secretsmanager")
    secrets.create_secret(Name=f"kabar/{VILLAGE}/facebook", SecretString=json.dumps({"page_access_token": TOKEN}))
    village = services().store.get_village(VILLAGE)
    put_village(village.model_copy(update={"channels": {**village.channels, Procedure.SOCIAL: [
        ChannelConfig(type="facebook", page_id="123", secret_name=f"kabar/{VILLAGE}/facebook"),
        ChannelConfig(type="youtube", secret_name=f"kabar/{VILLAGE}/youtube")]}}), services())

    def read(name: str) -> dict | None:
        try:
            return json.loads(secrets.get_secret_value(SecretId=name)["SecretString"])
        except secrets.exceptions.ResourceNotFoundException:
            return None

    done = {(m.name, m.outcome) for m in migrate(services().store, services().credentials, read, now(),
                                                 only=VILLAGE)}
    assert done == {(f"kabar/{VILLAGE}/facebook", "moved"), (f"kabar/{VILLAGE}/youtube", "missing")}
    assert services().credentials.get(VILLAGE, f"kabar/{VILLAGE}/facebook") == {"page_access_token": TOKEN}
    assert TOKEN not in repr(items(VILLAGE))
    again = {(m.name, m.outcome) for m in migrate(services().store, services().credentials, read, now())
             if m.village == VILLAGE}
    assert (f"kabar/{VILLAGE}/facebook", "kept") in again
