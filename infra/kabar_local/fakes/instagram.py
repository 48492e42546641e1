"""A local fake of Instagram content publishing (Instagram API with Facebook Login), Graph-shaped.

Routes (under ``/vNN.0/``): ``POST /{ig-user}/media`` (a container: ``image_url``, carousel items with
``is_carousel_item``, a ``CAROUSEL`` parent with ``children``, or ``REELS`` with ``video_url``; the
media URL is fetched over HTTP as Meta does), ``GET /{container}?fields=status_code,status`` (a state
machine: ``IN_PROGRESS`` for ``polls_in_progress`` polls, then ``FINISHED`` or ``ERROR``; ``PUBLISHED``
once published, ``EXPIRED`` when a test says so),
``POST /{ig-user}/media_publish`` (refused unless ``FINISHED``; counts against the quota),
``GET /{ig-user}/content_publishing_limit``, ``GET /{ig-user}/media`` and ``GET /{media}``.
Errors are Graph error bodies (``GraphFault`` of the Graph fake). Knobs inject faults; a request log
(tokens redacted) serves assertions.
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from werkzeug.wrappers import Request, Response

from .graph import GraphFault, _token_of
from .instagram_inbox import InstagramInboxMixin

MEDIA_NOT_FETCHED = 2207052
FETCH_FAILED = "Media download has failed. The media URI doesn't meet our requirements."


@dataclass
class _Container:
    id: str
    user_id: str
    kind: str  # IMAGE | CAROUSEL | REELS
    caption: str
    children: list[str]
    carousel_item: bool
    polls_left: int
    outcome: str  # FINISHED | ERROR
    error_status: str = ""
    published: bool = False
    expired: bool = False


@dataclass
class _IgMedia:
    id: str
    user_id: str
    caption: str
    kind: str
    children: list[str]
    timestamp: str


@dataclass
class _User:
    id: str
    token: str
    username: str
    quota_total: int = 50
    published: list[str] = field(default_factory=list)


@dataclass
class _Fault:
    kind: str  # fail | after_success
    edge: str
    method: str | None
    times: int
    code: int = 1
    http_status: int = 500
    subcode: int | None = None
    headers: dict[str, str] = field(default_factory=dict)


class FakeInstagram(InstagramInboxMixin):
    """See the module's docstring (and ``instagram_inbox``'s: comments and insights)."""

    def __init__(self, *, polls_in_progress: int = 1, fetch_timeout: float = 10.0) -> None:
        self.polls_in_progress = polls_in_progress
        self.fetch_timeout = fetch_timeout
        self._lock = threading.RLock()
        self._ids = itertools.count(17_800_000_000_000_000 + secrets.randbelow(10**12))
        self._users: dict[str, _User] = {}
        self._containers: dict[str, _Container] = {}
        self._media: dict[str, _IgMedia] = {}
        self._unlisted: set[str] = set()  # published, not yet in the account's media list (Meta's lag)
        self._faults: list[_Fault] = []
        self._next_outcome: list[tuple[str, str]] = []
        self._log: list[dict[str, Any]] = []
        self._inbox_init()

    # -- knobs --------------------------------------------------------------------------------------

    def add_user(self, user_id: str, token: str, username: str = "desa", quota_total: int = 50) -> None:
        with self._lock:
            self._users[user_id] = _User(user_id, token, username, quota_total)

    def set_quota_usage(self, user_id: str, used: int) -> None:
        with self._lock:
            self._users[user_id].published = [f"old-{n}" for n in range(used)]

    def fail_next(self, code: int, http_status: int = 400, *, on: str, method: str | None = None,
                  subcode: int | None = None, times: int = 1, headers: dict[str, str] | None = None) -> None:
        """Answer the next ``times`` requests to ``on`` (``media``, ``media_publish``, ``status``,
        ``content_publishing_limit``, ``list``) with this Graph error, doing nothing."""
        with self._lock:
            self._faults.append(_Fault("fail", on, method, times, code, http_status, subcode, dict(headers or {})))

    def fail_after_success_next(self, *, on: str = "media_publish", times: int = 1) -> None:
        """Carry out the next request to ``on``, then answer HTTP 500 (code 2)."""
        with self._lock:
            self._faults.append(_Fault("after_success", on, "POST", times, 2, 500))

    def next_containers_end(self, outcome: str, status: str = "", times: int = 1) -> None:
        """The next ``times`` containers end ``ERROR`` (with ``status``, e.g. ``"2207052"``) or stay
        ``IN_PROGRESS`` forever (``outcome="STUCK"``)."""
        with self._lock:
            self._next_outcome.extend([(outcome, status)] * times)

    def expire(self, container_id: str) -> None:
        """The container was left unpublished for 24 hours: ``EXPIRED`` from now on."""
        with self._lock:
            self._containers[container_id].expired = True

    @property
    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(entry) for entry in self._log]

    def owns(self, node: str) -> bool:
        """Whether ``node`` is one of this fake's users, containers or media (for a shared Graph host)."""
        with self._lock:
            return node in self._users or node in self._containers or node in self._media or self._inbox_owns(node)

    def backdate(self, media_id: str, seconds: int) -> None:
        """Make a media's ``timestamp`` ``seconds`` older (a post from earlier in the day)."""
        with self._lock:
            media = self._media[media_id]
            made = datetime.strptime(media.timestamp, "%Y-%m-%dT%H:%M:%S%z") - timedelta(seconds=seconds)
            media.timestamp = made.strftime("%Y-%m-%dT%H:%M:%S+0000")

    def unlisted(self, media_id: str, hidden: bool = True) -> None:
        """Keep a published media out of ``GET /{ig-user}/media`` for now, as Meta's list can lag a publish."""
        with self._lock:
            (self._unlisted.add if hidden else self._unlisted.discard)(media_id)

    def published(self, user_id: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [{"id": m.id, "caption": m.caption, "media_type": m.kind, "children": list(m.children)}
                    for m in self._media.values() if user_id in (None, m.user_id)]

    # -- the API ------------------------------------------------------------------------------------

    def api_app(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        return self._api(Request(environ))(environ, start_response)

    def _api(self, request: Request) -> Response:
        parts = [p for p in request.path.split("/") if p]
        if parts and parts[0] in ("graph", "instagram"):
            parts = parts[1:]
        token, _ = _token_of(request)
        values = request.form if request.method == "POST" else request.args
        edge = _edge(request.method, parts)
        with self._lock:
            self._log.append({"method": request.method, "path": "/" + "/".join(parts), "edge": edge,
                              **{k: v for k, v in values.items() if k != "access_token"}})
            fault = self._take_fault(edge, request.method)
        try:
            if fault and fault.kind == "fail":
                raise GraphFault(fault.code, fault.http_status, fault.subcode)
            answer = self._route(request.method, parts[1:] if parts else [], values, token)
            if fault and fault.kind == "after_success":
                raise GraphFault(2, 500)
        except GraphFault as err:
            headers = fault.headers if fault else {}
            return Response(json.dumps(err.body()), status=err.http_status, content_type="application/json",
                            headers=headers)
        return Response(json.dumps(answer), content_type="application/json")

    def _take_fault(self, edge: str, method: str) -> _Fault | None:
        for fault in self._faults:
            if fault.edge == edge and fault.method in (None, method):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _route(self, method: str, parts: list[str], values: Any, token: str | None) -> dict[str, Any]:
        if not parts:
            raise GraphFault(100, message="Unsupported request")
        inbox = self._inbox_route(method, parts, values, token)  # comments and insights (instagram_inbox.py)
        if inbox is not None:
            return inbox
        if len(parts) == 2 and parts[1] == "media" and method == "POST":
            return self._create(self._user(parts[0], token), values)
        if len(parts) == 2 and parts[1] == "media_publish" and method == "POST":
            return self._publish(self._user(parts[0], token), values.get("creation_id", ""))
        if len(parts) == 2 and parts[1] == "content_publishing_limit" and method == "GET":
            user = self._user(parts[0], token)
            return {"data": [{"quota_usage": len(user.published),
                              "config": {"quota_total": user.quota_total, "quota_duration": 86400}}]}
        if len(parts) == 2 and parts[1] == "media" and method == "GET":
            user = self._user(parts[0], token)
            limit = int(values.get("limit") or 25)
            with self._lock:
                items = [m for m in self._media.values()
                         if m.user_id == user.id and m.id not in self._unlisted][::-1][:limit]
            return {"data": [self._media_json(m) for m in items]}
        if len(parts) == 1 and method == "GET":
            return self._node(parts[0], token)
        raise GraphFault(100, message=f"Unsupported {method} request")

    def _user(self, user_id: str, token: str | None) -> _User:
        with self._lock:
            user = self._users.get(user_id)
        if user is None:
            raise GraphFault(100, message=f"Unsupported request: object {user_id} does not exist",
                             type_="GraphMethodException")
        if token != user.token:
            raise GraphFault(190, 400, subcode=463)
        return user

    def _create(self, user: _User, values: Any) -> dict[str, Any]:
        media_type = values.get("media_type") or "IMAGE"
        children: list[str] = []
        if media_type == "CAROUSEL":
            children = [c for c in (values.get("children") or "").split(",") if c]
            with self._lock:
                if not 2 <= len(children) <= 10 or any(
                        c not in self._containers or not self._containers[c].carousel_item for c in children):
                    raise GraphFault(100, message="(#100) The carousel children are invalid")
        elif media_type == "REELS":
            self._fetch(values.get("video_url") or "")
        elif media_type == "IMAGE":
            self._fetch(values.get("image_url") or "")
        else:
            raise GraphFault(100, message=f"(#100) media_type {media_type} is not supported")
        with self._lock:
            outcome, status = self._next_outcome.pop(0) if self._next_outcome else ("FINISHED", "")
            container = _Container(
                id=str(next(self._ids)), user_id=user.id, kind=media_type, caption=values.get("caption") or "",
                children=children, carousel_item=values.get("is_carousel_item") == "true",
                polls_left=self.polls_in_progress, outcome=outcome, error_status=status)
            self._containers[container.id] = container
        return {"id": container.id}

    def _fetch(self, url: str) -> None:
        if not url.startswith(("http://", "https://")):
            raise GraphFault(9004, 400, subcode=MEDIA_NOT_FETCHED, message=FETCH_FAILED)
        try:
            with urllib.request.urlopen(url, timeout=self.fetch_timeout) as answer:  # noqa: S310 - test URLs
                answer.read()
        except OSError:
            raise GraphFault(9004, 400, subcode=MEDIA_NOT_FETCHED, message=FETCH_FAILED) from None

    def _publish(self, user: _User, creation_id: str) -> dict[str, Any]:
        with self._lock:
            container = self._containers.get(creation_id)
            if container is None or container.user_id != user.id:
                raise GraphFault(100, message="(#100) Param creation_id must be a valid container id")
            if self._status(container) != "FINISHED":
                raise GraphFault(9007, 400, subcode=2207027, message="Media ID is not available")
            if len(user.published) >= user.quota_total:
                raise GraphFault(9, 400, subcode=2207042,
                                 message="Application request limit reached: content publishing limit")
            media = _IgMedia(id=str(next(self._ids)), user_id=user.id, caption=container.caption,
                             kind=container.kind, children=container.children,
                             timestamp=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000"))
            self._media[media.id] = media
            container.published = True
            user.published.append(media.id)
        return {"id": media.id}

    def _status(self, container: _Container) -> str:
        if container.published:
            return "PUBLISHED"
        if container.expired:
            return "EXPIRED"
        if container.outcome == "STUCK" or container.polls_left > 0:
            return "IN_PROGRESS"
        return container.outcome

    def _node(self, node: str, token: str | None) -> dict[str, Any]:
        with self._lock:
            container = self._containers.get(node)
            media = self._media.get(node)
            owner = container.user_id if container else media.user_id if media else None
        if owner is None:
            raise GraphFault(100, message=f"Unsupported get request. Object with ID '{node}' does not exist",
                             type_="GraphMethodException")
        self._user(owner, token)
        if media:
            return self._media_json(media)
        assert container is not None  # the owner came from it
        with self._lock:
            status = self._status(container)
            if status == "IN_PROGRESS" and container.polls_left > 0:
                container.polls_left -= 1
            answer: dict[str, Any] = {"id": container.id, "status_code": status}
            if status == "ERROR":
                answer["status"] = f"Error: {container.error_status or '2207001'}"
            elif status == "IN_PROGRESS":
                answer["status"] = "In Progress: Media is still being processed."
        return answer

    def _media_json(self, media: _IgMedia) -> dict[str, Any]:
        username = self._users[media.user_id].username
        return {"id": media.id, "caption": media.caption, "media_type": media.kind, "timestamp": media.timestamp,
                "permalink": f"https://www.instagram.com/p/{media.id}/?u={username}"}


def _edge(method: str, parts: list[str]) -> str:
    rest = parts[1:] if parts else []
    if len(rest) == 2 and rest[1] == "media":
        return "media" if method == "POST" else "list"
    if len(rest) == 2:
        return rest[1]
    return "status"
