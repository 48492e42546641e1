"""Local fakes of Facebook Login and Google OAuth, speaking the real endpoints' shapes, so that connecting
a channel runs in a browser against the local stack.

Facebook (``FakeMetaLogin``):
- ``GET /facebook/vNN.0/dialog/oauth?client_id&redirect_uri&state&scope&response_type=code``: the login
  and consent page (one button per person the fake knows, and "Batal"); the chosen button sends the
  browser to ``redirect_uri`` with ``code`` and ``state`` (or ``error=access_denied``);
- on the Graph host: ``GET /oauth/access_token`` with ``code`` (a short-lived user token) or with
  ``grant_type=fb_exchange_token`` (a long-lived one), ``GET /me/accounts`` (the person's Pages with
  their Page tokens, tasks and linked ``instagram_business_account``), ``POST /{page}/subscribed_apps``.
  The app secret, the redirect address (exactly the one the dialog saw) and each code's single use are
  checked, as Meta does.

Google (``FakeGoogleLogin``): ``GET /o/oauth2/v2/auth`` (an account chooser, then consent), ``POST
/token`` (``authorization_code``: access and refresh token with the granted ``scope``;
``refresh_token``: handed to that account's YouTube fake), ``GET /youtube/v3/channels?mine=true``;
every other YouTube request goes to the YouTube fake of the account whose token it carries.

Each keeps a request log (tokens redacted) for the tests.
"""

from __future__ import annotations

import html
import json
import secrets
import threading
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request, Response

from .youtube import FakeYouTube

META_APP = ("local-meta-app-id", "local-meta-app-secret")
GOOGLE_CLIENT = ("local-google-client-id", "local-google-client-secret")
YOUTUBE_UPLOAD = "https://www.googleapis.com/auth/youtube.upload"


def _page(title: str, body: str) -> Response:
    doc = ("<!doctype html><html lang=id><meta charset=utf-8><meta name=viewport content='width=device-width'>"
           f"<title>{html.escape(title)}</title><body style='font-family:sans-serif;max-width:36em;margin:2em auto;"
           f"padding:0 1em'>{body}</body></html>")
    return Response(doc, mimetype="text/html", headers={"Cache-Control": "no-store"})


def _json(value: Any, status: int = 200) -> Response:
    return Response(json.dumps(value), status=status, mimetype="application/json")


def _graph_error(message: str, code: int = 100, status: int = 400, type_: str = "OAuthException") -> Response:
    return _json({"error": {"message": message, "type": type_, "code": code,
                            "fbtrace_id": secrets.token_urlsafe(9)}}, status)


def _with_query(url: str, values: dict[str, str]) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urllib.parse.urlencode(values)}"


@dataclass
class FacebookPage:
    id: str
    name: str
    token: str
    tasks: tuple[str, ...] = ("ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE")
    instagram: tuple[str, str] | None = None  # (ig user id, username)


@dataclass
class FacebookPerson:
    name: str
    pages: list[FacebookPage] = field(default_factory=list)


class FakeMetaLogin:
    def __init__(self, app: tuple[str, str] = META_APP, redirect_prefix: str = "") -> None:
        self.app_id, self.app_secret = app
        #: redirect addresses Meta would accept (the app's "Valid OAuth Redirect URIs"): this prefix
        self.redirect_prefix = redirect_prefix
        self.people: list[FacebookPerson] = []
        self.subscriptions: dict[str, str] = {}  # page id -> subscribed fields
        self._codes: dict[str, tuple[int, str]] = {}  # code -> (person index, redirect_uri)
        self._tokens: dict[str, tuple[int, bool]] = {}  # user token -> (person index, long-lived)
        self._lock = threading.Lock()
        self.log: list[dict[str, Any]] = []

    def add_person(self, name: str, pages: list[FacebookPage]) -> FacebookPerson:
        person = FacebookPerson(name, list(pages))
        with self._lock:
            self.people.append(person)
        return person

    def _record(self, request: Request, what: str) -> None:
        values = {k: ("***" if "token" in k or "secret" in k or k == "code" else v)
                  for k, v in {**request.args, **request.form}.items()}
        with self._lock:
            self.log.append({"what": what, "method": request.method, "values": values})

    # -- the dialog (www.facebook.com) -----------------------------------------------------------------

    def dialog_app(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        request = Request(environ)
        path = request.path.rstrip("/")
        if not path.endswith("/dialog/oauth"):
            return _page("Facebook", "<p>Tidak ada halaman ini.</p>")(environ, start_response)
        return self._dialog(request)(environ, start_response)

    def _dialog(self, request: Request) -> Response:
        values = request.args if request.method == "GET" else request.form
        self._record(request, "dialog")
        client_id, redirect_uri = values.get("client_id", ""), values.get("redirect_uri", "")
        state = values.get("state", "")
        if client_id != self.app_id:
            return _page("Facebook", "<h1>Aplikasi tidak dikenal</h1><p>Invalid App ID.</p>")
        if not redirect_uri.startswith(self.redirect_prefix) or not redirect_uri:
            return _page("Facebook", "<h1>URL Blocked</h1><p>This redirect failed because the redirect URI is not "
                                     "whitelisted in the app's Client OAuth Settings.</p>")
        if request.method == "POST":
            choice = values.get("person", "")
            if choice == "cancel" or not choice.isdigit() or int(choice) >= len(self.people):
                back = _with_query(redirect_uri, {"error": "access_denied", "error_code": "200",
                                                  "error_reason": "user_denied",
                                                  "error_description": "Permissions error", "state": state})
                return Response("", status=302, headers={"Location": back})
            code = secrets.token_urlsafe(24)
            with self._lock:
                self._codes[code] = (int(choice), redirect_uri)
            return Response("", status=302, headers={"Location": _with_query(redirect_uri, {"code": code,
                                                                                            "state": state})})
        scopes = ", ".join(html.escape(s) for s in values.get("scope", "").split(",") if s)
        hidden = "".join(f"<input type=hidden name='{html.escape(k)}' value='{html.escape(v)}'>"
                         for k, v in values.items())
        buttons = "".join(
            f"<p><button name=person value='{i}' data-person='{html.escape(p.name)}' style='padding:.8em'>"
            f"Lanjutkan sebagai {html.escape(p.name)}</button></p>" for i, p in enumerate(self.people))
        return _page("Masuk dengan Facebook",
                     f"<h1>Facebook (lokal)</h1><p>Kabar meminta izin: {scopes}</p>"
                     f"<form method=post>{hidden}{buttons}<p><button name=person value=cancel id=cancel>Batal"
                     f"</button></p></form>")

    # -- the Graph side ---------------------------------------------------------------------------------

    def owns(self, parts: list[str], method: str) -> bool:
        """Whether a Graph request (its path after the version) is this fake's."""
        return (parts[:1] == ["oauth"] or parts[:2] == ["me", "accounts"]
                or (len(parts) == 2 and parts[1] == "subscribed_apps"))

    def graph_app(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        request = Request(environ)
        parts = [p for p in request.path.split("/") if p]
        while parts and not self.owns(parts, request.method):
            parts = parts[1:]
        return self._graph(request, parts)(environ, start_response)

    def _graph(self, request: Request, parts: list[str]) -> Response:
        values = {**request.args, **request.form}
        if parts[:2] == ["oauth", "access_token"]:
            self._record(request, "access_token")
            if values.get("client_id") != self.app_id or values.get("client_secret") != self.app_secret:
                return _graph_error("Error validating client secret.", 1)
            if values.get("grant_type") == "fb_exchange_token":
                with self._lock:
                    held = self._tokens.get(values.get("fb_exchange_token", ""))
                if held is None:
                    return _graph_error("Invalid OAuth access token.", 190)
                token = f"EAAL{secrets.token_urlsafe(30)}"
                with self._lock:
                    self._tokens[token] = (held[0], True)
                return _json({"access_token": token, "token_type": "bearer", "expires_in": 5183944})
            with self._lock:
                held_code = self._codes.pop(values.get("code", ""), None)
            if held_code is None:
                return _graph_error("This authorization code has been used.", 100, type_="OAuthException")
            if held_code[1] != values.get("redirect_uri"):
                return _graph_error("Error validating verification code. Please make sure your redirect_uri is "
                                    "identical to the one you used in the OAuth dialog request", 100)
            token = f"EAAS{secrets.token_urlsafe(30)}"
            with self._lock:
                self._tokens[token] = (held_code[0], False)
            return _json({"access_token": token, "token_type": "bearer", "expires_in": 5400})
        if parts[:2] == ["me", "accounts"]:
            self._record(request, "me/accounts")
            with self._lock:
                held = self._tokens.get(values.get("access_token", "") or _bearer(request))
            if held is None:
                return _graph_error("Invalid OAuth access token.", 190)
            person = self.people[held[0]]
            data = []
            for page in person.pages:
                entry: dict[str, Any] = {"id": page.id, "name": page.name, "access_token": page.token,
                                         "category": "Government Organization", "tasks": list(page.tasks)}
                if page.instagram:
                    entry["instagram_business_account"] = {"id": page.instagram[0], "username": page.instagram[1]}
                data.append(entry)
            return _json({"data": data, "paging": {"cursors": {"before": "QVFI", "after": "QVFI"}}})
        if len(parts) == 2 and parts[1] == "subscribed_apps":
            self._record(request, "subscribed_apps")
            found = next((p for person in self.people for p in person.pages if p.id == parts[0]), None)
            token = values.get("access_token", "") or _bearer(request)
            if found is None or token != found.token:
                return _graph_error("(#210) A page access token is required to request this resource.", 210)
            if request.method == "POST":
                with self._lock:
                    self.subscriptions[found.id] = values.get("subscribed_fields", "")
                return _json({"success": True})
            fields = self.subscriptions.get(found.id)
            return _json({"data": [{"name": "Kabar", "id": self.app_id,
                                    "subscribed_fields": fields.split(",")}] if fields else []})
        return _graph_error("Unsupported request.", 100)


def _bearer(request: Request) -> str:
    header = request.headers.get("Authorization", "")
    return header.split(" ", 1)[1] if header.lower().startswith(("bearer ", "oauth ")) else ""


@dataclass
class GoogleAccount:
    email: str
    channel_id: str
    title: str
    youtube: FakeYouTube


class FakeGoogleLogin:
    def __init__(self, base_url: str, client: tuple[str, str] = GOOGLE_CLIENT, redirect_prefix: str = "") -> None:
        self.base_url = base_url.rstrip("/")  # where this fake is mounted (``.../google``)
        self.client_id, self.client_secret = client
        self.redirect_prefix = redirect_prefix
        self.accounts: list[GoogleAccount] = []
        self._codes: dict[str, tuple[int, str, str]] = {}  # code -> (account, redirect_uri, scope)
        self._lock = threading.Lock()
        self.log: list[dict[str, Any]] = []

    def add_account(self, email: str, channel_id: str, title: str) -> GoogleAccount:
        youtube = FakeYouTube(self.client_id, self.client_secret, f"1//local-refresh-{secrets.token_urlsafe(12)}")
        youtube.base_url = self.base_url
        account = GoogleAccount(email, channel_id, title, youtube)
        with self._lock:
            self.accounts.append(account)
        return account

    def app(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        request = Request(environ)
        path = request.path
        mount = environ.get("SCRIPT_NAME", "")
        rest = path[len(mount):] if mount and path.startswith(mount) else path
        rest = rest.removeprefix("/google")
        with self._lock:
            self.log.append({"method": request.method, "path": rest,
                             "values": {k: ("***" if k in ("code", "client_secret", "refresh_token") else v)
                                        for k, v in {**request.args, **request.form}.items()}})
        if rest.rstrip("/") == "/o/oauth2/v2/auth":
            return self._consent(request)(environ, start_response)
        if rest == "/token" and request.method == "POST":
            return self._token(request, environ, start_response)
        account = self._account_of(request, rest)
        if account is None:
            return _json({"error": {"code": 401, "message": "Request had invalid authentication credentials.",
                                    "status": "UNAUTHENTICATED"}}, 401)(environ, start_response)
        if rest.startswith("/youtube/v3/channels"):
            return _json({"kind": "youtube#channelListResponse", "items": [
                {"kind": "youtube#channel", "id": account.channel_id,
                 "snippet": {"title": account.title, "customUrl": f"@{account.channel_id.lower()}"}}]}
            )(environ, start_response)
        inner = {**environ, "SCRIPT_NAME": mount, "PATH_INFO": rest}
        return account.youtube.app(inner, start_response)

    def _account_of(self, request: Request, rest: str) -> GoogleAccount | None:
        token = _bearer(request)
        for account in self.accounts:
            if token and token in account.youtube._tokens:  # noqa: SLF001 - the fake's own bookkeeping
                return account
        if rest.startswith("/upload/session/"):
            session = rest.rsplit("/", 1)[-1]
            return next((a for a in self.accounts if session in a.youtube._sessions), None)  # noqa: SLF001
        return None

    def _consent(self, request: Request) -> Response:
        values = request.args if request.method == "GET" else request.form
        redirect_uri, state = values.get("redirect_uri", ""), values.get("state", "")
        if values.get("client_id") != self.client_id:
            return _page("Google", "<h1>Error 401: invalid_client</h1><p>The OAuth client was not found.</p>")
        if not redirect_uri or not redirect_uri.startswith(self.redirect_prefix):
            return _page("Google", "<h1>Error 400: redirect_uri_mismatch</h1>")
        if request.method == "POST":
            choice = values.get("account", "")
            if choice == "cancel" or not choice.isdigit() or int(choice) >= len(self.accounts):
                return Response("", status=302, headers={"Location": _with_query(redirect_uri, {
                    "error": "access_denied", "state": state})})
            code = f"4/{secrets.token_urlsafe(24)}"
            scope = values.get("scope", "")
            with self._lock:
                self._codes[code] = (int(choice), redirect_uri, scope)
            return Response("", status=302, headers={"Location": _with_query(redirect_uri, {
                "code": code, "scope": scope, "state": state})})
        hidden = "".join(f"<input type=hidden name='{html.escape(k)}' value='{html.escape(v)}'>"
                         for k, v in values.items())
        buttons = "".join(f"<p><button name=account value='{i}' data-account='{html.escape(a.email)}' "
                          f"style='padding:.8em'>{html.escape(a.email)} ({html.escape(a.title)})</button></p>"
                          for i, a in enumerate(self.accounts))
        return _page("Login dengan Google", f"<h1>Google (lokal)</h1><p>Pilih akun untuk Kabar. Izin: "
                                             f"{html.escape(values.get('scope', ''))}; akses offline: "
                                             f"{html.escape(values.get('access_type', 'online'))}</p>"
                                             f"<form method=post>{hidden}{buttons}<p><button name=account "
                                             f"value=cancel id=cancel>Batal</button></p></form>")

    def _token(self, request: Request, environ: dict, start_response: Callable) -> Iterable[bytes]:
        form = request.form
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return _json({"error": "invalid_client", "error_description": "Unauthorized"}, 401)(environ,
                                                                                                 start_response)
        if form.get("grant_type") == "authorization_code":
            with self._lock:
                held = self._codes.pop(form.get("code", ""), None)
            if held is None or held[1] != form.get("redirect_uri"):
                return _json({"error": "invalid_grant", "error_description": "Bad Request"}, 400)(environ,
                                                                                                 start_response)
            account = self.accounts[held[0]]
            access = self._issue(account)
            return _json({"access_token": access, "expires_in": 3599, "token_type": "Bearer", "scope": held[2],
                          "refresh_token": account.youtube.client[2]})(environ, start_response)
        refresh = form.get("refresh_token", "")
        holder = next((a for a in self.accounts if a.youtube.client[2] == refresh), None)
        if form.get("grant_type") != "refresh_token" or holder is None or holder.youtube.revoked:
            return _json({"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
                         400)(environ, start_response)
        return _json({"access_token": self._issue(holder), "expires_in": 3599, "token_type": "Bearer",
                      "scope": YOUTUBE_UPLOAD})(environ, start_response)

    @staticmethod
    def _issue(account: GoogleAccount) -> str:
        """An access token the account's YouTube fake accepts."""
        access = f"ya29.{secrets.token_urlsafe(30)}"
        with account.youtube._lock:  # noqa: SLF001 - the fake's own bookkeeping
            account.youtube._tokens.add(access)  # noqa: SLF001
        return access
