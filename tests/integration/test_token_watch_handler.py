"""The daily token check through its handler: moto's table and SES, the fake Graph API's debug_token.
One email per token and end date, however often the schedule fires."""

from __future__ import annotations

from datetime import timedelta

from kabar.domain.clock import now
from kabar_local.outbox import Outbox
from tests.integration.flow import TOKEN
from tests.support import load_event


def _notices() -> list[dict]:
    return [m for m in Outbox().list(to="admin@purwobinangun.desa.id") if "Token Facebook" in m["subject"]]


def _watch(aws, event: dict) -> dict:
    return aws.run_job("TokenWatchFunction", event, "TokenWatchQueue")


def test_the_schedule_warns_the_admins_once(aws, graph):
    event = load_event("token_watch/schedule")
    assert _watch(aws, event)["sent"] == 0 and _notices() == []
    graph.set_token_expiry(TOKEN, now() + timedelta(days=3, hours=1))
    # the schedule's retry on the same day queues nothing: each village is checked once a day
    assert _watch(aws, event)["queued"] == 0
    tomorrow = {"at": (now() + timedelta(days=1)).isoformat()}
    assert _watch(aws, tomorrow)["sent"] == 1
    assert _watch(aws, {"at": (now() + timedelta(days=1, minutes=5)).isoformat()})["sent"] == 0  # never twice
    (mail,) = _notices()
    assert "berakhir dalam 2 hari" in mail["subject"]
