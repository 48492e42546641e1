"""The channels' one redirect rule (``kabar.adapters.channels.http``), per adapter kind: credentials never
reach another origin; the same host's https address is followed with the same method and body and the
admin is told; any other redirect is a permanent configuration error."""

from __future__ import annotations

import io
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import Message

import pytest
from werkzeug.wrappers import Request, Response

from kabar.adapters.channels import http
from kabar.adapters.channels.facebook import FacebookPage
from kabar.adapters.channels.http import RedirectRefused, is_https_upgrade, send
from kabar.adapters.channels.wordpress import WordPressSite
from kabar.adapters.channels.youtube import YouTubeChannel
from kabar.ports import PermanentChannelError
from tests.serving import serve

from .test_youtube import CLIENT, VIDEO, MemoryMedia


class Recorder:
    """An HTTP server that records what reaches it; ``redirect_to`` makes it answer every request with a
    redirect there."""

    def __init__(self, status: int = 301) -> None:
        self.requests: list[dict] = []
        self.redirect_to: str | None = None
        self.status = status
        self.url, self.stop = serve(self.app)

    @Request.application
    def app(self, request: Request) -> Response:
        self.requests.append({"method": request.method, "path": request.full_path, "body": request.get_data(),
                              "authorization": request.headers.get("Authorization")})
        if self.redirect_to:
            return Response("", status=self.status, headers={"Location": f"{self.redirect_to}{request.full_path}"})
        return Response("{}", content_type="application/json")


@pytest.fixture(params=[301, 302, 307, 308])
def hosts(request) -> Iterator[tuple[Recorder, Recorder]]:
    elsewhere = Recorder()
    configured = Recorder(request.param)
    configured.redirect_to = elsewhere.url
    yield configured, elsewhere
    configured.stop()
    elsewhere.stop()


def test_wordpress_never_follows_a_redirect_to_another_origin(hosts, make_post):
    configured, elsewhere = hosts
    site = WordPressSite(configured.url, "admin-desa", "abcd efgh ijkl mnop qrst uvwx")
    with pytest.raises(PermanentChannelError) as caught:
        site.publish(make_post())
    assert isinstance(caught.value, RedirectRefused)
    assert "dialihkan ke alamat lain" in str(caught.value) and elsewhere.url in str(caught.value)
    assert configured.requests and configured.requests[0]["authorization"].startswith("Basic ")
    assert elsewhere.requests == []  # the credentials went nowhere else


def test_facebook_never_follows_a_redirect_to_another_origin(hosts, make_post):
    configured, elsewhere = hosts
    page = FacebookPage("1234567890", "page-token-secret", configured.url)
    with pytest.raises(PermanentChannelError) as caught:
        page.publish(make_post(text="Kerja bakti", link="https://desa.id/r/desa/kerja-bakti?c=facebook"))
    assert isinstance(caught.value, RedirectRefused)
    assert configured.requests and elsewhere.requests == []


def test_youtube_never_follows_a_redirect_to_another_origin(hosts, make_post):
    configured, elsewhere = hosts
    # the token endpoint itself redirects: the client secret and refresh token stay here
    channel = YouTubeChannel(MemoryMedia({"desa/s1/video.mp4": VIDEO}), *CLIENT, api_base_url=configured.url,
                             token_url=f"{configured.url}/token", secret_name="kabar/desa/youtube")
    with pytest.raises(PermanentChannelError) as caught:
        channel.publish(make_post(video_key="desa/s1/video.mp4"))
    assert isinstance(caught.value, RedirectRefused)
    assert configured.requests and elsewhere.requests == []
    # and an API call with a token already in hand does not carry it elsewhere either
    channel._access_token = "ya29.token"
    with pytest.raises(RedirectRefused):
        channel.publish(make_post(video_key="desa/s1/video.mp4"))
    assert elsewhere.requests == []


def test_a_redirect_to_the_same_host_on_another_path_is_refused_too(make_post):
    same = Recorder()
    same.redirect_to = same.url + "/elsewhere"
    try:
        with pytest.raises(RedirectRefused):
            send(urllib.request.Request(f"{same.url}/wp-json/wp/v2/posts", data=b"{}", method="POST",
                                        headers={"Authorization": "Basic eA=="}), 5)
        assert len(same.requests) == 1
    finally:
        same.stop()


def test_which_redirects_are_a_move_to_https():
    assert is_https_upgrade("http://desa.id/wp-json/wp/v2/posts?x=1", "https://desa.id/wp-json/wp/v2/posts?x=1")
    assert is_https_upgrade("http://desa.id:80/a", "https://desa.id:443/a")
    assert not is_https_upgrade("http://desa.id/a", "https://desa.id.evil.id/a")
    assert not is_https_upgrade("http://desa.id/a", "https://desa.id:8443/a")
    assert not is_https_upgrade("https://desa.id/a", "http://desa.id/a")
    assert not is_https_upgrade("http://desa.id/a", "https://desa.id/b")
    assert not is_https_upgrade("http://desa.id/a", "https://user@evil.id/a")


class _Answer(io.BytesIO):
    def __init__(self, body: bytes) -> None:
        super().__init__(body)
        self.headers = Message()
        self.headers["Content-Type"] = "application/json"
        self.status = 201


class MovedOpener:
    """An opener whose http address answers 301 to https (no TLS server needed), recording each request."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, bytes | None, str | None]] = []

    def open(self, request: urllib.request.Request, timeout: float):
        self.seen.append((request.get_method(), request.full_url, request.data, request.get_header("Authorization")))
        if request.full_url.startswith("http://"):
            headers = Message()
            headers["Location"] = request.full_url.replace("http://", "https://", 1)
            raise urllib.error.HTTPError(request.full_url, 301, "Moved Permanently", headers, io.BytesIO(b""))
        if "/wp/v2/posts" in request.full_url and request.get_method() == "GET":
            return _Answer(b"[]")
        if "/wp/v2/categories" in request.full_url and request.get_method() == "GET":
            return _Answer(b'[{"id": 9, "name": "Berita"}]')
        return _Answer(b'{"id": 55, "link": "https://desa.id/2026/11/kerja-bakti/", "status": "publish"}')


def test_a_move_to_https_is_followed_with_the_same_method_and_body_and_the_admin_is_told(monkeypatch, make_post):
    opener = MovedOpener()
    monkeypatch.setattr(http, "_opener", opener)
    site = WordPressSite("http://desa.id", "admin-desa", "abcd efgh ijkl mnop qrst uvwx")
    published = site.publish(make_post())
    assert published.remote_id == "55"
    # the first request went to http, was repeated on https with the same method and body, and every later
    # one went straight to https
    (method, first, _, _), (again_method, again, _, auth) = opener.seen[:2]
    assert first.startswith("http://desa.id/") and again == first.replace("http://", "https://", 1)
    assert method == again_method == "GET" and auth.startswith("Basic ")
    posts = [s for s in opener.seen if s[0] == "POST"]
    assert posts and all(url.startswith("https://desa.id/") for _, url, _, _ in posts)
    assert all(body for _, _, body, _ in posts)  # never a POST turned into a bodiless GET
    notice = str(site.notice)
    assert "https://desa.id" in notice and "pengaturan kanal" in notice


def test_a_post_that_meets_a_move_to_https_stays_a_post(monkeypatch):
    opener = MovedOpener()
    monkeypatch.setattr(http, "_opener", opener)
    moved = []
    request = urllib.request.Request("http://desa.id/wp-json/wp/v2/posts/5", data=b'{"status": "publish"}',
                                     method="POST", headers={"Authorization": "Basic eA=="})
    with send(request, 5, moved=lambda old, new: moved.append(new)) as answer:
        assert answer.status == 201
    assert opener.seen[1] == ("POST", "https://desa.id/wp-json/wp/v2/posts/5", b'{"status": "publish"}',
                              "Basic eA==")
    assert moved == ["https://desa.id/wp-json/wp/v2/posts/5"]
