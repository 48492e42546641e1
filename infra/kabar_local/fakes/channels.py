"""The local stack's channel fakes behind its gateway, one set per stack.

``/graph`` serves both Meta fakes as graph.facebook.com serves both APIs: a request about a node the
Instagram fake knows (an IG user, a container, a media) goes to it, any other to the Facebook Graph
fake. ``/wordpress/<village>`` is each village's WordPress site and ``/youtube/<village>`` its YouTube
account (with Google's token endpoint at ``/youtube/<village>/token``). ``secret_for`` gives the
secret a configured channel reads, pointing at these fakes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wrappers import Response

from .graph import FakeGraph
from .instagram import FakeInstagram
from .login import FacebookPage, FakeGoogleLogin, FakeMetaLogin
from .wordpress import FakeWordPress
from .youtube import FakeYouTube

VERSION_RE = re.compile(r"^v\d+\.\d+$")
WP_USER = "kabar"
WP_PASSWORD = "local wpap pass word 0001"  # noqa: S105 - the local fake's application password
YT_CLIENT = ("local-client-id", "local-client-secret")


def page_token(village_id: str) -> str:
    return f"local-token-{village_id}"


def ig_user_id(village: Any, channel: Any) -> str:
    """The channel's ``ig_user_id``, or a stable one made from the village id."""
    given = (channel.model_extra or {}).get("ig_user_id")
    if given:
        return str(given)
    return "17841" + str(int(hashlib.sha256(village.id.encode()).hexdigest()[:12], 16))[:10].rjust(10, "0")


def local_secret(base_url: str, village: Any, channel: Any) -> dict[str, str]:
    """What a configured channel's secret holds on the local stack (pointing at these fakes)."""
    base_url = base_url.rstrip("/")
    if channel.type == "wordpress":
        return {"username": WP_USER, "application_password": WP_PASSWORD,
                "base_url": f"{base_url}/wordpress/{village.id}"}
    if channel.type == "youtube":
        api = f"{base_url}/youtube/{village.id}"
        return {"client_id": YT_CLIENT[0], "client_secret": YT_CLIENT[1],
                "refresh_token": f"local-refresh-{village.id}", "api_base_url": api, "token_url": f"{api}/token"}
    secret = {"page_access_token": page_token(village.id)}
    if channel.type == "instagram":
        secret["ig_user_id"] = ig_user_id(village, channel)
    return secret


def seed_credential(village_id: str, name: str, value: dict[str, str], replace: bool = True) -> bool:
    """Store a channel credential pointing at these fakes, sealed in the table as a connected one is
    (``replace=False``: only when the village has none of that name). True when written."""
    from kabar.adapters.credentials import TableCredentials
    from kabar.config import settings
    from kabar.domain.clock import now

    store = TableCredentials(settings().table, settings().credentials_key)
    if not replace and store.describe(village_id).get(name) is not None:
        return False
    store.put(village_id, name, value, {"account": "lokal (local fake)"}, "local", now())
    return True


class LocalChannels:
    def __init__(self, graph: FakeGraph, base_url: str) -> None:
        self.graph = graph
        self.base_url = base_url.rstrip("/")
        self.instagram = FakeInstagram(polls_in_progress=0)  # a local run need not wait for "processing"
        self.wordpress: dict[str, FakeWordPress] = {}
        self.youtube: dict[str, FakeYouTube] = {}
        # Connecting by logging in: Facebook Login's dialog and Google's consent, back to the workspace
        self.meta_login = FakeMetaLogin(redirect_prefix=f"{self.base_url}/app/oauth/")
        self.google_login = FakeGoogleLogin(f"{self.base_url}/google", redirect_prefix=f"{self.base_url}/app/oauth/")
        self._login_people: set[str] = set()

    def mounts(self) -> dict[str, Callable[..., Iterable[bytes]]]:
        return {"/graph": self._graph_app, "/feed": self.graph.feed_app, "/wordpress": self._wordpress_app,
                "/youtube": self._youtube_app, "/facebook": self.meta_login.dialog_app,
                "/google": self.google_login.app}

    # -- villages -----------------------------------------------------------------------------------

    def register(self, village: Any, channels: list[Any]) -> None:
        token = page_token(village.id)
        self._register_login(village, channels)
        for channel in channels:
            if channel.type == "facebook" and channel.page_id:
                self.graph.add_page(channel.page_id, token, village.name)
            elif channel.type == "instagram":
                self.instagram.add_user(ig_user_id(village, channel), token, username=village.id)
                if not any(c.type == "facebook" for c in channels):
                    self.graph.set_token_expiry(token, None)  # known to debug_token, never ending
            elif channel.type == "wordpress" and village.id not in self.wordpress:
                site = FakeWordPress(WP_USER, WP_PASSWORD)
                site.base_url = f"{self.base_url}/wordpress/{village.id}"
                self.wordpress[village.id] = site
            elif channel.type == "youtube" and village.id not in self.youtube:
                account = FakeYouTube(*YT_CLIENT, f"local-refresh-{village.id}")
                account.base_url = f"{self.base_url}/youtube/{village.id}"
                self.youtube[village.id] = account

    def _register_login(self, village: Any, channels: list[Any]) -> None:
        """The village's admin at the login fakes: on Facebook, managing the village's Page (with its
        Instagram business account) and one other Page; on Google, the village's YouTube channel."""
        if village.id in self._login_people:
            return
        self._login_people.add(village.id)
        token = page_token(village.id)
        digits = str(int(hashlib.sha256(village.id.encode()).hexdigest()[:12], 16))[:10].rjust(10, "0")
        page_id = next((c.page_id for c in channels if c.type == "facebook" and c.page_id), None) or f"10{digits}"
        ig = next((c for c in channels if c.type == "instagram"), None)
        ig_id = ig_user_id(village, ig) if ig is not None else "17841" + digits
        self.graph.add_page(page_id, token, village.name)
        self.instagram.add_user(ig_id, token, username=village.id)
        other = f"20{digits}"
        self.graph.add_page(other, f"local-token-other-{village.id}", f"Karang Taruna {village.name}")
        self.meta_login.add_person(f"Admin {village.name}", [
            FacebookPage(page_id, village.name, token, instagram=(ig_id, village.id.replace("-", "_"))),
            FacebookPage(other, f"Karang Taruna {village.name}", f"local-token-other-{village.id}")])
        self.google_login.add_account(f"media.{village.id}@gmail.com", f"UC{digits}local", f"Kanal {village.name}")

    # -- routing ------------------------------------------------------------------------------------

    def _graph_app(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        parts = [part for part in environ.get("PATH_INFO", "").split("/") if part]
        if parts and parts[0] == "graph":
            parts = parts[1:]
        if parts and VERSION_RE.match(parts[0]):
            parts = parts[1:]
        if parts and self.meta_login.owns(parts, environ.get("REQUEST_METHOD", "GET")):
            return self.meta_login.graph_app(environ, start_response)
        if parts and self.instagram.owns(parts[0]):
            return self.instagram.api_app(environ, start_response)
        return self.graph.api_app(environ, start_response)

    def _wordpress_app(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        return _per_village(self.wordpress, environ, start_response)

    def _youtube_app(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        return _per_village(self.youtube, environ, start_response)


def _per_village(fakes: dict[str, Any], environ: dict, start_response: Callable) -> Iterable[bytes]:
    village, _, rest = environ.get("PATH_INFO", "").lstrip("/").partition("/")
    fake = fakes.get(village)
    if fake is None:
        body = json.dumps({"code": "rest_no_route", "message": "No such local site or account."})
        return Response(body, status=404, content_type="application/json")(environ, start_response)
    environ = {**environ, "SCRIPT_NAME": f"{environ.get('SCRIPT_NAME', '')}/{village}", "PATH_INFO": f"/{rest}"}
    return fake.app(environ, start_response)
