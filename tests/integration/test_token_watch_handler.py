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


def test_the_schedule_warns_the_admins_once(aws, graph):
    event = load_event("token_watch/schedule")
    assert aws.invoke("TokenWatchFunction", event)["sent"] == 0 and _notices() == []
    graph.set_token_expiry(TOKEN, now() + timedelta(days=3, hours=1))
    assert aws.invoke("TokenWatchFunction", event)["sent"] == 1
    assert aws.invoke("TokenWatchFunction", event)["sent"] == 0  # the schedule fires again, or is retried
    (mail,) = _notices()
    assert "berakhir dalam 3 hari" in mail["subject"]
