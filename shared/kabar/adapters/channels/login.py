"""The providers' side of connecting a channel by logging in: Facebook Login and Google OAuth.

Server-to-server calls only (the browser never sees a token): exchanging the code the provider sent
back for a token, Meta's long-lived user token, the Pages a person manages, subscribing the app to a
Page's webhooks, and the YouTube channels of a Google account. Every call goes through the channels'
redirect rule (``http.send``): an app secret or a token never follows a redirect to another origin.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from ...domain.text import t
from .errors import ChannelPermanentError
from .http import send

#: Page fields read from ``/me/accounts``: the token, what the person may do, and the linked Instagram account
ACCOUNT_FIELDS = "id,name,access_token,tasks,instagram_business_account{id,username}"
#: the Page's webhook fields Kabar receives (comments, messages, and the Page's own answers)
SUBSCRIBED_FIELDS = "feed,messages,message_echoes"


class LoginFailed(ChannelPermanentError):
    """The provider refused an exchange; ``explanation`` says so in both languages."""


def _request(url: str, data: bytes | None = None, method: str = "GET",
             headers: dict[str, str] | None = None) -> urllib.request.Request:
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"not an http(s) address: {url[:60]}")
    return urllib.request.Request(url, data=data, method=method, headers=headers or {})  # noqa: S310 - http(s) only


def _call(request: urllib.request.Request, timeout: float, provider: str) -> Any:
    try:
        with send(request, timeout) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as err:
        try:
            body = json.loads(err.read() or b"{}")
        except ValueError:
            body = {}
        error = body.get("error")
        message = (error.get("message") if isinstance(error, dict) else body.get("error_description") or error) or ""
        raise LoginFailed(t(f"{provider} menolak permintaan Kabar: {str(message)[:200]}",
                            f"{provider} refused Kabar's request: {str(message)[:200]}"),
                          f"[{provider}: HTTP {err.code}]") from None
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as err:
        raise LoginFailed(t(f"{provider} tidak dapat dihubungi; coba lagi sebentar lagi.",
                            f"{provider} could not be reached; try again in a moment."),
                          f"[{provider}: {type(err).__name__}]") from None


class MetaLogin:
    """Facebook Login's server side on graph.facebook.com (``ports``-style: ``usecases.workspace_connect.MetaApi``)."""

    def __init__(self, graph_base_url: str, version: str, app_id: str, app_secret: str, timeout: float = 20) -> None:
        self.base = f"{graph_base_url.rstrip('/')}/{version}"
        self.app_id = app_id
        self._app_secret = app_secret
        self.timeout = timeout

    def _get(self, path: str, query: dict[str, str]) -> Any:
        url = f"{self.base}/{path}?{urllib.parse.urlencode(query)}"
        return _call(_request(url, headers={"Accept": "application/json"}), self.timeout, "Facebook")

    def exchange_code(self, code: str, redirect_uri: str) -> str:
        """The short-lived user token for the code Facebook Login sent back."""
        answer = self._get("oauth/access_token", {"client_id": self.app_id, "client_secret": self._app_secret,
                                                  "redirect_uri": redirect_uri, "code": code})
        return str(answer["access_token"])

    def long_lived(self, user_token: str) -> str:
        """About 60 days instead of 2 hours; the Page tokens it lists do not expire by time."""
        answer = self._get("oauth/access_token", {"grant_type": "fb_exchange_token", "client_id": self.app_id,
                                                  "client_secret": self._app_secret,
                                                  "fb_exchange_token": user_token})
        return str(answer["access_token"])

    def pages(self, user_token: str) -> list[dict[str, Any]]:
        """The Pages the person manages, each with its Page token and linked Instagram business account."""
        out: list[dict[str, Any]] = []
        query = {"fields": ACCOUNT_FIELDS, "limit": "100", "access_token": user_token}
        answer = self._get("me/accounts", query)
        out.extend(p for p in answer.get("data", []) if isinstance(p, dict))
        return out

    def subscribe(self, page_id: str, page_token: str) -> None:
        """Install the app on the Page's webhooks (comments, messages)."""
        form = urllib.parse.urlencode({"subscribed_fields": SUBSCRIBED_FIELDS, "access_token": page_token}).encode()
        request = _request(f"{self.base}/{urllib.parse.quote(page_id)}/subscribed_apps", data=form, method="POST",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        answer = _call(request, self.timeout, "Facebook")
        if not answer.get("success"):
            raise LoginFailed(t("Facebook tidak memasang webhook Kabar di Halaman ini.",
                                "Facebook did not subscribe Kabar to this Page's webhooks."))


class GoogleLogin:
    """Google OAuth's token endpoint and the YouTube channels of the account that consented."""

    def __init__(self, token_url: str, api_base_url: str, client_id: str, client_secret: str,
                 timeout: float = 20) -> None:
        self.token_url = token_url
        self.api_base_url = api_base_url.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self.timeout = timeout

    def exchange_code(self, code: str, redirect_uri: str) -> dict[str, Any]:
        """``access_token``, ``refresh_token`` (offline access) and the granted ``scope``."""
        form = urllib.parse.urlencode({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                                       "client_id": self.client_id,
                                       "client_secret": self._client_secret}).encode()
        request = _request(self.token_url, data=form, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
        return dict(_call(request, self.timeout, "Google"))

    def channels(self, access_token: str) -> list[dict[str, Any]]:
        """The account's YouTube channels: ``id`` and ``snippet.title``."""
        url = f"{self.api_base_url}/youtube/v3/channels?part=snippet&mine=true"
        request = _request(url, headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"})
        answer = _call(request, self.timeout, "YouTube")
        return [c for c in answer.get("items", []) if isinstance(c, dict)]
