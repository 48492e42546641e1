"""The WordPress adapter against the fake and a real WordPress: what the PPID approved is what the
site shows, once, whatever fails in between; and every refusal says its real cause."""

from __future__ import annotations

import html
import io
import re
import uuid

import pytest
import requests
from PIL import Image

from kabar.adapters.channels.wordpress import WordPressSite, sanitize
from kabar.ports import ChannelPost, PermanentChannelError, TransientChannelError

from .conftest import Site


def jpeg(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), color).save(out, "JPEG")
    return out.getvalue()


PHOTOS = [jpeg((200, 30, 30)), jpeg((30, 200, 30)), jpeg((30, 30, 200))]
BODY = ("<p>Warga Padukuhan Candi bergotong royong membersihkan saluran irigasi sepanjang 2 km.</p>\n"
        "<p>Kegiatan dipimpin Dukuh Candi &amp; para ketua RT.</p>")


def make_post(wp: Site, photos: int = 3, **changes) -> ChannelPost:
    key = uuid.uuid4().hex[:10]
    urls = tuple(wp.host(f"foto-{key}-{n}.jpg", data) for n, data in enumerate(PHOTOS[:photos], 1))
    base = ChannelPost(
        tenant_id="purwobinangun", marker=f"kabar-purwobinangun-{key}-website-v1-wordpress",
        title="Kerja Bakti Membersihkan Saluran Irigasi", text=BODY,
        lead="Kerja bakti berlangsung pada Jumat, 27 November 2026, di Padukuhan Candi.",
        photo_urls=urls, photo_keys=(), graphic_key=None, video_key=None, link=None, activity_date="2026-11-27",
        location="Padukuhan Candi", slug=f"kerja-bakti-{key}")
    return ChannelPost(**{**base.__dict__, **changes})


def site(wp: Site, role: str = "editor", password: str | None = None, **options) -> WordPressSite:
    username, app_password = wp.users[role]
    options.setdefault("village_name", "Purwobinangun")
    return WordPressSite(wp.base_url, username, password or app_password, secret_name="kabar/desa/wordpress",
                         reconnect_url="https://kabar.example.id/app/desa/settings#kanal",
                         **options)


def online_with(wp: Site, post: ChannelPost) -> list[dict]:
    found = wp.rest("GET", "/wp/v2/posts", params={"search": post.marker, "context": "edit",
                                                   "status": "publish,future,draft,pending,private"}).json()
    return [p for p in found if WordPressSite.tag(post.marker) in p["content"]["raw"]]


def plain(shown: str) -> str:
    """Escaped text as a reader sees it (WordPress also curls the quotes)."""
    return re.sub("[\u201c\u201d]", '"', html.unescape(shown))


def page(url: str) -> str:
    answer = requests.get(url, timeout=30)
    assert answer.status_code == 200, url
    return answer.text


def test_the_article_page_shows_what_the_preview_showed(wp: Site):
    # Given an approved article with three photos and HTML in its title
    post = make_post(wp, title='Kerja Bakti <b>"Bersih"</b> & <script>alert(1)</script>')
    # When it is published
    published = site(wp).publish(post)
    # Then the site's own article page shows the dateline, the lead, the body, and every photo with its
    # caption and alt text
    shown = page(published.url)
    text = html.unescape(shown)
    assert "Purwobinangun, 27 November 2026" in text
    assert post.lead in text
    assert "Warga Padukuhan Candi bergotong royong membersihkan saluran irigasi sepanjang 2 km." in text
    assert "Kegiatan dipimpin Dukuh Candi & para ketua RT." in text
    title = 'Kerja Bakti <b>"Bersih"</b> & <script>alert(1)</script>'
    captions = [plain(c) for c in re.findall(r"<figcaption[^>]*>(.*?)</figcaption>", shown, re.S)]
    assert captions[-3:] == [f"Dokumentasi {title}, Kalurahan Purwobinangun ({n}/3)" for n in (1, 2, 3)]
    assert shown.count('alt="Dokumentasi Kerja Bakti') >= 3
    # the title is shown as text, never as markup
    assert "<script>alert(1)</script>" not in shown and "<b>&#8220;Bersih" not in shown
    assert "&lt;script&gt;" in shown
    # exactly one post, its photos attached with alt text, the first its featured image
    (stored,) = online_with(wp, post)
    media = wp.rest("GET", "/wp/v2/media", params={"parent": stored["id"], "context": "edit"}).json()
    assert len(media) == 3 and all(m["post"] == stored["id"] for m in media)
    assert {m["alt_text"] for m in media} == {
        html.escape(f"Dokumentasi {title}, Kalurahan Purwobinangun ({n}/3)", quote=False) for n in (1, 2, 3)}
    assert stored["featured_media"] == min(m["id"] for m in media)


def test_own_html_passes_the_sanitizer_and_injected_markup_does_not(wp: Site):
    post = make_post(wp, photos=1, text=BODY + '\n<p onclick="x()">Catatan<script>alert(1)</script></p>'
                                             '<img src="javascript:alert(1)">')
    content = WordPressSite.content_for(post, [{"id": 7, "source_url": "https://desa.id/a.jpg"}], "Purwobinangun")
    ours = WordPressSite.content_for(make_post(wp, photos=1), [{"id": 7, "source_url": "https://desa.id/a.jpg"}],
                                     "Purwobinangun")
    body = ours.rsplit("\n", 1)[0]
    assert sanitize(body) == body  # Kabar's own article passes unchanged
    assert "onclick" not in content and "<script" not in content and "javascript:" not in content
    published = site(wp).publish(post)
    shown = page(published.url)
    assert "alert(1)" not in shown and "Catatan" in shown


def test_a_retry_after_a_php_fatal_finds_the_stored_post(wp: Site):
    # Given a site that stores the post and then dies with a PHP fatal error, and fails once more after
    post = make_post(wp)
    wp.fatal_after_publish(then_requests=1)
    # When the adapter publishes, the error is transient (the follow-up look also failed)
    with pytest.raises(TransientChannelError) as caught:
        site(wp).publish(post)
    assert caught.value.ambiguous
    # Then the retry, looking first, finds the post: online exactly once
    wp.clear_faults()
    again = site(wp)
    found = again.find(post)
    assert found is not None
    assert again.publish(post) == found
    assert len(online_with(wp, post)) == 1


def test_a_php_fatal_after_the_post_is_stored_is_found_at_once(wp: Site):
    post = make_post(wp, photos=1)
    wp.fatal_after_publish()
    published = site(wp).publish(post)
    assert [str(p["id"]) for p in online_with(wp, post)] == [published.remote_id]


def test_a_retry_after_a_failed_upload_goes_on_from_the_draft(wp: Site):
    post = make_post(wp)
    wp.fail_uploads()
    with pytest.raises(TransientChannelError):
        site(wp).publish(post)
    wp.clear_faults()
    published = site(wp).publish(post)
    (stored,) = online_with(wp, post)
    assert str(stored["id"]) == published.remote_id
    media = wp.rest("GET", "/wp/v2/media", params={"search": WordPressSite.media_stem(post.marker)}).json()
    assert len(media) == 3


def test_a_wrong_application_password_says_so_and_names_the_reconnect_page(wp: Site):
    forgotten = []
    with pytest.raises(PermanentChannelError) as caught:
        site(wp, password="abcd efgh ijkl mnop qrst uvwx", on_login_refused=lambda: forgotten.append(1)).publish(
            make_post(wp, photos=0))
    assert "nama pengguna atau application password salah" in str(caught.value)
    assert "https://kabar.example.id/app/desa/settings#kanal" in str(caught.value) and forgotten


def test_an_author_finds_a_category_named_with_an_ampersand(wp: Site):
    name = wp.unique("Berita & Pengumuman")
    made = wp.rest("POST", "/wp/v2/categories", json={"name": name}).json()
    published = site(wp, "author", category=name).publish(make_post(wp, photos=1))
    stored = wp.rest("GET", f"/wp/v2/posts/{published.remote_id}").json()
    assert stored["categories"] == [made["id"]]


def test_an_author_asked_to_create_a_category_is_told_the_capability_and_the_role(wp: Site):
    with pytest.raises(PermanentChannelError) as caught:
        site(wp, "author", category=wp.unique("Kategori Baru")).publish(make_post(wp, photos=1))
    message = str(caught.value)
    assert "manage_categories" in message and "peran Editor" in message and "rest_cannot_create" in message


def test_a_contributor_is_told_it_may_not_publish(wp: Site):
    with pytest.raises(PermanentChannelError) as caught:
        site(wp, "contributor", category="Uncategorized").publish(make_post(wp, photos=0))
    assert "publish_posts" in str(caught.value) and "Author atau Editor" in str(caught.value)
    with pytest.raises(PermanentChannelError) as caught:
        site(wp, "contributor", category="Uncategorized").publish(make_post(wp, photos=1))
    assert "upload_files" in str(caught.value)


def test_plain_permalinks_use_the_rest_route_form(wp: Site):
    wp.plain_permalinks(True)
    try:
        adapter = site(wp)
        post = make_post(wp, photos=1)
        published = adapter.publish(post)
        assert adapter.rest_route
        assert re.search(r"[?&]p=\d+", published.url)
        assert "Purwobinangun, 27 November 2026" in html.unescape(page(published.url))
        assert site(wp).find(post) == published
    finally:
        wp.plain_permalinks(False)


def test_the_draft_video_plays_on_the_article_page_with_its_cover_as_poster(wp: Site):
    # Given an approved article that goes with the draft video (the published copy) and its cover frame
    from kabar_local import samples

    key = uuid.uuid4().hex[:8]
    video, cover = samples.video(), PHOTOS[2]
    post = make_post(wp, photos=1, video_url=wp.host(f"video-{key}.mp4", video),
                     video_cover_url=wp.host(f"cover-{key}.jpg", cover))
    # When it is published, and delivered again
    published = site(wp).publish(post)
    assert site(wp).publish(post).remote_id == published.remote_id
    # Then the video and its cover are in the media library once, attached to the post
    (stored,) = online_with(wp, post)
    media = wp.rest("GET", "/wp/v2/media", params={"parent": stored["id"], "context": "edit"}).json()
    videos = [m for m in media if m["mime_type"] == "video/mp4"]
    assert len(media) == 3 and len(videos) == 1
    assert requests.get(videos[0]["source_url"], timeout=30).content == video
    (poster,) = [m for m in media if m["slug"].endswith("-video-cover")]
    assert requests.get(poster["source_url"], timeout=30).content == cover
    # and the article page plays the video with the cover as its poster
    shown = html.unescape(page(published.url))
    found = re.search(r"<video [^>]*>", shown)
    assert found and f'poster="{poster["source_url"]}"' in found.group(0)
    assert f'src="{videos[0]["source_url"]}"' in found.group(0) and "controls" in found.group(0)
