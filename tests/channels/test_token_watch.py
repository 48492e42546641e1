"""The daily token check against the fake Graph API's ``debug_token``, with a controlled clock:
admins are emailed a week ahead, once per token and end date, and again when the token has ended."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from kabar.adapters.channels.directory import ConfiguredChannels
from kabar.config import Settings
from kabar.domain.models import ChannelConfig, Procedure
from kabar.mail_composer import TemplateMailComposer
from kabar.usecases import token_watch
from tests.fakes import MemoryStore, RecordingMailer, settle

from .channel_support import PAGE_ID, PAGE_TOKEN

NOW = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)  # 08.00 WIB, when the schedule runs
IG_TOKEN = "EAAG-instagram-token-for-tests"


@pytest.fixture
def world(village, buckets, graph, creds):
    graph.fake.clock = lambda: NOW
    graph.fake.set_token_expiry(IG_TOKEN, None)  # the Instagram account's token, known to Meta, never ending
    settings = Settings.model_validate({
        "KABAR_TABLE": creds.table, "KABAR_CREDENTIALS_KEY": creds.key,
        "KABAR_PUBLIC_URL": "https://kabar.example.id", "KABAR_UPLOADS_BUCKET": "u",
        "KABAR_MEDIA_BUCKET": buckets.media.bucket,
        "KABAR_SITE_BUCKET": buckets.site.bucket, "KABAR_REPORTS_BUCKET": "r", "KABAR_EVENT_BUS": "kabar",
        "KABAR_IDEMPOTENCY_TABLE": "i", "KABAR_MAIL_FROM": "kabar@example.id",
        "KABAR_GRAPH_BASE_URL": graph.graph_url})
    fb_secret = creds.put(village.id, {"page_access_token": PAGE_TOKEN})
    ig_secret = creds.put(village.id, {"access_token": IG_TOKEN, "ig_user_id": "17841400000000001"})
    wp_secret = creds.put(village.id, {"username": "admin", "application_password": "abcd efgh"})
    configured = village.model_copy(update={"channels": {
        Procedure.SOCIAL: [ChannelConfig(type="facebook", page_id=PAGE_ID, secret_name=fb_secret),
                           ChannelConfig(type="instagram", secret_name=ig_secret),
                           ChannelConfig(type="youtube", secret_name="kabar/never-read")],
        Procedure.WEBSITE: [ChannelConfig(type="wordpress", secret_name=wp_secret, base_url="http://127.0.0.1:9"),
                            ChannelConfig(type="static_site")]}})
    store = MemoryStore()
    store.put_village(configured)
    svc = SimpleNamespace(settings=settings, store=store, mailer=RecordingMailer(),
                          channels=ConfiguredChannels(settings), mail_composer=TemplateMailComposer())
    return SimpleNamespace(svc=svc, graph=graph, village=configured, fb_secret=fb_secret, ig_secret=ig_secret)


def run(world, at: datetime) -> dict:
    world.graph.fake.clock = lambda: at
    try:
        return token_watch.check_tokens(svc=world.svc, at=at)
    finally:
        settle(world.svc, at)  # the relay and the notice sender


def test_tokens_that_never_end_bring_no_email(world):
    assert run(world, NOW) == {"checked": 2, "sent": 0, "unchecked": 0}  # YouTube and WordPress not asked
    asked = [r for r in world.graph.fake.requests if r["path"].endswith("/debug_token")]
    assert len(asked) == 2 and all(r["query"]["input_token"] == "<redacted>" for r in asked)
    assert world.svc.mailer.sent == []


def test_a_week_ahead_the_admins_are_warned_once(world):
    world.graph.fake.set_token_expiry(PAGE_TOKEN, NOW + timedelta(days=6, hours=2))
    world.graph.fake.set_token_expiry(IG_TOKEN, NOW + timedelta(days=30))
    assert run(world, NOW)["sent"] == 1
    (mail,) = world.svc.mailer.sent
    assert mail.to == ("admin@purwobinangun.desa.id",)
    assert "Token Facebook berakhir dalam 6 hari" in mail.subject
    # the email links to the reconnect page (no secret to paste a token into)
    assert f"https://kabar.example.id/app/{world.village.id}/settings#kanal" in mail.text
    assert "Sambungkan ulang Facebook" in mail.text and "page_access_token" not in mail.text
    assert f'href="https://kabar.example.id/app/{world.village.id}/settings#kanal"' in mail.html
    assert "3 Desember 2026, 10.00 WIB" in mail.text  # the end, in Jakarta time
    # the next day's run, and a retried one, send nothing more for the same token and end date
    assert run(world, NOW + timedelta(days=1))["sent"] == 0
    assert run(world, NOW + timedelta(days=1))["sent"] == 0
    assert len(world.svc.mailer.sent) == 1


def test_more_than_a_week_ahead_is_not_yet_worth_an_email(world):
    world.graph.fake.set_token_expiry(PAGE_TOKEN, NOW + timedelta(days=7, minutes=1))
    assert run(world, NOW)["sent"] == 0
    assert run(world, NOW + timedelta(minutes=2))["sent"] == 1  # now within the week


def test_an_ended_token_gets_an_expired_email(world):
    world.graph.fake.set_token_expiry(IG_TOKEN, NOW - timedelta(hours=1))
    assert run(world, NOW)["sent"] == 1
    (mail,) = world.svc.mailer.sent
    assert "Token Instagram tidak berlaku lagi" in mail.subject and world.ig_secret not in mail.text
    assert f"/app/{world.village.id}/settings#kanal" in mail.text and "Instagram yang tertaut" in mail.text
    assert run(world, NOW + timedelta(days=1))["sent"] == 0


def test_a_token_meta_refuses_outright_gets_an_expired_email(world):
    world.graph.fake.add_page(PAGE_ID, "EAAG-rotated-elsewhere", "Kalurahan Purwobinangun")  # ours is now unknown
    assert run(world, NOW)["sent"] == 1
    assert "tidak berlaku lagi" in world.svc.mailer.sent[0].subject


def test_a_warning_then_the_end_are_two_emails_and_a_failed_email_is_sent_again(world):
    world.graph.fake.set_token_expiry(PAGE_TOKEN, NOW + timedelta(days=2))
    sent = world.svc.mailer.sent
    world.svc.mailer.fail = RuntimeError("SES down")
    with pytest.raises(RuntimeError):  # the notice is promised; its sender fails, so its queue brings it back
        run(world, NOW)
    assert sent == []
    world.svc.mailer.fail = None
    assert run(world, NOW)["sent"] == 0  # promised once: the retried notice is what reaches the admins
    assert run(world, NOW + timedelta(days=3))["sent"] == 1
    assert ["berakhir dalam 2 hari" in m.subject for m in sent] == [True, False]


def test_meta_unreachable_leaves_the_run_to_be_retried(world):
    world.graph.fake.fail_next(2, 500, times=2, on="node", method="GET")
    with pytest.raises(token_watch.TokenCheckIncomplete):
        run(world, NOW)
    assert world.svc.mailer.sent == []
