"""build_channels for Instagram, WordPress and YouTube: credentials sealed in the table (moto DynamoDB + KMS)."""

from __future__ import annotations

import pytest

from kabar.adapters.channels import build_channels, build_each_channel
from kabar.adapters.channels.instagram import InstagramAccount
from kabar.adapters.channels.wordpress import WordPressSite
from kabar.adapters.channels.youtube import YouTubeChannel
from kabar.config import Settings
from kabar.domain.models import ChannelConfig, Procedure
from kabar.ports import PermanentChannelError


@pytest.fixture
def settings(buckets, creds) -> Settings:
    return Settings.model_validate({
        "KABAR_TABLE": creds.table, "KABAR_CREDENTIALS_KEY": creds.key,
        "KABAR_UPLOADS_BUCKET": "u", "KABAR_MEDIA_BUCKET": buckets.media.bucket,
        "KABAR_SITE_BUCKET": buckets.site.bucket, "KABAR_REPORTS_BUCKET": "r", "KABAR_EVENT_BUS": "kabar",
        "KABAR_IDEMPOTENCY_TABLE": "i", "KABAR_MAIL_FROM": "kabar@example.id",
        "KABAR_GRAPH_BASE_URL": "http://127.0.0.1:9/graph", "KABAR_GRAPH_API_VERSION": "v24.0",
    })


@pytest.fixture
def secret(creds, village):
    return lambda value: creds.put(village.id, value)


def configured(village, procedure, *configs):
    return village.model_copy(update={"channels": {procedure: list(configs)}})


def test_each_type_is_built_from_its_credential(village, settings, secret):
    ig = secret({"page_access_token": "EAAG", "ig_user_id": "1784"})
    yt = secret({"client_id": "c", "client_secret": "s", "refresh_token": "r"})
    wp = secret({"username": "admin", "application_password": "abcd efgh"})
    social = configured(village, Procedure.SOCIAL, ChannelConfig(type="instagram", secret_name=ig),
                        ChannelConfig(type="youtube", secret_name=yt, privacy="unlisted"))
    instagram, youtube = build_channels(social, Procedure.SOCIAL, settings)
    assert isinstance(instagram, InstagramAccount) and instagram.ig_user_id == "1784"
    assert instagram.base_url == settings.graph_base_url
    assert isinstance(youtube, YouTubeChannel) and youtube.privacy == "unlisted"
    assert youtube.media.bucket == settings.media_bucket
    website = configured(village, Procedure.WEBSITE,
                         ChannelConfig(type="wordpress", secret_name=wp, base_url="https://desa.example.id/",
                                       category="Kabar Desa"))
    (wordpress,) = build_channels(website, Procedure.WEBSITE, settings)
    assert isinstance(wordpress, WordPressSite) and wordpress.base_url == "https://desa.example.id"
    assert wordpress.category == "Kabar Desa" and wordpress.village_name == "Purwobinangun"


def test_a_refused_wordpress_login_rereads_the_corrected_password(village, settings, make_post, secret, creds):
    # Given a WordPress channel whose secret holds a wrong application password
    from kabar_local.fakes.wordpress import FakeWordPress

    from .conftest import FakeHost, serve_with_files

    fake = FakeWordPress("admin-desa", "good pass word 1234 5678 9012")
    host = FakeHost(fake)
    stop = serve_with_files(host, {"/site": fake.app})
    fake.base_url = f"{host.url}/site"
    try:
        wp = secret({"username": "admin-desa", "application_password": "wrong"})
        website = configured(village, Procedure.WEBSITE,
                             ChannelConfig(type="wordpress", secret_name=wp, base_url=fake.base_url))
        (first,) = build_channels(website, Procedure.WEBSITE, settings)
        with pytest.raises(PermanentChannelError, match="application password salah") as caught:
            first.publish(make_post())
        assert f"/app/{village.id}/settings" in str(caught.value)  # the reconnect page, not a secret to edit
        # When the admin reconnects with the corrected password (the function is still warm)
        creds.put(village.id, {"username": "admin-desa", "application_password": "good pass word 1234 5678 9012"},
                  name=wp)
        # Then the next attempt reads it: the replaced credential is opened again
        (second,) = build_channels(website, Procedure.WEBSITE, settings)
        assert second.publish(make_post()).remote_id
    finally:
        stop()


@pytest.mark.parametrize(("kind", "value"), [
    ("instagram", {"page_access_token": "EAAG"}),
    ("wordpress", {"username": "admin", "application_password": "x"}),  # no base_url anywhere
    ("youtube", {"client_id": "c"}),
])
def test_incomplete_credentials_fail_that_channel_and_not_the_others(village, settings, make_post, kind, value,
                                                                      secret):
    procedure = Procedure.WEBSITE if kind == "wordpress" else Procedure.SOCIAL
    v = configured(village, procedure, ChannelConfig(type=kind, secret_name=secret(value)),
                   ChannelConfig(type="static_site"))
    with pytest.raises(PermanentChannelError):
        build_channels(v, procedure, settings)
    broken, site = build_each_channel(v, procedure, settings)
    assert broken.name == kind and site.name == "static_site"
    with pytest.raises(PermanentChannelError) as caught:
        broken.publish(make_post())
    assert "belum terhubung" in str(caught.value) and f"/app/{village.id}/settings" in str(caught.value)
    (unnamed,) = build_each_channel(configured(village, procedure, ChannelConfig(type=kind)), procedure, settings)
    with pytest.raises(PermanentChannelError):
        unnamed.publish(make_post())
