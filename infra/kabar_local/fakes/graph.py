"""A local fake of the Facebook Graph API (Pages) and a feed page that shows what was posted.

``FakeGraph.api_app`` speaks the real request and response shapes of what the Facebook adapter
uses: ``POST /vNN.0/{page}/photos`` (fetching the given URL over HTTP, as Meta does), ``POST``/``GET
/vNN.0/{page}/feed``, ``GET /vNN.0/{node}``, ``POST /vNN.0/{page}/videos``,
``GET /vNN.0/debug_token?input_token=`` (a token's ``expires_at`` / ``data_access_expires_at``, ``0`` =
never; set with ``set_token_expiry``); tokens are checked; errors are Graph error bodies; every answer
carries the usage headers. Knobs inject faults, and a request log (tokens redacted) serves assertions.

``FakeGraph.feed_app`` is an HTML page (Bahasa Indonesia) showing each Page's posts like a social
feed, the photos served from the stored bytes, and ``posts.json``.

The local gateway mounts ``api_app`` under ``/graph`` and ``feed_app`` under ``/feed``; either app
also works unmounted, and either way of mounting (``SCRIPT_NAME`` set, or the prefix left in the
path) is understood. Thread-safe: one lock guards the state; remote fetches run outside it.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from werkzeug.wrappers import Request, Response

from kabar.domain.clock import MONTHS_ID, WIB

from .graph_inbox import InboxFakeMixin

VERSION_RE = re.compile(r"^v\d+\.\d+$")
ATTACHED_RE = re.compile(r"^attached_media\[(\d+)\]$")
URL_RE = re.compile(r"https?://[^\s<>\"']*[^\s<>\"'.,;:!?)]")  # a sentence's last stop is not the link's
TRANSIENT_CODES = frozenset({1, 2, 4, 17, 32, 341, 613, 80001})
DEFAULT_VERSION = "v24.0"

MESSAGES = {
    1: "An unknown error has occurred.",
    2: "An unexpected error has occurred. Please retry your request later.",
    4: "(#4) Application request limit reached",
    10: "(#10) Application does not have permission for this action",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    100: "(#100) Invalid parameter",
    190: "Error validating access token: The session has been invalidated because the user changed their "
         "password or Facebook has changed the session for security reasons.",
    200: "(#200) If posting to a page, requires both pages_read_engagement and pages_manage_posts as an admin "
         "with sufficient administrative permission",
    341: "(#341) Application limit reached",
    368: "(#368) The action attempted has been deemed abusive or is otherwise disallowed",
    506: "(#506) Duplicate status message",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    80001: "(#80001) There have been too many calls to this Page account. Wait a bit and try again.",
}

POST_FIELDS = ("id", "message", "created_time", "updated_time", "permalink_url", "full_picture", "from",
               "attachments")
PAGE_FIELDS = ("id", "name", "link", "followers_count")
ENGAGEMENT_FIELDS = ("reactions", "comments", "shares")


class GraphFault(Exception):
    """An answer in the Graph API's error shape."""

    def __init__(self, code: int, http_status: int = 400, subcode: int | None = None, message: str | None = None,
                 type_: str = "OAuthException") -> None:
        super().__init__(message or MESSAGES.get(code, f"(#{code}) Error"))
        self.code = code
        self.http_status = http_status
        self.subcode = subcode
        self.message = message or MESSAGES.get(code, f"(#{code}) Error")
        self.type = type_

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": self.type, "code": self.code,
                                 "is_transient": self.code in TRANSIENT_CODES,
                                 "fbtrace_id": secrets.token_urlsafe(9)}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        return {"error": error}


@dataclass
class _Page:
    id: str
    token: str
    name: str
    calls: list[float] = field(default_factory=list)


@dataclass
class _Media:
    id: str
    page_id: str
    kind: str  # "photo" | "video"
    data: bytes
    content_type: str
    created: datetime
    source_url: str | None
    published: bool
    description: str = ""
    post_id: str | None = None
    thumbnail: bytes | None = None  # a video's ``thumb`` (multipart file), as Meta shows it before playing


@dataclass
class _Post:
    id: str
    page_id: str
    message: str
    created: datetime
    media_ids: list[str]
    link: str | None = None


@dataclass
class _Fault:
    kind: str  # "fail" | "after_success" | "slow"
    times: int
    on: str | None
    method: str | None
    code: int = 1
    http_status: int = 500
    subcode: int | None = None
    message: str | None = None
    seconds: float = 0.0

    def matches(self, edge: str, method: str) -> bool:
        return (self.on is None or self.on == edge) and (self.method is None or self.method == method)


class FakeGraph(InboxFakeMixin):
    """The Graph API for local runs and tests. See the module's docstring (and ``graph_inbox``'s)."""

    def __init__(self, feed_url: str | None = None, *, clock: Callable[[], datetime] | None = None,
                 fetch_timeout: float = 10.0, max_media_bytes: int = 200 * 1024 * 1024,
                 detect_duplicates: bool = True, calls_per_hour: int = 200) -> None:
        #: Where ``feed_app`` is reachable (e.g. ``http://127.0.0.1:8000/feed``): permalinks point there.
        self.feed_url = feed_url
        self.clock = clock or (lambda: datetime.now(UTC))
        self.fetch_timeout = fetch_timeout
        self.max_media_bytes = max_media_bytes
        self.detect_duplicates = detect_duplicates
        self.calls_per_hour = calls_per_hour
        self._lock = threading.RLock()
        self._ids = itertools.count(10**14 + secrets.randbelow(10**13))
        self._pages: dict[str, _Page] = {}
        self._media: dict[str, _Media] = {}
        self._posts: dict[str, _Post] = {}
        self._faults: list[_Fault] = []
        self._log: list[dict[str, Any]] = []
        self._app_calls: list[float] = []
        self._usage_override: int | None = None
        # metrics: followers per page, views per (page, Jakarta day), engagement per post, retired names
        self._followers: dict[str, int] = {}
        self._page_views: dict[tuple[str, str], int] = {}
        self._engagement: dict[str, dict[str, int]] = {}
        self._retired: set[str] = set()
        # token -> (expires_at, data_access_expires_at), Unix seconds, 0 = never (``debug_token``)
        self._token_expiry: dict[str, tuple[int, int]] = {}
        self._templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                                      autoescape=select_autoescape(default=True), trim_blocks=True,
                                      lstrip_blocks=True)
        self._templates.filters["linkify"] = linkify
        self._templates.filters["wib"] = wib_text
        self._inbox_init()

    # -- setup and knobs ----------------------------------------------------------------------------

    def add_page(self, page_id: str, token: str, name: str) -> None:
        with self._lock:
            self._pages[str(page_id)] = _Page(str(page_id), token, name)

    def fail_next(self, code: int, http_status: int = 400, subcode: int | None = None, times: int = 1, *,
                  on: str | None = None, method: str | None = None, message: str | None = None) -> None:
        """Answer the next ``times`` matching requests with this Graph error, doing nothing.
        ``on``: the edge (``photos``, ``feed``, ``videos``, or ``node`` for ``GET /{id}``); ``method``:
        ``GET`` or ``POST``; both default to any."""
        with self._lock:
            self._faults.append(_Fault("fail", times, on, method, code, http_status, subcode, message))

    def fail_after_success_next(self, times: int = 1, *, on: str = "feed") -> None:
        """Carry out the next ``times`` ``POST`` to ``on`` (the post is made), then answer HTTP 500."""
        with self._lock:
            self._faults.append(_Fault("after_success", times, on, "POST"))

    def slow_next(self, seconds: float, times: int = 1, *, on: str | None = None, method: str | None = None) -> None:
        """Wait before answering (to make a client time out)."""
        with self._lock:
            self._faults.append(_Fault("slow", times, on, method, seconds=seconds))

    def set_usage(self, percent: int | None) -> None:
        """Report this usage percentage in every usage header (None: computed from the calls)."""
        with self._lock:
            self._usage_override = percent

    def set_followers(self, page_id: str, count: int) -> None:
        """What ``GET /{page}?fields=followers_count`` answers."""
        with self._lock:
            self._followers[str(page_id)] = count

    def set_page_views(self, page_id: str, day: str, views: int) -> None:
        """``page_media_view`` of one Jakarta day (``YYYY-MM-DD``) in ``GET /{page}/insights``."""
        with self._lock:
            self._page_views[(str(page_id), day)] = views

    def set_engagement(self, post_id: str, *, reactions: int = 0, comments: int = 0, shares: int = 0,
                       views: int = 0) -> None:
        """A post's reactions and comments (``summary(total_count)``), ``shares.count`` and ``post_media_view``."""
        with self._lock:
            self._engagement[post_id] = {"reactions": reactions, "comments": comments, "shares": shares,
                                         "views": views}

    def retire_metric(self, name: str) -> None:
        """From now on, asking for this insights metric or field is answered with code 100 (as Meta
        answers for a deprecated metric), failing the whole request it is part of."""
        with self._lock:
            self._retired.add(name)

    def set_token_expiry(self, token: str, expires_at: datetime | int | None,
                         data_access_expires_at: datetime | int | None = None) -> None:
        """When ``token`` ends (``None``/``0``: never), as ``debug_token`` reports it; once that moment
        is past (by ``clock``), the token is refused with code 190 (subcode 463), as Meta does. A token
        set here that belongs to no Page (e.g. an Instagram account's) is known to ``debug_token``."""
        def seconds(value: datetime | int | None) -> int:
            return int(value.timestamp()) if isinstance(value, datetime) else int(value or 0)

        with self._lock:
            self._token_expiry[token] = (seconds(expires_at), seconds(data_access_expires_at))

    def reset(self) -> None:
        """Forget posts, media, faults and the log; keep the pages."""
        with self._lock:
            self._token_expiry.clear()
            self._followers.clear()
            self._page_views.clear()
            self._engagement.clear()
            self._retired.clear()
            self._media.clear()
            self._posts.clear()
            self._faults.clear()
            self._log.clear()
            self._app_calls.clear()
            self._usage_override = None

    # -- inspection (tests) -------------------------------------------------------------------------

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The request log: ``method``, ``path``, ``edge``, ``page_id``, ``query``, ``form`` (tokens
        redacted), ``token_in`` (where the token came from), ``status``, ``code``, ``at``."""
        with self._lock:
            return [dict(entry) for entry in self._log]

    def posts(self, page_id: str | None = None) -> list[dict[str, Any]]:
        """Posts newest first, as ``posts.json`` shows them."""
        with self._lock:
            return [self._post_json(post) for post in self._sorted_posts(page_id)]

    def videos(self, page_id: str | None = None) -> list[dict[str, Any]]:
        """Every video a Page received: its bytes' size, where Meta fetched it and its thumbnail (bytes)."""
        with self._lock:
            return [{"id": m.id, "page_id": m.page_id, "size": len(m.data), "source_url": m.source_url,
                     "description": m.description, "thumbnail": m.thumbnail}
                    for m in self._media.values() if m.kind == "video" and page_id in (None, m.page_id)]

    def media(self, media_id: str) -> tuple[bytes, str] | None:
        with self._lock:
            item = self._media.get(media_id)
            return (item.data, item.content_type) if item else None

    def fetched_urls(self) -> list[str]:
        """Every URL the fake fetched, in order (photo and video sources)."""
        with self._lock:
            return [entry["fetched"] for entry in self._log if entry.get("fetched")]

    # -- the Graph API (WSGI) -----------------------------------------------------------------------

    def api_app(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        request = Request(environ)
        response = self._api(request)
        return response(environ, start_response)

    def _api(self, request: Request) -> Response:
        path = _strip_mount(request.path, "/graph")
        parts = [part for part in path.split("/") if part]
        version = DEFAULT_VERSION
        if parts and VERSION_RE.match(parts[0]):
            version = parts.pop(0)
        method = request.method
        edge = parts[1] if len(parts) == 2 else ("node" if len(parts) == 1 else "?")
        node = parts[0] if parts else ""
        token, token_in = _token_of(request)
        entry: dict[str, Any] = {
            "method": method, "path": path, "version": version, "edge": edge, "node": node,
            "query": _redacted(request.args), "form": _redacted(request.form), "token_in": token_in,
            "at": self.clock().isoformat(), "status": None, "code": None,
        }
        with self._lock:
            self._log.append(entry)
            now_s = time.monotonic()
            self._app_calls.append(now_s)
            if node in self._pages:
                self._pages[node].calls.append(now_s)
        headers: dict[str, str] = {}
        try:
            fault = self._take_fault(edge, method)
            if fault and fault.kind == "fail":
                raise GraphFault(fault.code, fault.http_status, fault.subcode, fault.message)
            body = self._route(method, parts, request, token, entry)
            if fault and fault.kind == "after_success":
                raise GraphFault(1, 500, message=MESSAGES[1])
            status = 200
        except GraphFault as fault_answer:
            body, status = fault_answer.body(), fault_answer.http_status
            entry["code"] = fault_answer.code
            if fault_answer.code == 190:
                headers["WWW-Authenticate"] = 'OAuth "Facebook Platform" "invalid_token" "Invalid OAuth access token"'
        entry["status"] = status
        headers.update(self._usage_headers(node))
        headers["facebook-api-version"] = version
        headers["x-fb-trace-id"] = secrets.token_urlsafe(8)
        return Response(json.dumps(body), status=status, headers=headers,
                        content_type="application/json; charset=UTF-8")

    def _take_fault(self, edge: str, method: str) -> _Fault | None:
        delay = 0.0
        chosen = None
        with self._lock:
            slow = next((f for f in self._faults if f.kind == "slow" and f.matches(edge, method)), None)
            if slow is not None:
                self._consume(slow)
                delay = slow.seconds
            chosen = next((f for f in self._faults if f.kind != "slow" and f.matches(edge, method)), None)
            if chosen is not None:
                self._consume(chosen)
        if delay:
            time.sleep(delay)  # outside the lock: other requests go on
        return chosen

    def _consume(self, fault: _Fault) -> None:
        fault.times -= 1
        if fault.times <= 0:
            self._faults.remove(fault)

    def _route(self, method: str, parts: list[str], request: Request, token: str | None,
               entry: dict[str, Any]) -> dict[str, Any]:
        if parts == ["debug_token"] and method == "GET":
            return self._debug_token(request, token)
        inbox = self._inbox_route(method, parts, request, token)  # comments, messages, people (graph_inbox.py)
        if inbox is not None:
            return inbox
        if len(parts) == 1 and method == "GET":
            return self._get_node(parts[0], request, token)
        if len(parts) == 2:
            page_id, edge = parts
            if (method, edge) == ("POST", "photos"):
                return self._post_media(self._page_for(page_id, token), request, entry, kind="photo")
            if (method, edge) == ("POST", "videos"):
                return self._post_media(self._page_for(page_id, token), request, entry, kind="video")
            if (method, edge) == ("POST", "feed"):
                return self._post_feed(self._page_for(page_id, token), request)
            if method == "GET" and edge in ("feed", "posts", "published_posts"):
                return self._get_feed(self._page_for(page_id, token), request)
            if method == "GET" and edge == "insights":
                return self._get_insights(page_id, request, token)
        what = parts[0] if parts else ""
        raise _unsupported(method, what)

    def _check_token(self, token: str | None) -> _Page:
        """The page the token belongs to, or code 190 as Meta answers."""
        if not token:
            raise GraphFault(190, message="An access token is required to request this resource.")
        with self._lock:
            page = next((page for page in self._pages.values()
                         if secrets.compare_digest(page.token.encode(), token.encode())), None)
        if page is None:
            raise GraphFault(190, message="Invalid OAuth access token - Cannot parse access token")
        self._check_not_expired(token)
        return page

    def _ended(self, token: str) -> int | None:
        """When a token ended (Unix seconds), if it has; None while it works."""
        with self._lock:
            ends = [end for end in self._token_expiry.get(token, (0, 0)) if end > 0]
        if ends and min(ends) <= self.clock().timestamp():
            return min(ends)
        return None

    def _check_not_expired(self, token: str) -> None:
        ended = self._ended(token)
        if ended is not None:
            raise GraphFault(190, subcode=463, message=_expired_message(ended))

    def _debug_token(self, request: Request, token: str | None) -> dict[str, Any]:
        """``GET /debug_token?input_token=``: the calling token must work; the inspected one is
        described, an unknown or ended one as ``is_valid: false`` with its error."""
        if not token:
            raise GraphFault(190, message="An access token is required to request this resource.")
        with self._lock:
            known = {page.token: page for page in self._pages.values()}
            expiries = dict(self._token_expiry)
        if token not in known and token not in expiries:
            raise GraphFault(190, message="Invalid OAuth access token - Cannot parse access token")
        self._check_not_expired(token)
        input_token = request.args.get("input_token") or ""
        if input_token not in known and input_token not in expiries:
            return {"data": {"error": {"code": 190, "message": "Invalid OAuth access token."}, "is_valid": False,
                             "scopes": []}}
        expires_at, data_access = expiries.get(input_token, (0, 0))
        page = known.get(input_token)
        data: dict[str, Any] = {
            "app_id": "1000000000001", "type": "PAGE" if page else "USER", "application": "Kabar (lokal)",
            "data_access_expires_at": data_access, "expires_at": expires_at, "is_valid": True,
            "scopes": ["pages_show_list", "pages_read_engagement", "pages_manage_posts"]}
        if page:
            data["profile_id"] = page.id
        ended = self._ended(input_token)
        if ended is not None:
            data["is_valid"] = False
            data["error"] = {"code": 190, "subcode": 463, "message": _expired_message(ended)}
        return {"data": data}

    def _page_for(self, page_id: str, token: str | None) -> _Page:
        owner = self._check_token(token)
        with self._lock:
            page = self._pages.get(page_id)
        if page is None:
            raise _unsupported("request", page_id)
        if page.id != owner.id:
            raise GraphFault(200)
        return page

    # -- edges --------------------------------------------------------------------------------------

    def _post_media(self, page: _Page, request: Request, entry: dict[str, Any], kind: str) -> dict[str, Any]:
        url = request.form.get("file_url" if kind == "video" else "url")
        upload = request.files.get("source")
        if upload is not None:
            data, content_type, url = upload.read(), upload.mimetype or "application/octet-stream", None
        elif url:
            with self._lock:
                entry["fetched"] = url
            data, content_type = self._fetch(url, kind)  # outside the lock: it may call back into this server
        else:
            raise GraphFault(324, message="(#324) Requires upload file")
        content_type = _check_media(data, content_type, kind)
        thumb = request.files.get("thumb") if kind == "video" else None
        thumbnail = None
        if thumb is not None:
            thumbnail = thumb.read()
            _check_media(thumbnail, thumb.mimetype or "", "photo")  # Meta takes an image file, nothing else
            with self._lock:
                entry["thumb"] = {"filename": thumb.filename, "bytes": len(thumbnail)}
        published = request.form.get("published", "true").lower() not in ("false", "0")
        text = request.form.get("description") or request.form.get("caption") or request.form.get("message") or ""
        with self._lock:
            media = _Media(str(next(self._ids)), page.id, kind, data, content_type, self.clock(), url, published, text,
                           thumbnail=thumbnail)
            self._media[media.id] = media
            if not published:
                return {"id": media.id}
            post = self._new_post(page, text, [media.id])
            media.post_id = post.id
        return {"id": media.id} if kind == "video" else {"id": media.id, "post_id": post.id}

    def _fetch(self, url: str, kind: str) -> tuple[bytes, str]:
        if not url.startswith(("http://", "https://")):
            raise GraphFault(100, message="(#100) url should represent a valid URL")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(url, timeout=self.fetch_timeout) as response:
                data = response.read(self.max_media_bytes + 1)
                content_type = response.headers.get_content_type()
        except (urllib.error.URLError, OSError, ValueError) as err:
            raise GraphFault(100, subcode=2207052, message=(
                f"(#100) Media could not be fetched from this uri: {url.split('?', 1)[0]} ({type(err).__name__})"
            )) from None
        if len(data) > self.max_media_bytes:
            raise GraphFault(100, subcode=2207052, message="(#100) Media could not be fetched: the file is too large")
        return data, content_type

    def _post_feed(self, page: _Page, request: Request) -> dict[str, Any]:
        message = request.form.get("message", "")
        link = request.form.get("link") or None
        media_ids = _attached_media(request.form)
        if not message.strip() and not link and not media_ids:
            raise GraphFault(100, message="(#100) Missing message or attachment")
        with self._lock:
            for index, media_id in enumerate(media_ids):
                media = self._media.get(media_id)
                if media is None or media.page_id != page.id or media.kind != "photo":
                    raise GraphFault(100, message=f"(#100) param attached_media[{index}] has invalid media_fbid "
                                                  f"{media_id}")
                if media.published or media.post_id:
                    raise GraphFault(100, message=f"(#100) attached_media[{index}]: the photo is already published")
            if self.detect_duplicates and message.strip():
                since = self.clock() - timedelta(hours=24)
                if any(post.page_id == page.id and post.message == message and post.created >= since
                       for post in self._posts.values()):
                    raise GraphFault(506)
            post = self._new_post(page, message, media_ids, link)
            for media_id in media_ids:
                self._media[media_id].post_id = post.id
        return {"id": post.id}

    def _get_feed(self, page: _Page, request: Request) -> dict[str, Any]:
        fields = _fields(request.args.get("fields"), POST_FIELDS, ("id", "message", "created_time"), "Post")
        try:
            limit = max(1, min(100, int(request.args.get("limit", "25"))))
        except ValueError:
            raise GraphFault(100, message="(#100) param limit must be an integer") from None
        with self._lock:
            posts = self._sorted_posts(page.id)
            data = [self._post_fields(post, fields) for post in posts[:limit]]
        return {"data": data}

    def _get_node(self, node: str, request: Request, token: str | None) -> dict[str, Any]:
        owner = self._check_token(token)
        if node == "me":  # a Page token's "me" is the Page
            node = owner.id
        with self._lock:
            page = self._pages.get(node)
            post = self._posts.get(node)
            media = self._media.get(node)
        if page is not None:
            if page.id != owner.id:
                raise GraphFault(200)
            fields = _fields(request.args.get("fields"), PAGE_FIELDS, ("id", "name"), "Page")
            self._check_retired(fields, "Page")
            values = {"id": page.id, "name": page.name, "link": self._page_url(page.id),
                      "followers_count": self._followers.get(page.id, 0)}
            return {name: values[name] for name in fields}
        if post is not None and post.page_id == owner.id:
            requested = [f.strip() for f in (request.args.get("fields") or "").split(",") if f.strip()]
            counts = [f for f in requested if f.split(".", 1)[0] in ENGAGEMENT_FIELDS]
            plain = ",".join(f for f in requested if f not in counts)
            fields = _fields(plain, POST_FIELDS, ("id", "message", "created_time") if not counts else ("id",), "Post")
            self._check_retired([f.split(".", 1)[0] for f in counts], "Post")
            with self._lock:
                answer = self._post_fields(post, fields)
                engagement = self._engagement.get(post.id, {})
            for name in (f.split(".", 1)[0] for f in counts):
                if name == "shares":
                    if engagement.get("shares"):  # Meta leaves "shares" out when there are none
                        answer["shares"] = {"count": engagement["shares"]}
                else:
                    answer[name] = {"data": [], "summary": {"total_count": engagement.get(name, 0)}}
            return answer
        if media is not None and media.page_id == owner.id:
            answer = {"id": media.id, "created_time": _graph_time(media.created)}
            if media.kind == "video":
                answer["description"] = media.description
            return answer
        raise _unsupported("get", node)

    def _get_insights(self, node: str, request: Request, token: str | None) -> dict[str, Any]:
        """``/{page}/insights?metric=page_media_view&period=day&since&until`` (one value per Jakarta day) and
        ``/{post}/insights?metric=post_media_view`` (lifetime). One retired metric fails the whole request."""
        owner = self._check_token(token)
        metrics = [m.strip() for m in (request.args.get("metric") or "").split(",") if m.strip()]
        if not metrics:
            raise GraphFault(100, message="(#100) The parameter 'metric' is required")
        with self._lock:
            retired = [m for m in metrics if m in self._retired]
            page = self._pages.get(node)
            post = self._posts.get(node)
        if retired:
            raise GraphFault(100, message=f"(#100) The value must be a valid insights metric: {retired[0]}")
        data: list[dict[str, Any]] = []
        if page is not None:
            if page.id != owner.id:
                raise GraphFault(200)
            known = {"page_media_view", "page_total_media_view_unique", "page_follows", "page_post_engagements"}
            try:
                since = datetime.fromtimestamp(int(request.args.get("since", "0")), UTC).astimezone(WIB)
                until = datetime.fromtimestamp(int(request.args.get("until", "0")), UTC).astimezone(WIB)
            except ValueError:
                raise GraphFault(100, message="(#100) since/until must be unix timestamps") from None
            for metric in metrics:
                if metric not in known:
                    raise GraphFault(100, message=f"(#100) The value must be a valid insights metric: {metric}")
                values = []
                day = since.date()
                while datetime.combine(day, datetime.min.time(), WIB) < until:
                    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), WIB).astimezone(UTC)
                    with self._lock:
                        value = self._page_views.get((page.id, day.isoformat()), 0)
                    value = value if metric == "page_media_view" else 0
                    values.append({"value": value, "end_time": end.strftime("%Y-%m-%dT%H:%M:%S+0000")})
                    day += timedelta(days=1)
                data.append({"name": metric, "period": request.args.get("period", "day"), "values": values,
                             "title": metric, "id": f"{page.id}/insights/{metric}/day"})
            return {"data": data}
        if post is not None and post.page_id == owner.id:
            with self._lock:
                views = self._engagement.get(post.id, {}).get("views", 0)
            for metric in metrics:
                if metric not in ("post_media_view", "post_total_media_view_unique", "post_clicks"):
                    raise GraphFault(100, message=f"(#100) The value must be a valid insights metric: {metric}")
                data.append({"name": metric, "period": "lifetime",
                             "values": [{"value": views if metric == "post_media_view" else 0}],
                             "title": metric, "id": f"{post.id}/insights/{metric}/lifetime"})
            return {"data": data}
        raise _unsupported("get", node)

    def _check_retired(self, fields: Iterable[str], node_type: str) -> None:
        with self._lock:
            retired = [name for name in fields if name in self._retired]
        if retired:
            raise GraphFault(100, message=f"(#100) Tried accessing nonexisting field ({retired[0]}) on node type "
                                          f"({node_type})")

    # -- state helpers (call with the lock held) -----------------------------------------------------

    def _new_post(self, page: _Page, message: str, media_ids: list[str], link: str | None = None) -> _Post:
        post = _Post(f"{page.id}_{next(self._ids)}", page.id, message, self.clock(), list(media_ids), link)
        self._posts[post.id] = post
        return post

    def _sorted_posts(self, page_id: str | None) -> list[_Post]:
        posts = [post for post in self._posts.values() if page_id is None or post.page_id == page_id]
        return sorted(posts, key=lambda post: (post.created, post.id), reverse=True)

    def _page_url(self, page_id: str) -> str:
        return f"{self.feed_url.rstrip('/')}/{page_id}" if self.feed_url else f"https://www.facebook.com/{page_id}"

    def _permalink(self, post: _Post) -> str:
        if self.feed_url:
            return f"{self._page_url(post.page_id)}#post-{post.id}"
        page_id, number = post.id.split("_", 1)
        return f"https://www.facebook.com/{page_id}/posts/{number}"

    def _media_url(self, media_id: str, mount: str = "/feed") -> str:
        base = self.feed_url.rstrip("/") if self.feed_url else mount
        return f"{base}/media/{media_id}"

    def _post_fields(self, post: _Post, fields: Iterable[str]) -> dict[str, Any]:
        page = self._pages.get(post.page_id)
        values: dict[str, Any] = {
            "id": post.id, "message": post.message, "created_time": _graph_time(post.created),
            "updated_time": _graph_time(post.created), "permalink_url": self._permalink(post),
            "full_picture": self._media_url(post.media_ids[0]) if post.media_ids else None,
            "from": {"id": post.page_id, "name": page.name if page else post.page_id},
            "attachments": self._attachments(post),
        }
        return {name: values[name] for name in fields
                if values[name] is not None and not (name == "message" and not post.message)}

    def _attachments(self, post: _Post) -> dict[str, Any] | None:
        """Graph's ``attachments`` edge of a post: one photo or video as the ``target``, several photos
        as an ``album`` with ``subattachments``."""
        media = [self._media[media_id] for media_id in post.media_ids if media_id in self._media]
        if not media:
            return None
        items = [{"type": "photo" if m.kind == "photo" else "video_inline", "target": {"id": m.id},
                  "media": {"image": {"src": self._media_url(m.id)}}} for m in media]
        if len(items) == 1:
            return {"data": items}
        return {"data": [{"type": "album", "target": {"id": post.id}, "subattachments": {"data": items}}]}

    def _post_json(self, post: _Post, mount: str = "/feed") -> dict[str, Any]:
        page = self._pages.get(post.page_id)
        media = [self._media[media_id] for media_id in post.media_ids if media_id in self._media]
        return {
            "id": post.id, "page_id": post.page_id, "page_name": page.name if page else post.page_id,
            "message": post.message, "link": post.link, "created_time": _graph_time(post.created),
            "permalink_url": self._permalink(post),
            "photos": [{"id": m.id, "url": self._media_url(m.id, mount), "source_url": m.source_url}
                       for m in media if m.kind == "photo"],
            "videos": [{"id": m.id, "url": self._media_url(m.id, mount), "content_type": m.content_type}
                       for m in media if m.kind == "video"],
        }

    def _usage_headers(self, page_id: str) -> dict[str, str]:
        with self._lock:
            horizon = time.monotonic() - 3600
            self._app_calls[:] = [t for t in self._app_calls if t >= horizon]
            app_pct = self._usage_override if self._usage_override is not None else min(
                100, len(self._app_calls) * 100 // max(1, self.calls_per_hour))
            page = self._pages.get(page_id)
            if page is not None:
                page.calls[:] = [t for t in page.calls if t >= horizon]
                page_pct = self._usage_override if self._usage_override is not None else min(
                    100, len(page.calls) * 100 // max(1, self.calls_per_hour))
            else:
                page_pct = 0
        usage = {"call_count": page_pct, "total_cputime": page_pct // 2, "total_time": page_pct // 2}
        headers = {
            "X-App-Usage": json.dumps({"call_count": app_pct, "total_cputime": app_pct // 2,
                                       "total_time": app_pct // 2}),
            "X-Page-Usage": json.dumps(usage),
        }
        if page is not None:
            headers["X-Business-Use-Case-Usage"] = json.dumps({page.id: [{
                "type": "pages", **usage, "estimated_time_to_regain_access": 5 if page_pct >= 100 else 0}]})
        return headers

    # -- the feed page (WSGI) -----------------------------------------------------------------------

    def feed_app(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        request = Request(environ)
        response = self._feed(request)
        return response(environ, start_response)

    def _feed(self, request: Request) -> Response:
        path = request.path
        mount = request.script_root.rstrip("/")
        if path == "/feed" or path.startswith("/feed/"):
            path = path[len("/feed"):]
            mount = f"{mount}/feed"
        parts = [part for part in path.split("/") if part]
        if request.method not in ("GET", "HEAD"):
            return Response("Metode tidak didukung.", status=405, headers={"Allow": "GET, HEAD"})
        if parts == ["posts.json"]:
            with self._lock:
                body = {"pages": [{"id": p.id, "name": p.name} for p in self._pages.values()],
                        "posts": [self._post_json(post, mount) for post in self._sorted_posts(None)]}
            return Response(json.dumps(body, ensure_ascii=False), content_type="application/json; charset=utf-8",
                            headers={"Cache-Control": "no-store"})
        if len(parts) == 2 and parts[0] == "media":
            found = self.media(parts[1])
            if found is None:
                return Response("Media tidak ditemukan.", status=404)
            data, content_type = found
            response = Response(data, content_type=content_type, headers={"Cache-Control": "public, max-age=3600"})
            return response.make_conditional(request, accept_ranges=True, complete_length=len(data))
        if len(parts) > 1:
            return Response("Halaman tidak ditemukan.", status=404)
        page_id = parts[0] if parts else None
        with self._lock:
            if page_id is not None and page_id not in self._pages:
                return self._render("feed.html", 404, mount=mount, pages=self._page_list(), page=None,
                                    posts=[], missing=page_id)
            posts = [self._post_json(post, mount) for post in self._sorted_posts(page_id)]
            page = self._pages.get(page_id) if page_id else None
            pages = self._page_list()
        return self._render("feed.html", 200, mount=mount, pages=pages, posts=posts, missing=None,
                            page={"id": page.id, "name": page.name} if page else None)

    def _page_list(self) -> list[dict[str, str]]:
        return [{"id": p.id, "name": p.name} for p in self._pages.values()]

    def _render(self, name: str, status: int, **context: Any) -> Response:
        html = self._templates.get_template(name).render(**context)
        return Response(html, status=status, content_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-store"})


# -- helpers ----------------------------------------------------------------------------------------


def linkify(text: str) -> Markup:
    """Escape ``text``, make its http(s) links clickable and keep its line breaks."""
    escaped = str(escape(text))
    linked = URL_RE.sub(lambda m: f'<a href="{m.group(0)}" rel="nofollow noopener">{m.group(0)}</a>', escaped)
    return Markup(linked.replace("\n", "<br>\n"))  # noqa: S704 (built from escaped text)


def wib_text(graph_time: str) -> str:
    """``2026-11-27T02:15:00+0000`` as ``27 November 2026 pukul 09.15 WIB``."""
    moment = datetime.strptime(graph_time, "%Y-%m-%dT%H:%M:%S%z").astimezone(WIB)
    return f"{moment.day} {MONTHS_ID[moment.month - 1]} {moment.year} pukul {moment:%H.%M} WIB"


def _graph_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _expired_message(ended: int) -> str:
    # Meta words it in Pacific time
    moment = datetime.fromtimestamp(ended, UTC).astimezone(timezone(timedelta(hours=-8)))
    return (f"Error validating access token: Session has expired on {moment:%A, %d-%b-%y %H:%M:%S} PST. "
            "The current time is later.")


def _strip_mount(path: str, mount: str) -> str:
    return path[len(mount):] if path == mount or path.startswith(mount + "/") else path


def _token_of(request: Request) -> tuple[str | None, str | None]:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() in ("oauth", "bearer") and value.strip():
        return value.strip(), "header"
    if request.form.get("access_token"):
        return request.form["access_token"], "form"
    if request.args.get("access_token"):
        return request.args["access_token"], "query"
    return None, None


def _redacted(values: Any) -> dict[str, str]:
    return {key: ("<redacted>" if key in ("access_token", "appsecret_proof", "input_token") else value)
            for key, value in values.items()}


def _attached_media(form: Any) -> list[str]:
    """``attached_media[n]={"media_fbid": "..."}`` fields (or one JSON list in ``attached_media``), in order."""
    items: list[tuple[int, str]] = []
    for key, value in form.items():
        match = ATTACHED_RE.match(key)
        if match:
            items.append((int(match.group(1)), value))
    values = [value for _, value in sorted(items)]
    if form.get("attached_media"):
        try:
            listed = json.loads(form["attached_media"])
        except ValueError:
            raise GraphFault(100, message="(#100) param attached_media must be an array") from None
        values += [json.dumps(item) for item in listed] if isinstance(listed, list) else []
    ids = []
    for index, value in enumerate(values):
        try:
            ids.append(str(json.loads(value)["media_fbid"]))
        except (ValueError, KeyError, TypeError):
            raise GraphFault(100, message=f"(#100) param attached_media[{index}] must be a JSON object with "
                                          "media_fbid") from None
    return ids


def _fields(requested: str | None, known: tuple[str, ...], default: tuple[str, ...], node_type: str) -> list[str]:
    if not requested:
        return list(default)
    fields = [name.strip() for name in requested.split(",") if name.strip()]
    for name in fields:
        if name not in known:
            raise GraphFault(100, message=f"(#100) Tried accessing nonexisting field ({name}) on node type "
                                          f"({node_type})")
    return fields


def _check_media(data: bytes, content_type: str, kind: str) -> str:
    if kind == "photo":
        for magic, sniffed in ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG", "image/png"), (b"GIF8", "image/gif")):
            if data.startswith(magic):
                return sniffed
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return "image/webp"
        raise GraphFault(324, message="(#324) Missing or invalid image file")
    if data[4:8] == b"ftyp":
        return content_type if content_type.startswith("video/") else "video/mp4"
    if data.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    raise GraphFault(352, message="(#352) Sorry, the video file you selected is in a format that we don't support.")


def _unsupported(method: str, what: str) -> GraphFault:
    return GraphFault(100, subcode=33, type_="GraphMethodException", message=(
        f"Unsupported {method.lower()} request. Object with ID '{what}' does not exist, cannot be loaded due to "
        "missing permissions, or does not support this operation."))
