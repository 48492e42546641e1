"""The providers' side of connecting (adapters/channels/login.py) against the local login fakes over HTTP,
and the rule that an app secret or a token never follows a redirect to another origin."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from werkzeug.wrappers import Request, Response

from kabar.adapters.channels.http import RedirectRefused
from kabar.adapters.channels.login import GoogleLogin, LoginFailed, MetaLogin
from kabar_local.fakes.login import GOOGLE_CLIENT, META_APP, FacebookPage, FakeGoogleLogin, FakeMetaLogin
from tests.serving import serve


@pytest.fixture
def elsewhere() -> Iterator[tuple[str, list[str]]]:
    """Another origin that records whatever reaches it."""
    seen: list[str] = []

    @Request.application
    def app(request: Request) -> Response:
        seen.append(request.url + " " + request.get_data(as_text=True))
        return Response('{"access_token": "stolen"}', mimetype="application/json")

    url, stop = serve(app)
    yield url, seen
    stop()


def test_facebook_login_code_long_lived_token_pages_and_webhook_subscription() -> None:
    fake = FakeMetaLogin(redirect_prefix="https://kabar.example.id/app/oauth/")
    fake.add_person("Admin", [FacebookPage("111", "Kalurahan", "page-token-111", instagram=("1784", "desa"))])
    url, stop = serve(fake.graph_app)
    try:
        # the dialog's code, as the browser would bring it back
        code = "c0de"
        fake._codes[code] = (0, "https://kabar.example.id/app/oauth/facebook")  # noqa: SLF001
        meta = MetaLogin(url, "v24.0", *META_APP)
        short = meta.exchange_code(code, "https://kabar.example.id/app/oauth/facebook")
        with pytest.raises(LoginFailed):  # a code is used once
            meta.exchange_code(code, "https://kabar.example.id/app/oauth/facebook")
        long = meta.long_lived(short)
        (page,) = meta.pages(long)
        assert page["access_token"] == "page-token-111"
        assert page["instagram_business_account"] == {"id": "1784", "username": "desa"}
        meta.subscribe("111", "page-token-111")
        assert set(fake.subscriptions["111"].split(",")) >= {"feed", "messages"}
        with pytest.raises(LoginFailed):  # a wrong app secret is refused
            MetaLogin(url, "v24.0", META_APP[0], "wrong").long_lived(short)
    finally:
        stop()


def test_no_secret_or_token_follows_a_redirect_to_another_origin(elsewhere) -> None:
    other, seen = elsewhere

    @Request.application
    def redirecting(request: Request) -> Response:
        return Response("", status=307, headers={"Location": f"{other}/steal?{request.query_string.decode()}"})

    url, stop = serve(redirecting)
    try:
        with pytest.raises(RedirectRefused):
            MetaLogin(url, "v24.0", *META_APP).exchange_code("code", "https://k/app/oauth/facebook")
        with pytest.raises(RedirectRefused):
            MetaLogin(url, "v24.0", *META_APP).subscribe("111", "page-token")
        with pytest.raises(RedirectRefused):
            GoogleLogin(f"{url}/token", url, *GOOGLE_CLIENT).exchange_code("code", "https://k/app/oauth/google")
        with pytest.raises(RedirectRefused):
            GoogleLogin(f"{url}/token", url, *GOOGLE_CLIENT).channels("ya29.token")
    finally:
        stop()
    assert seen == []


def test_google_offline_access_gives_a_refresh_token_and_the_channels() -> None:
    holder: dict[str, str] = {}

    def app(environ, start_response):  # noqa: ANN001, ANN202
        return holder["fake"].app(environ, start_response)

    url, stop = serve(app)
    fake = FakeGoogleLogin(url, redirect_prefix="https://k/app/oauth/")
    holder["fake"] = fake
    account = fake.add_account("media@gmail.com", "UC123", "Kanal Desa")
    try:
        fake._codes["4/x"] = (0, "https://k/app/oauth/google", "https://www.googleapis.com/auth/youtube.upload")  # noqa: SLF001
        google = GoogleLogin(f"{url}/token", url, *GOOGLE_CLIENT)
        answer = google.exchange_code("4/x", "https://k/app/oauth/google")
        assert answer["refresh_token"] == account.youtube.client[2]
        assert google.channels(answer["access_token"]) == [
            {"kind": "youtube#channel", "id": "UC123", "snippet": {"title": "Kanal Desa", "customUrl": "@uc123"}}]
        with pytest.raises(LoginFailed):
            google.exchange_code("4/x", "https://k/app/oauth/google")  # used
    finally:
        stop()
