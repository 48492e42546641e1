"""build_channels with credentials sealed in the table under a KMS key, and the Secrets Manager adapter, against
moto; one end-to-end publish with
presigned S3 photo URLs that the fake Graph API fetches."""

from __future__ import annotations

import json
import uuid

import boto3
import pytest

from kabar.adapters import secrets
from kabar.adapters.channels import build_channels, build_each_channel
from kabar.adapters.channels.facebook import FacebookPage
from kabar.adapters.channels.static_site import StaticSite
from kabar.config import Settings
from kabar.domain.models import ChannelConfig, Procedure
from kabar.ports import ChannelReady, PermanentChannelError

from .channel_support import PAGE_ID, PAGE_TOKEN


@pytest.fixture
def settings(buckets, graph, creds) -> Settings:
    return Settings.model_validate({
        "KABAR_TABLE": creds.table, "KABAR_CREDENTIALS_KEY": creds.key,
        "KABAR_UPLOADS_BUCKET": "u", "KABAR_MEDIA_BUCKET": buckets.media.bucket,
        "KABAR_SITE_BUCKET": buckets.site.bucket, "KABAR_REPORTS_BUCKET": "r", "KABAR_EVENT_BUS": "kabar",
        "KABAR_IDEMPOTENCY_TABLE": "i", "KABAR_MAIL_FROM": "kabar@example.id",
        "KABAR_PUBLIC_URL": "https://api.example.id", "KABAR_SITE_URL": "https://desa.example.id",
        "KABAR_GRAPH_BASE_URL": graph.graph_url, "KABAR_GRAPH_API_VERSION": "v24.0",
    })


def make_secret(value: dict | str) -> str:
    name = f"kabar/test/{uuid.uuid4().hex[:10]}/facebook"
    text = value if isinstance(value, str) else json.dumps(value)
    boto3.client("secretsmanager").create_secret(Name=name, SecretString=text)
    return name


def test_defaults_without_configuration(village, settings):
    (site,) = build_channels(village, Procedure.WEBSITE, settings)
    assert isinstance(site, StaticSite) and site.name == "static_site"
    assert site.site.bucket == settings.site_bucket and site.media.bucket == settings.media_bucket
    assert site.click_url("a", "fb") == f"https://api.example.id/r/{village.id}/a?c=fb"
    assert build_channels(village, Procedure.SOCIAL, settings) == []


def test_facebook_from_its_credential(village, settings, make_post, creds):
    name = creds.put(village.id, {"page_access_token": PAGE_TOKEN})
    village = village.model_copy(update={"channels": {
        Procedure.SOCIAL: [ChannelConfig(type="facebook", page_id=PAGE_ID, secret_name=name)],
        Procedure.WEBSITE: [ChannelConfig(type="static_site")]}})
    (facebook,) = build_channels(village, Procedure.SOCIAL, settings)
    assert isinstance(facebook, FacebookPage) and facebook.name == "facebook"
    assert facebook.page_id == PAGE_ID and facebook.base_url == settings.graph_base_url
    assert facebook.find(make_post()) is None  # the token works against the fake
    assert [c.name for c in build_channels(village, Procedure.WEBSITE, settings)] == ["static_site"]


def test_missing_or_unopenable_credential_is_permanent(village, settings, make_post, creds):
    # a sealed value moved onto another credential's item does not open there (its encryption context)
    moved = creds.put(village.id, {"page_access_token": PAGE_TOKEN})
    import boto3 as _boto3

    table = _boto3.resource("dynamodb").Table(creds.table)
    sealed = table.get_item(Key={"PK": f"T#{village.id}", "SK": f"CREDENTIAL#{moved}"})["Item"]["sealed"]
    table.put_item(Item={"PK": f"T#{village.id}", "SK": "CREDENTIAL#kabar/swapped", "name": "kabar/swapped",
                         "sealed": sealed})
    other = creds.put("candibinangun", {"page_access_token": PAGE_TOKEN})  # another village's
    for config in (ChannelConfig(type="facebook", page_id=PAGE_ID, secret_name="kabar/none"),
                   ChannelConfig(type="facebook", page_id=PAGE_ID, secret_name=creds.put(village.id, {"x": 1})),
                   ChannelConfig(type="facebook", page_id=PAGE_ID, secret_name="kabar/swapped"),
                   ChannelConfig(type="facebook", page_id=PAGE_ID, secret_name=other),
                   ChannelConfig(type="facebook", page_id=PAGE_ID)):
        broken = village.model_copy(update={"channels": {Procedure.SOCIAL: [config]}})
        with pytest.raises(PermanentChannelError) as caught:
            build_channels(broken, Procedure.SOCIAL, settings)
        assert f"/app/{village.id}/settings" in str(caught.value)  # where to (re)connect
        # for publication, the channel fails on its own when used
        (channel,) = build_each_channel(broken, Procedure.SOCIAL, settings)
        assert channel.name == "facebook"
        with pytest.raises(PermanentChannelError):
            channel.publish(make_post())
        with pytest.raises(PermanentChannelError):
            channel.find(make_post())


def test_secret_is_cached_until_forgotten(aws_env):
    name = make_secret({"page_access_token": "one"})
    assert secrets.get_secret_json(name) == {"page_access_token": "one"}
    boto3.client("secretsmanager").put_secret_value(
        SecretId=name, SecretString=json.dumps({"page_access_token": "two"}))
    copy = secrets.get_secret_json(name)
    assert copy == {"page_access_token": "one"}
    copy["page_access_token"] = "changed"
    assert secrets.get_secret_json(name)["page_access_token"] == "one"
    secrets.forget(name)
    assert secrets.get_secret_json(name) == {"page_access_token": "two"}


def test_a_reconnected_token_is_used_next_time(village, settings, make_post, graph, creds):
    name = creds.put(village.id, {"page_access_token": "EAAG-old"})
    village = village.model_copy(update={"channels": {
        Procedure.SOCIAL: [ChannelConfig(type="facebook", page_id=PAGE_ID, secret_name=name)]}})
    (facebook,) = build_channels(village, Procedure.SOCIAL, settings)
    with pytest.raises(PermanentChannelError) as caught:
        facebook.publish(make_post(link="https://desa.id/r/desa/kerja-bakti?c=facebook"))
    assert "Pengaturan desa" in str(caught.value) and "secret" not in str(caught.value)
    creds.put(village.id, {"page_access_token": PAGE_TOKEN}, name=name)  # reconnected (the function still warm)
    (facebook,) = build_channels(village, Procedure.SOCIAL, settings)
    assert facebook.publish(make_post(link="https://desa.id/r/desa/kerja-bakti?c=facebook")).remote_id.startswith(f"{PAGE_ID}_")


def test_publishes_presigned_s3_photos(village, buckets, graph, make_post, photos):
    # Given sanitized photos in the media bucket, shared as presigned GET URLs (as publication does)
    keys = [f"{village.id}/sub-1/clean/foto-{n}.jpg" for n in (1, 2)]
    for key, data in zip(keys, photos, strict=False):
        buckets.media.put(key, data, "image/jpeg")
    urls = tuple(buckets.media.presign_get(key, 3600) for key in keys)
    # When Facebook (the fake) is asked to fetch them
    channel = FacebookPage(PAGE_ID, PAGE_TOKEN, graph.graph_url)
    post = make_post(photo_urls=urls, photo_keys=tuple(keys))
    with pytest.raises(ChannelReady) as ready:  # no link: the photos are recorded before the feed post
        channel.publish(post)
    published = channel.check(post, ready.value.state)
    # Then the post holds the very bytes
    (post,) = graph.fake.posts(PAGE_ID)
    assert post["id"] == published.remote_id
    assert [graph.fake.media(p["id"])[0] for p in post["photos"]] == photos[:2]
