"""Issue 5: a village configured with Instagram, YouTube and WordPress publishes on the local stack
too: the gateway mounts their fakes (Instagram beside Facebook under /graph, one WordPress site and
one YouTube account per village), and the village's secrets point at them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from kabar.adapters.channels import build_each_channel
from kabar.adapters.s3 import S3Storage
from kabar.config import settings
from kabar.domain.models import Procedure, Village
from kabar.ports import ChannelPost, ChannelReady
from kabar_local import samples
from kabar_local.stack import LocalStack

pytestmark = pytest.mark.xdist_group("kabar-local-stack")

REAL_TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
VILLAGE = {
    "id": "pakembinangun", "name": "Pakembinangun", "kapanewon": "Pakem", "kabupaten": "Sleman",
    "reviewers": [{"name": "PPID", "email": "ppid@pakembinangun.desa.id"}],
    "admins": [{"name": "Admin", "email": "admin@pakembinangun.desa.id"}],
    "channels": {
        "social": [{"type": "facebook", "page_id": "1000000009", "secret_name": "kabar/pakembinangun/meta"},
                   {"type": "instagram", "secret_name": "kabar/pakembinangun/meta"},
                   {"type": "youtube", "secret_name": "kabar/pakembinangun/youtube", "privacy": "unlisted"}],
        "website": [{"type": "wordpress", "secret_name": "kabar/pakembinangun/wordpress"}]},
}


def test_instagram_youtube_and_wordpress_publish_locally(tmp_path):
    (tmp_path / "villages.json").write_text(json.dumps([VILLAGE]))
    with LocalStack(REAL_TEMPLATE, villages_file=tmp_path / "villages.json",
                    state_file=tmp_path / "local.json") as stack:
        assert {"/graph", "/feed", "/wordpress", "/youtube"} <= set(stack.mounts)
        from kabar.services import services

        shared = services().credentials.get("pakembinangun", "kabar/pakembinangun/meta")
        assert shared["page_access_token"] == "local-token-pakembinangun" and shared["ig_user_id"].startswith("1784")

        village = Village.model_validate(VILLAGE)
        media = S3Storage(settings().media_bucket)
        keys = [f"pakembinangun/s1/clean/foto-{n}.jpg" for n in (1, 2)]
        for n, key in enumerate(keys, 1):
            media.put(key, samples.photo(n, size=(640, 800), gps=False), "image/jpeg")
        media.put("pakembinangun/s1/clean/video.mp4", samples.video(), "video/mp4")
        post = ChannelPost(
            tenant_id=village.id, marker="kabar-local-1", title="Kerja Bakti Saluran Irigasi",
            text="Warga bergotong royong membersihkan saluran irigasi.\n\n#Pakembinangun",
            lead="Warga bergotong royong.", photo_urls=tuple(media.presign_get(k, 3600) for k in keys),
            photo_keys=tuple(keys), graphic_key=None, video_key="pakembinangun/s1/clean/video.mp4", link=None,
            activity_date="2026-11-27", location="Padukuhan Candi", slug="kerja-bakti-saluran-irigasi",
            video_url=None)

        social = {c.name: c for c in build_each_channel(village, Procedure.SOCIAL, settings())}
        assert set(social) == {"facebook", "instagram", "youtube"}
        # a post without a link: its photos are recorded first, then posted on check (as Instagram's containers)
        with pytest.raises(ChannelReady) as photos:
            social["facebook"].publish(post)
        assert social["facebook"].check(post, photos.value.state).remote_id.startswith("1000000009_")
        # Instagram hands back its containers to be recorded first, then publishes them on check
        with pytest.raises(ChannelReady) as ready:
            social["instagram"].publish(post)
        assert social["instagram"].check(post, ready.value.state).remote_id
        (published,) = stack.channel_fakes.instagram.published()
        assert published["media_type"] == "CAROUSEL" and len(published["children"]) == 2
        video = social["youtube"].publish(post)
        assert stack.channel_fakes.youtube["pakembinangun"].video_bytes(video.remote_id) == samples.video()

        (wordpress,) = build_each_channel(village, Procedure.WEBSITE, settings())
        article = wordpress.publish(post)
        site = stack.channel_fakes.wordpress["pakembinangun"]
        assert [p["slug"] for p in site.posts.values()] == ["kerja-bakti-saluran-irigasi"] and article.url
        photo = requests.get(next(iter(site.media.values()))["source_url"], timeout=10)  # served by the gateway
        assert photo.status_code == 200 and photo.content == media.get(keys[0])
