"""The website's photos in responsive sizes and WebP (issue 15): what a phone downloads is a fraction
of the sanitized JPEG, which stays as the fallback and the og:image."""

from __future__ import annotations

import io
import json
import re

from PIL import Image

from kabar.adapters.channels.static_site import StaticSite
from kabar.domain import responsive

SITE_URL = "https://desa.example.id"


def camera_like(width: int, height: int) -> bytes:
    """A sanitized copy's kind of photo: smooth colour with sensor noise, as intake writes it (JPEG q85)."""
    noise = Image.effect_noise((width, height), 12).convert("RGB")
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    out = io.BytesIO()
    Image.blend(base, noise, 0.3).save(out, "JPEG", quality=85)
    return out.getvalue()


def test_each_photo_gets_webp_sizes_and_the_page_a_srcset_with_the_jpeg_as_fallback(village, buckets, make_post):
    photos = [camera_like(2048, 1536), camera_like(600, 800)]  # a wide photo and a small portrait one
    keys = []
    for n, data in enumerate(photos, 1):
        keys.append(f"{village.id}/sub-1/photos/p{n}.jpg")
        buckets.media.put(keys[-1], data, "image/jpeg")
    site = StaticSite(village, buckets.site, buckets.media, SITE_URL, "https://api.example.id")
    post = make_post(photo_keys=tuple(keys), text="<p>Isi berita.</p>")
    published = site.publish(post)
    base = f"{village.id}/berita/{post.slug}"

    wide = [Image.open(io.BytesIO(buckets.site.get(f"{base}/foto-1-{w}.webp"))) for w in responsive.WIDTHS]
    assert [(i.format, i.width) for i in wide] == [("WEBP", w) for w in responsive.WIDTHS]
    assert all(not i.getexif() and "exif" not in i.info for i in wide)  # nothing but pixels
    assert wide[0].height == round(1536 * 480 / 2048)
    # a photo narrower than a size is never enlarged: its own width is the largest
    assert buckets.site.head(f"{base}/foto-2-480.webp") and buckets.site.head(f"{base}/foto-2-600.webp")
    assert buckets.site.head(f"{base}/foto-2-960.webp") is None
    # what a phone at 2x takes (960 px) is a fraction of the JPEG it would have taken
    assert len(buckets.site.get(f"{base}/foto-1-960.webp")) < len(photos[0]) / 3
    assert buckets.site.head(f"{base}/foto-1-960.webp")["ContentType"] == "image/webp"

    page = buckets.site.get(f"{base}/index.html").decode()
    first = re.search(r'<picture><source type="image/webp" srcset="([^"]+)" sizes="([^"]+)">\s*<img src="foto-1.jpg"'
                      r'[^>]* width="(\d+)" height="(\d+)"', page)
    assert first, page
    assert first.group(1) == "foto-1-480.webp 480w, foto-1-960.webp 960w, foto-1-1440.webp 1440w"
    assert first.group(2) == responsive.SIZES_FIRST and (first.group(3), first.group(4)) == ("1440", "1080")
    assert 'srcset="foto-2-480.webp 480w, foto-2-600.webp 600w" sizes="' + responsive.SIZES_OTHERS in page
    assert '<meta property="og:image" content="' + published.url + 'foto-1.jpg">' in page  # channels read JPEG

    item = json.loads(buckets.site.get(f"{village.id}/berita/index.json"))["items"][0]
    assert item["photo_srcset"].startswith(f"{published.url}foto-1-480.webp 480w, {published.url}foto-1-960.webp")
    index = buckets.site.get(f"{village.id}/index.html").decode()
    assert f'srcset="{published.url}foto-1-480.webp 480w' in index and f'src="{published.url}foto-1.jpg"' in index
