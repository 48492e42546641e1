"""A local fake of the WordPress REST API (``/wp-json/wp/v2``, or ``/?rest_route=/wp/v2``) with
application-password auth, and the article pages a theme shows.

It answers as Debian's WordPress 6.1 was measured to answer (``tests/wordpress/`` runs the same contract
cases against both, so the two cannot drift):

- a wrong application password or an unknown user is served anonymously on a read (published posts only;
  ``context=edit`` is 401 ``rest_forbidden_context``, asking for another ``status`` 400 ``rest_invalid_param``)
  and refused on a write with 401 ``rest_cannot_create``; ``users/me`` says 401 ``rest_not_logged_in``;
- roles: an Editor may do everything (and post raw HTML, ``unfiltered_html``); an Author may upload and
  publish but not create categories; a Contributor may write drafts but not publish (403
  ``rest_cannot_publish``) nor upload; a Contributor's ``context=edit`` search drops the items it cannot
  edit while ``X-WP-Total`` still counts them;
- categories are stored HTML-escaped (``&`` as ``&amp;``), so a search by the raw name finds nothing;
  a duplicate is 400 ``term_exists`` with ``data.term_id`` and ``additional_data`` (the id twice);
- unknown ``categories`` and ``featured_media`` ids are dropped silently (201): a post whose only
  category is unknown has none (without ``categories`` it gets "Uncategorized");
- media: the extension is corrected from the content, a repeated file name gets a ``-1``, ``post`` is
  null unless given (query or body), ``alt_text`` and ``caption`` are empty unless sent, ``search``
  matches titles and file names, ``source_url`` is under ``/wp-content/uploads/``;
- with plain permalinks (``plain_permalinks``), a GET of ``/wp-json/...`` is a 301 to the same address with
  a slash, and the home page answers; ``/?rest_route=`` always works;
- posts: ``link`` follows ``/%year%/%monthnum%/%postname%/``; ``title.rendered`` is texturized; the
  article page (``GET <link>``) shows the featured image, the title and the content, not the excerpt.

Knobs inject faults (``fail_next``, ``fail_after_success_next``); the request log serves assertions.
"""

from __future__ import annotations

import base64
import html
import itertools
import json
import re
import secrets
import threading
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Request, Response

FILENAME_RE = re.compile(r'attachment;\s*filename="?([^";]+)"?', re.I)
CAPABILITIES = {
    "administrator": {"upload_files", "manage_categories", "publish_posts", "edit_posts", "unfiltered_html",
                      "edit_others_posts", "list_users", "edit_published_posts"},
    "editor": {"upload_files", "manage_categories", "publish_posts", "edit_posts", "unfiltered_html",
               "edit_others_posts", "edit_published_posts"},
    "author": {"upload_files", "publish_posts", "edit_posts", "edit_published_posts"},
    "contributor": {"edit_posts"},
}
ALL_STATUSES = ("publish", "future", "draft", "pending", "private")


class WpError(Exception):
    def __init__(self, status: int, code: str, message: str, additional: list | None = None, **data: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.data, self.additional = status, code, message, data, additional

    def body(self) -> dict[str, Any]:
        body = {"code": self.code, "message": self.message, "data": {"status": self.status, **self.data}}
        if self.additional is not None:
            body["additional_data"] = self.additional
        return body


@dataclass
class _Fault:
    kind: str  # fail | after_success
    edge: str
    times: int
    status: int = 500
    code: str = "internal_server_error"
    headers: dict[str, str] = field(default_factory=dict)
    method: str | None = None  # None: any
    item: bool | None = None  # True: only /<edge>/<id>; False: only the collection; None: either
    then: int = 0  # after an after_success fault: so many more requests fail

    def matches(self, method: str, edge: str, item: bool) -> bool:
        return (self.edge == edge and self.method in (None, method) and self.item in (None, item)
                and (self.kind != "after_success" or method == "POST"))


@dataclass
class _User:
    id: int
    username: str
    password: str  # the application password
    role: str
    login_password: str | None = None  # for wp-login.php (the authorize-application flow)
    app_names: set[str] = field(default_factory=set)  # application passwords' names: unique per user


class FakeWordPress:
    def __init__(self, username: str, application_password: str, *, can_publish: bool = True,
                 role: str = "editor") -> None:
        self.base_url = ""  # set by whoever serves it; links and media URLs point there
        self._lock = threading.RLock()
        self._ids = itertools.count(101)
        self.users: dict[str, _User] = {}
        self.username = username
        self.add_user(username, application_password, role)
        self.can_publish = can_publish
        self.media: dict[int, dict[str, Any]] = {}
        self.categories: dict[int, str] = {1: "Uncategorized"}  # stored as WordPress stores them (escaped)
        self.posts: dict[int, dict[str, Any]] = {}
        self._faults: list[_Fault] = []
        self._log: list[dict[str, Any]] = []
        self.plain_permalinks = False  # as a site whose permalinks are "Plain": /wp-json is not the API
        self._sessions: dict[str, str] = {}  # wp-login.php cookies -> username

    def add_user(self, username: str, application_password: str, role: str, login_password: str | None = None) -> None:
        with self._lock:
            self.users[username] = _User(len(self.users) + 1, username, application_password.replace(" ", ""), role,
                                         login_password)

    @property
    def can_publish(self) -> bool:
        return self.users[self.username].role in ("editor", "author", "administrator")

    @can_publish.setter
    def can_publish(self, value: bool) -> None:
        user = self.users[self.username]
        if not value:
            user.role = "contributor"
        elif user.role == "contributor":
            user.role = "editor"

    @property
    def application_password(self) -> str:
        return self.users[self.username].password

    @application_password.setter
    def application_password(self, value: str) -> None:
        self.users[self.username].password = value.replace(" ", "")

    def fail_next(self, status: int, code: str, *, on: str, times: int = 1,
                  headers: dict[str, str] | None = None, method: str | None = None, item: bool | None = None) -> None:
        """Answer the next ``times`` requests to ``on`` (``media``, ``categories``, ``posts``) with an error
        (only ``method`` ones, only to one item or to the collection, when given)."""
        with self._lock:
            self._faults.append(_Fault("fail", on, times, status, code, dict(headers or {}), method, item))

    def fail_after_success_next(self, *, on: str = "posts", item: bool | None = None, then: int = 0) -> None:
        """The next write to ``on`` is carried out, then answered as a PHP fatal error (500); so are the
        ``then`` REST requests after it."""
        with self._lock:
            self._faults.append(_Fault("after_success", on, 1, item=item, then=then))

    @property
    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(entry) for entry in self._log]

    # -- HTTP ---------------------------------------------------------------------------------------

    def app(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        return self._handle(Request(environ))(environ, start_response)

    def _handle(self, request: Request) -> Response:
        path = request.path
        if request.args.get("rest_route"):
            path = request.args["rest_route"]
        elif "/wp-json" in path and self.plain_permalinks:
            if request.method == "GET" and not path.endswith("/"):
                query = f"?{request.query_string.decode()}" if request.query_string else ""
                return Response("", status=301, headers={"Location": f"{self.base_url}{path}/{query}"},
                                content_type="text/html; charset=UTF-8")
            return Response("" if request.method != "GET" else "<!doctype html><title>Kalurahan</title>",
                            content_type="text/html; charset=UTF-8")
        elif "/wp-json" in path:
            path = path.split("/wp-json", 1)[1] or "/"
        elif "/wp-content/uploads/" in path:
            return self._file(path)
        elif path.endswith("/wp-login.php"):
            return self._login(request)
        elif path.endswith("/wp-admin/authorize-application.php"):
            return self._authorize(request)
        else:
            return self._page(path, int(request.args.get("p") or 0))
        parts = [p for p in path.split("/") if p]
        edge = parts[2] if len(parts) > 2 and parts[:2] == ["wp", "v2"] else "-"
        with self._lock:
            self._log.append({"method": request.method, "edge": edge, "path": path, "query": dict(request.args),
                              "headers": {k: v for k, v in request.headers.items() if k != "Authorization"}})
            fault = next((f for f in self._faults if f.matches(request.method, edge, len(parts) > 3)), None)
            if fault:
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
        headers: dict[str, str] = {}
        try:
            if fault and fault.kind == "fail":
                raise WpError(fault.status, fault.code, f"Injected {fault.code}")
            user = self._user(request)
            status, answer = self._route(request.method, edge, parts[3:], request, user, headers)
            if fault and fault.kind == "after_success":
                if fault.then:
                    with self._lock:
                        self._faults[:0] = [_Fault("fail", e, fault.then) for e in ("posts", "media", "categories")]
                raise WpError(500, "internal_server_error", "There has been a critical error on this website.")
        except WpError as err:
            return Response(json.dumps(err.body()), status=err.status, content_type="application/json",
                            headers=fault.headers if fault else {})
        return Response(json.dumps(answer), status=status, content_type="application/json", headers=headers)

    # -- wp-login.php and the authorize-application page ----------------------------------------------

    def _login(self, request: Request) -> Response:
        target = request.values.get("redirect_to") or f"{self.base_url}/wp-admin/"
        if request.method == "POST":
            user = self.users.get(request.form.get("log", ""))
            if user and user.login_password and user.login_password == request.form.get("pwd"):
                session = secrets.token_urlsafe(16)
                with self._lock:
                    self._sessions[session] = user.username
                response = Response("", status=302, headers={"Location": target})
                response.set_cookie("wordpress_logged_in_fake", session, httponly=True)
                return response
        page = ('<!doctype html><title>Log In</title><form name="loginform" id="loginform" method="post">'
                '<input type="text" name="log" id="user_login"><input type="password" name="pwd" id="user_pass">'
                f'<input type="hidden" name="redirect_to" value="{html.escape(target)}">'
                '<input type="submit" name="wp-submit" id="wp-submit" value="Log In"></form>')
        return Response(page, content_type="text/html; charset=UTF-8")

    def _authorize(self, request: Request) -> Response:
        with self._lock:
            username = self._sessions.get(request.cookies.get("wordpress_logged_in_fake", ""))
        if username is None:
            here = f"{self.base_url}/wp-admin/authorize-application.php?{request.query_string.decode()}"
            return Response("", status=302, headers={
                "Location": f"{self.base_url}/wp-login.php?redirect_to={urllib.parse.quote(here, safe='')}"})
        fields = {k: request.values.get(k, "") for k in ("app_name", "app_id", "success_url", "reject_url")}
        if request.method == "POST":
            if "approve" in request.form:
                password = " ".join(secrets.token_urlsafe(3)[:4] for _ in range(6))
                with self._lock:
                    user = self.users[username]
                    if fields["app_name"] in user.app_names:  # WordPress's 409: the page shows the error
                        return Response("<!doctype html><p>Each application name should be unique.</p>",
                                        status=409, content_type="text/html; charset=UTF-8")
                    user.app_names.add(fields["app_name"])
                    user.password = password.replace(" ", "")
                query = urllib.parse.urlencode({"site_url": self.base_url, "user_login": username,
                                                "password": password})
                back = fields["success_url"]
            else:
                query, back = "success=false", fields["reject_url"] or fields["success_url"]
            return Response("", status=302, headers={"Location": f"{back}{'&' if '?' in back else '?'}{query}"})
        hidden = "".join(f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in fields.items())
        page = (f"<!doctype html><title>Authorize Application</title><h1>Authorize Application</h1>"
                f"<p>Would you like to give {html.escape(fields['app_name'])} access to your account?</p>"
                f'<form method="post">{hidden}<button type="submit" name="approve" id="approve" value="1">'
                'Yes, I approve of this connection</button><button type="submit" name="reject" id="reject" value="1">'
                "No, I do not approve of this connection</button></form>")
        return Response(page, content_type="text/html; charset=UTF-8")

    def _user(self, request: Request) -> _User | None:
        """The user of a valid Basic login; anyone else is anonymous (as WordPress serves them)."""
        scheme, _, value = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Basic":
            return None
        try:
            name, _, password = base64.b64decode(value).decode().partition(":")
        except ValueError:
            return None
        user = self.users.get(name)
        return user if user and user.password == password.replace(" ", "") else None

    def _route(self, method: str, edge: str, rest: list[str], request: Request, user: _User | None,
               headers: dict[str, str]) -> tuple[int, Any]:
        params = {**request.args, **(request.get_json(silent=True) or {} if request.is_json else {})}
        if edge == "users" and rest == ["me"] and method == "GET":
            if user is None:
                raise WpError(401, "rest_not_logged_in", "You are not currently logged in.")
            return 200, {"id": user.id, "username": user.username, "slug": user.username, "roles": [user.role],
                         "capabilities": {c: True for c in sorted(CAPABILITIES[user.role])}}
        if method == "POST" and user is None:
            raise WpError(401, "rest_cannot_create", "Sorry, you are not allowed to create posts as this user.")
        if edge == "media" and method == "POST" and not rest:
            return 201, self._upload(request, params, user)
        if edge == "media" and method == "POST" and rest:
            return 200, self._update_media(int(rest[0]), params, user)
        if edge == "media" and method == "GET":
            term = (params.get("search") or "").lower()
            edit = self._edit_context(params, user)
            parent = int(params.get("parent") or 0)
            with self._lock:
                found = [m for m in self.media.values()
                         if (term in m["filename"].lower() or term in m["title"].lower())
                         and (not parent or m["post"] == parent)]
                return 200, [self._media_json(m, edit) for m in found]
        if edge == "categories" and method == "GET":
            term = (params.get("search") or "").lower()
            with self._lock:
                return 200, [self._category_json(i) for i, n in self.categories.items()
                             if term in n.lower() or term in _slugify(html.unescape(n))]
        if edge == "categories" and method == "POST":
            return 201, self._create_category(params, user)
        if edge == "posts" and method == "POST":
            if rest:
                return 200, self._update_post(int(rest[0]), params, user)
            return 201, self._create_post(params, user)
        if edge == "posts" and method == "GET" and rest:
            with self._lock:
                post = self.posts.get(int(rest[0]))
                if post is None or (post["status"] != "publish" and not self._may_edit(user, post)):
                    raise WpError(404 if post is None else 401, "rest_post_invalid_id" if post is None
                                  else "rest_forbidden", "Invalid post ID.")
                return 200, self._post_json(post, self._edit_context(params, user))
        if edge == "posts" and method == "GET":
            return 200, self._list_posts(params, user, headers)
        if not rest and method == "GET" and not edge.strip("-"):
            return 200, {"name": "Fake", "namespaces": ["wp/v2"], "authentication": {"application-passwords": {}}}
        raise WpError(404, "rest_no_route", "No route was found matching the URL and request method.")

    @staticmethod
    def _edit_context(params: dict, user: _User | None) -> bool:
        if params.get("context") != "edit":
            return False
        if user is None:
            raise WpError(401, "rest_forbidden_context", "Sorry, you are not allowed to edit posts in this post type.")
        return True

    @staticmethod
    def _require(user: _User | None, capability: str, code: str, message: str) -> _User:
        if user is None or capability not in CAPABILITIES[user.role]:
            raise WpError(403 if user else 401, code, message)
        return user

    # -- categories ---------------------------------------------------------------------------------

    def _category_json(self, term_id: int) -> dict[str, Any]:
        name = self.categories[term_id]
        return {"id": term_id, "name": name, "slug": _slugify(html.unescape(name)), "taxonomy": "category"}

    def _create_category(self, params: dict, user: _User | None) -> dict[str, Any]:
        self._require(user, "manage_categories", "rest_cannot_create",
                      "Sorry, you are not allowed to create terms in this taxonomy.")
        stored = _esc_html(str(params.get("name") or "").strip())
        with self._lock:
            for i, n in self.categories.items():
                if n.lower() == stored.lower():
                    raise WpError(400, "term_exists", "A term with the name provided already exists with this parent.",
                                  additional=[i, i], term_id=i)
            new_id = next(self._ids)
            self.categories[new_id] = stored
            return self._category_json(new_id)

    # -- media --------------------------------------------------------------------------------------

    def _upload(self, request: Request, params: dict, user: _User | None) -> dict[str, Any]:
        self._require(user, "upload_files", "rest_cannot_create", "Sorry, you are not allowed to upload files.")
        match = FILENAME_RE.search(request.headers.get("Content-Disposition", ""))
        if not match:
            raise WpError(400, "rest_upload_no_content_disposition", "No Content-Disposition supplied.")
        data = request.get_data()
        if not data:
            raise WpError(400, "rest_upload_no_data", "No data supplied.")
        mime = _sniff(data) or request.headers.get("Content-Type", "")
        if not mime.startswith("image/") and not mime.startswith("video/"):
            raise WpError(500, "rest_upload_sideload_error", "Sorry, you are not allowed to upload this file type.")
        stem = match.group(1).rsplit(".", 1)[0]
        extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "video/mp4": "mp4"}.get(mime, "bin")
        now = datetime.now(UTC)
        with self._lock:
            taken = {m["filename"] for m in self.media.values()}
            filename, n = f"{stem}.{extension}", 0
            while filename in taken:
                n += 1
                filename = f"{stem}-{n}.{extension}"
            media_id = next(self._ids)
            title = filename.rsplit(".", 1)[0]
            slugs = {m["slug"] for m in self.media.values()} | {p["slug"] for p in self.posts.values()}
            slug, k = _slugify(title), 1
            while slug in slugs:
                k += 1
                slug = f"{_slugify(title)}-{k}"
            url = f"{self.base_url}/wp-content/uploads/{now:%Y/%m}/{filename}"
            self.media[media_id] = {"id": media_id, "data": data, "mime_type": mime, "filename": filename,
                                    "title": title, "slug": slug, "source_url": url, "post": None,
                                    "alt_text": "", "caption": ""}
            self._set_media(self.media[media_id], params)
            return self._media_json(self.media[media_id], True)

    def _set_media(self, item: dict[str, Any], params: dict) -> None:
        if params.get("post") not in (None, ""):
            item["post"] = int(params["post"]) or None
        if "alt_text" in params:  # as wp_strip_all_tags: script and style go with their content
            text = re.sub(r"<(script|style)[^>]*?>.*?</\1>", "", str(params["alt_text"]), flags=re.I | re.S)
            item["alt_text"] = re.sub(r"<[^>]*>", "", text).strip()
        if "caption" in params:
            caption = params["caption"]
            item["caption"] = str(caption.get("raw", "") if isinstance(caption, dict) else caption)

    def _update_media(self, media_id: int, params: dict, user: _User | None) -> dict[str, Any]:
        self._require(user, "upload_files", "rest_cannot_edit", "Sorry, you are not allowed to edit this post.")
        with self._lock:
            item = self.media.get(media_id)
            if item is None:
                raise WpError(404, "rest_post_invalid_id", "Invalid post ID.")
            self._set_media(item, params)
            return self._media_json(item, True)

    @staticmethod
    def _media_json(item: dict[str, Any], edit: bool) -> dict[str, Any]:
        caption = {"rendered": f"<p>{item['caption']}</p>\n" if item["caption"] else ""}
        answer = {"id": item["id"], "source_url": item["source_url"], "mime_type": item["mime_type"],
                  "media_type": "image" if item["mime_type"].startswith("image/") else "file",
                  "slug": item["slug"], "title": {"rendered": item["title"]},
                  "post": item["post"], "alt_text": item["alt_text"], "caption": caption}
        if edit:
            answer["caption"] = caption | {"raw": item["caption"]}
            answer["title"] |= {"raw": item["title"]}
        return answer

    def _file(self, path: str) -> Response:
        with self._lock:
            item = next((m for m in self.media.values() if m["source_url"].endswith(path)), None)
        if not item:
            return Response("not found", status=404)
        return Response(item["data"], content_type=item["mime_type"])

    # -- posts --------------------------------------------------------------------------------------

    def _create_post(self, params: dict, user: _User | None) -> dict[str, Any]:
        user = self._require(user, "edit_posts", "rest_cannot_create",
                             "Sorry, you are not allowed to create posts as this user.")
        if not params.get("title") and not params.get("content") and not params.get("excerpt"):
            raise WpError(400, "empty_content", "Content, title, and excerpt are empty.")
        with self._lock:
            post_id = next(self._ids)
            post = {"id": post_id, "author": user.id, "title": "", "content": "", "excerpt": "", "status": "draft",
                    "categories": [1], "featured_media": 0, "slug": "", "date": datetime.now(UTC)}
            self._set_post(post, params, user)
            self.posts[post_id] = post
            return self._post_json(post, True)

    def _update_post(self, post_id: int, params: dict, user: _User | None) -> dict[str, Any]:
        with self._lock:
            post = self.posts.get(post_id)
            if post is None:
                raise WpError(404, "rest_post_invalid_id", "Invalid post ID.")
            if user is None or "edit_posts" not in CAPABILITIES[user.role] or (
                    post["author"] != user.id and "edit_others_posts" not in CAPABILITIES[user.role]):
                raise WpError(403, "rest_cannot_edit", "Sorry, you are not allowed to edit this post.")
            self._set_post(post, params, user)
            return self._post_json(post, True)

    def _set_post(self, post: dict[str, Any], params: dict, user: _User) -> None:
        status = params.get("status") or post["status"]
        if status in ("publish", "future", "private") and "publish_posts" not in CAPABILITIES[user.role]:
            raise WpError(403, "rest_cannot_publish", "Sorry, you are not allowed to publish posts in this post type.")
        raw = "unfiltered_html" in CAPABILITIES[user.role]
        for key in ("title", "content", "excerpt"):
            if key in params:
                value = params[key]
                value = str(value.get("raw", "") if isinstance(value, dict) else value)
                post[key] = value if raw else _kses(value)
        if "categories" in params:
            post["categories"] = [c for c in params["categories"] or [] if c in self.categories]
        if "featured_media" in params:
            post["featured_media"] = params["featured_media"] if params["featured_media"] in self.media else 0
        post["status"] = status
        wanted = params.get("slug") or post["slug"] or _slugify(html.unescape(post["title"])) or str(post["id"])
        taken = {p["slug"] for i, p in self.posts.items() if i != post["id"]}
        slug, k = wanted, 1
        while slug in taken:
            k += 1
            slug = f"{wanted}-{k}"
        post["slug"] = slug

    def link_of(self, post: dict[str, Any]) -> str:
        if post["status"] != "publish" or self.plain_permalinks:
            return f"{self.base_url}/?p={post['id']}"
        return f"{self.base_url}/{post['date']:%Y/%m}/{post['slug']}/"

    def _list_posts(self, params: dict, user: _User | None, headers: dict[str, str]) -> list[dict[str, Any]]:
        statuses = [s for s in str(params.get("status") or "publish").split(",") if s]
        if user is None and any(s != "publish" for s in statuses):  # checked before the context
            raise WpError(400, "rest_invalid_param", "Invalid parameter(s): status",
                          params={"status": "Status is forbidden."})
        edit = self._edit_context(params, user)
        term = params.get("search") or ""
        with self._lock:
            found = [p for p in self.posts.values() if p["status"] in statuses
                     and (term in p["content"] or term in p["title"] or term in p["excerpt"])]
            headers["X-WP-Total"] = str(len(found))
            headers["X-WP-TotalPages"] = "1" if found else "0"
            if edit:
                found = [p for p in found if self._may_edit(user, p)]
            return [self._post_json(p, edit) for p in found]

    @staticmethod
    def _may_edit(user: _User | None, post: dict[str, Any]) -> bool:
        if user is None:
            return False
        capabilities = CAPABILITIES[user.role]
        if post["author"] != user.id and "edit_others_posts" not in capabilities:
            return False
        return post["status"] != "publish" or "edit_published_posts" in capabilities

    def _post_json(self, post: dict[str, Any], edit: bool) -> dict[str, Any]:
        content = {"rendered": post["content"]} | ({"raw": post["content"]} if edit else {})
        title = {"rendered": _texturize(post["title"])} | ({"raw": post["title"]} if edit else {})
        return {"id": post["id"], "link": self.link_of(post), "status": post["status"], "slug": post["slug"],
                "title": title, "content": content, "excerpt": {"rendered": f"<p>{post['excerpt']}</p>\n"},
                "categories": post["categories"], "featured_media": post["featured_media"],
                "author": post["author"], "date": f"{post['date']:%Y-%m-%dT%H:%M:%S}"}

    def _page(self, path: str, request_id: int = 0) -> Response:
        """The article page as a block theme shows it: featured image, title, content; no excerpt."""
        with self._lock:
            post = next((p for p in self.posts.values() if p["status"] == "publish"
                         and self.link_of(p).endswith(path.rstrip("/") + "/")), None)
            if post is None and request_id:
                post = self.posts.get(request_id)
            if post is None:
                return Response("<!doctype html><title>Page not found</title>", status=404,
                                content_type="text/html; charset=UTF-8")
            featured = self.media.get(post["featured_media"])
        image = (f'<figure class="wp-block-post-featured-image"><img src="{html.escape(featured["source_url"])}" '
                 f'alt="{html.escape(featured["alt_text"])}"></figure>' if featured else "")
        page = (f"<!doctype html><html><head><title>{_texturize(post['title'])}</title></head><body><main>"
                f"{image}<h1 class=\"wp-block-post-title\">{_texturize(post['title'])}</h1>"
                f"<div class=\"entry-content wp-block-post-content\">{post['content']}</div></main></body></html>")
        return Response(page, content_type="text/html; charset=UTF-8")


def _esc_html(value: str) -> str:
    """As WordPress stores a term name: ``&``, ``<`` and ``>`` as entities (existing entities kept)."""
    value = re.sub(r"&(?!(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);)", "&amp;", value)
    return value.replace("<", "&lt;").replace(">", "&gt;")


def _kses(value: str) -> str:
    """What a user without ``unfiltered_html`` keeps: no script or style, no event handlers."""
    value = re.sub(r"<(script|style)\b.*?</\1\s*>", "", value, flags=re.I | re.S)
    return re.sub(r"\s+on\w+\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)", "", value, flags=re.I)


def _texturize(value: str) -> str:
    """The few of ``wptexturize``'s replacements a title shows: curly quotes, the en dash."""
    value = re.sub(r'"([^"<>]*)"', "&#8220;\\1&#8221;", value)
    value = re.sub(r"(\w)'(\w)", "\\1&#8217;\\2", value)
    return value.replace(" - ", " &#8211; ")


def _slugify(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":  # an MP4 (WordPress reads its type from the file, as here)
        return "video/mp4"
    return None
