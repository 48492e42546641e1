"""A local fake of the WordPress REST API (``/wp-json/wp/v2``) with application-password auth.

Routes: ``POST /wp/v2/media`` (raw body, ``Content-Disposition: attachment; filename=...``; 201 with
``id``, ``source_url``), ``GET /wp/v2/media/{id}/file`` (the bytes), ``GET``/``POST /wp/v2/categories``
(``term_exists`` on a duplicate name), ``GET``/``POST /wp/v2/posts`` (``search`` over the raw content,
``context=edit`` returns ``content.raw``). Errors have WordPress's shape ``{"code", "message",
"data": {"status"}}``. Knobs inject faults; the request log serves assertions.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request, Response

FILENAME_RE = re.compile(r'attachment;\s*filename="?([^";]+)"?', re.I)


class WpError(Exception):
    def __init__(self, status: int, code: str, message: str, **data: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.data = status, code, message, data

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "data": {"status": self.status, **self.data}}


@dataclass
class _Fault:
    kind: str  # fail | after_success
    edge: str
    times: int
    status: int = 500
    code: str = "internal_server_error"
    headers: dict[str, str] = field(default_factory=dict)


class FakeWordPress:
    def __init__(self, username: str, application_password: str, *, can_publish: bool = True) -> None:
        self.username = username
        self.application_password = application_password
        self.can_publish = can_publish
        self.base_url = ""  # set by whoever serves it; media URLs point there
        self._lock = threading.RLock()
        self._ids = itertools.count(101)
        self.media: dict[int, dict[str, Any]] = {}
        self.categories: dict[int, str] = {1: "Uncategorized"}
        self.posts: dict[int, dict[str, Any]] = {}
        self._faults: list[_Fault] = []
        self._log: list[dict[str, Any]] = []

    def fail_next(self, status: int, code: str, *, on: str, times: int = 1,
                  headers: dict[str, str] | None = None) -> None:
        """Answer the next ``times`` requests to ``on`` (``media``, ``categories``, ``posts``) with an error."""
        with self._lock:
            self._faults.append(_Fault("fail", on, times, status, code, dict(headers or {})))

    def fail_after_success_next(self, *, on: str = "posts") -> None:
        with self._lock:
            self._faults.append(_Fault("after_success", on, 1))

    @property
    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(entry) for entry in self._log]

    def app(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        return self._handle(Request(environ))(environ, start_response)

    def _handle(self, request: Request) -> Response:
        path = request.path
        if "/wp-json/" in path:
            path = path.split("/wp-json", 1)[1]
        parts = [p for p in path.split("/") if p]
        edge = parts[2] if len(parts) > 2 and parts[:2] == ["wp", "v2"] else "-"
        if edge == "media" and parts[-1] == "file" and request.method == "GET":
            with self._lock:
                item = self.media.get(int(parts[3]))
            if not item:
                return Response("not found", status=404)
            return Response(item["data"], content_type=item["mime_type"])
        with self._lock:
            self._log.append({"method": request.method, "edge": edge, "path": path, "query": dict(request.args),
                              "headers": {k: v for k, v in request.headers.items() if k != "Authorization"}})
            fault = next((f for f in self._faults if f.edge == edge), None)
            if fault:
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
        try:
            if fault and fault.kind == "fail":
                raise WpError(fault.status, fault.code, f"Injected {fault.code}")
            self._check_auth(request)
            status, answer = self._route(request.method, edge, parts[3:], request)
            if fault and fault.kind == "after_success":
                raise WpError(500, "internal_server_error", "There has been a critical error on this website.")
        except WpError as err:
            return Response(json.dumps(err.body()), status=err.status, content_type="application/json",
                            headers=fault.headers if fault else {})
        return Response(json.dumps(answer), status=status, content_type="application/json")

    def _check_auth(self, request: Request) -> None:
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Basic":
            raise WpError(401, "rest_not_logged_in", "You are not currently logged in.")
        user, _, password = base64.b64decode(value).decode().partition(":")
        if user != self.username:
            raise WpError(401, "invalid_username", "Unknown username. Check again or try your email address.")
        if password.replace(" ", "") != self.application_password.replace(" ", ""):
            raise WpError(401, "incorrect_password", "The provided password is an invalid application password.")

    def _route(self, method: str, edge: str, rest: list[str], request: Request) -> tuple[int, Any]:
        if edge == "media" and method == "POST":
            return 201, self._upload(request)
        if edge == "media" and method == "GET":
            term = (request.args.get("search") or "").lower()
            with self._lock:
                return 200, [self._media_json(m) for m in self.media.values() if term in m["filename"].lower()]
        if edge == "categories" and method == "GET":
            term = (request.args.get("search") or "").lower()
            with self._lock:
                return 200, [{"id": i, "name": n, "slug": n.lower()} for i, n in self.categories.items()
                             if term in n.lower()]
        if edge == "categories" and method == "POST":
            name = (request.get_json(silent=True) or {}).get("name", "").strip()
            self._require_publish("rest_cannot_create", "Sorry, you are not allowed to create terms in this taxonomy.")
            with self._lock:
                for i, n in self.categories.items():
                    if n.lower() == name.lower():
                        raise WpError(400, "term_exists", "A term with the name provided already exists.", term_id=i)
                new_id = next(self._ids)
                self.categories[new_id] = name
            return 201, {"id": new_id, "name": name}
        if edge == "posts" and method == "POST":
            return 201, self._create_post(request.get_json(silent=True) or {})
        if edge == "posts" and method == "GET":
            term = request.args.get("search") or ""
            edit = request.args.get("context") == "edit"
            with self._lock:
                items = [p for p in self.posts.values() if term in p["content"] or term in p["title"]]
                return 200, [self._post_json(p, edit) for p in items]
        raise WpError(404, "rest_no_route", "No route was found matching the URL and request method.")

    def _require_publish(self, code: str, message: str) -> None:
        if not self.can_publish:
            raise WpError(403, code, message)

    def _upload(self, request: Request) -> dict[str, Any]:
        self._require_publish("rest_cannot_create", "Sorry, you are not allowed to upload files.")
        match = FILENAME_RE.search(request.headers.get("Content-Disposition", ""))
        if not match:
            raise WpError(400, "rest_upload_no_content_disposition", "No Content-Disposition supplied.")
        data = request.get_data()
        if not data:
            raise WpError(400, "rest_upload_no_data", "No data supplied.")
        mime = request.headers.get("Content-Type", "")
        if not mime.startswith("image/") and not mime.startswith("video/"):
            raise WpError(500, "rest_upload_sideload_error", "Sorry, you are not allowed to upload this file type.")
        with self._lock:
            media_id = next(self._ids)
            url = f"{self.base_url}/wp-json/wp/v2/media/{media_id}/file"
            self.media[media_id] = {"id": media_id, "data": data, "mime_type": mime, "filename": match.group(1),
                                    "source_url": url}
            return self._media_json(self.media[media_id])

    @staticmethod
    def _media_json(item: dict[str, Any]) -> dict[str, Any]:
        # WordPress makes the slug from the file name without its extension.
        slug = item["filename"].rsplit(".", 1)[0].lower()
        return {"id": item["id"], "source_url": item["source_url"], "mime_type": item["mime_type"],
                "media_type": "image", "slug": slug, "title": {"rendered": slug}}

    def _create_post(self, body: dict[str, Any]) -> dict[str, Any]:
        self._require_publish("rest_cannot_create", "Sorry, you are not allowed to create posts as this user.")
        if not body.get("title") and not body.get("content"):
            raise WpError(400, "empty_content", "Content, title, and excerpt are empty.")
        with self._lock:
            for category in body.get("categories") or []:
                if category not in self.categories:
                    raise WpError(400, "rest_invalid_param", "Invalid parameter(s): categories")
            featured = body.get("featured_media") or 0
            if featured and featured not in self.media:
                raise WpError(400, "rest_invalid_featured_media", "Invalid featured media ID.")
            post_id = next(self._ids)
            slug = body.get("slug") or f"post-{post_id}"
            self.posts[post_id] = {"id": post_id, "title": body.get("title", ""), "content": body.get("content", ""),
                                   "status": body.get("status", "draft"), "categories": body.get("categories") or [1],
                                   "featured_media": featured, "slug": slug, "excerpt": body.get("excerpt", ""),
                                   "link": f"{self.base_url}/{slug}/"}
            return self._post_json(self.posts[post_id], True)

    @staticmethod
    def _post_json(post: dict[str, Any], edit: bool) -> dict[str, Any]:
        content = {"rendered": post["content"]} | ({"raw": post["content"]} if edit else {})
        return {"id": post["id"], "link": post["link"], "status": post["status"], "slug": post["slug"],
                "title": {"rendered": post["title"]}, "content": content, "categories": post["categories"],
                "featured_media": post["featured_media"]}
