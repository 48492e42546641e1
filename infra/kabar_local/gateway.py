"""The local HTTP gateway: an API Gateway HTTP API (payload format 2.0) in front of the handlers.

What it does, and how faithfully:

- **API routes** are matched as an HTTP API matches them: an exact route (literal segments beating
  ``{vars}``, a named method beating ``ANY``), then a greedy ``{proxy+}`` route (longest prefix first),
  then ``$default``. HEAD matches only HEAD or ANY routes. No match or a wrong method gives ``404
  {"message":"Not Found"}``; so does a trailing slash the route lacks (no folding here: the strict choice).
- **The event** is the 2.0 payload AWS builds: lowercase header names with repeats comma-joined, the
  ``cookie`` header moved into ``cookies``, URL-decoded ``rawPath``/``pathParameters``/query values,
  absent keys when empty, and a body that is text only for ``text/*``, ``application/json``,
  ``application/xml`` and ``application/javascript`` -- anything else (``multipart/form-data``,
  ``application/x-www-form-urlencoded``, no content type) arrives base64-encoded with
  ``isBase64Encoded: true`` (the split reported as measured against AWS in ministackorg/ministack#766).
- **The response** is mapped as for 2.0: a dict with ``statusCode`` gives that status, headers, each
  ``cookies`` entry as a ``Set-Cookie`` and the body (base64-decoded when ``isBase64Encoded``), with
  ``text/plain; charset=utf-8`` when no content type is set; any other JSON value becomes ``200
  application/json`` of that value. A handler exception or a malformed response gives ``500
  {"message":"Internal Server Error"}`` and a logged traceback. Bodies over 10 MB (the HTTP API limit) and
  events over 6 MB (Lambda's synchronous invoke limit) give 413.

Local extras, outside the API: ``/`` (an index page), ``/_local/outbox`` (sent mail), ``/openapi.json`` and
``/api/`` (the JSON API's document and reference page, ``kabar_local.openapi``), ``/site/`` (the
site bucket, served like S3 website hosting) and the stack's mounted fakes (``stack.mounts``, with
:class:`werkzeug.middleware.dispatcher.DispatcherMiddleware` semantics). They win over API routes; ``/``
only for GET and HEAD.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import secrets
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup, escape
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.wrappers import Request, Response

from kabar_local.outbox import Email, Outbox

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from kabar_local.routes import HttpRoute

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 10 * 1024 * 1024  # HTTP API payload limit
MAX_EVENT_BYTES = 6 * 1024 * 1024  # Lambda synchronous invocation payload limit (request and response)
ACCOUNT_ID = "123456789012"  # moto's default account
API_ID = "kabarlocal"  # ten lowercase characters, like a real API id
TEXT_CONTENT_TYPES = frozenset({"application/json", "application/xml", "application/javascript"})
WIB = timezone(timedelta(hours=7), "WIB")  # Asia/Jakarta has no daylight saving time
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TEMPLATES = Path(__file__).parent / "templates"


# -- routing ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteMatch:
    route: Any  # a kabar_local.routes.HttpRoute
    route_key: str
    path_parameters: dict[str, str]


class _CompiledRoute:
    def __init__(self, route: HttpRoute) -> None:
        self.route = route
        self.method = route.method.upper()
        self.is_default = route.path == "$default"
        self.route_key = "$default" if self.is_default else f"{self.method} {route.path}"
        segments = _segments(route.path) if not self.is_default else []
        self.greedy: str | None = None
        if segments and re.fullmatch(r"\{\w+\+\}", segments[-1]):
            self.greedy = segments.pop()[1:-2]
        self.segments = segments
        # Lower sorts first: literal segments beat variables, left to right; a named method beats ANY.
        self.rank = (tuple(1 if _is_var(s) else 0 for s in segments), 1 if self.method == "ANY" else 0)

    def accepts(self, method: str) -> bool:
        return self.method in (method, "ANY")

    def match(self, parts: list[str]) -> dict[str, str] | None:
        n = len(self.segments)
        if self.greedy is None and len(parts) != n:
            return None
        if self.greedy is not None and len(parts) <= n:
            return None
        params: dict[str, str] = {}
        for template, value in zip(self.segments, parts, strict=False):
            if _is_var(template):
                if not value:
                    return None
                params[template[1:-1]] = value
            elif template != value:
                return None
        if self.greedy is not None:
            rest = "/".join(parts[n:])
            if not rest:
                return None
            params[self.greedy] = rest
        return params


def _segments(path: str) -> list[str]:
    return [] if path in ("", "/") else path[1:].split("/") if path.startswith("/") else path.split("/")


def _is_var(segment: str) -> bool:
    return len(segment) > 2 and segment[0] == "{" and segment[-1] == "}"


class Router:
    """Picks the route an HTTP API would pick for a method and a (decoded) path."""

    def __init__(self, routes: Iterable[HttpRoute]) -> None:
        self.routes = [_CompiledRoute(r) for r in routes]

    def match(self, method: str, path: str) -> RouteMatch | None:
        method = method.upper()
        parts = _segments(path)
        exact: list[Any] = []
        greedy: list[Any] = []
        default: list[Any] = []
        for compiled in self.routes:
            if not compiled.accepts(method):
                continue
            if compiled.is_default:
                default.append(compiled)
                continue
            params = compiled.match(parts)
            if params is None:
                continue
            (greedy if compiled.greedy is not None else exact).append((compiled, params))
        if exact:
            best, params = min(exact, key=lambda c: c[0].rank)
        elif greedy:
            best, params = min(greedy, key=lambda c: (-len(c[0].segments), c[0].rank))
        elif default:
            best, params = default[0], {}
        else:
            return None
        return RouteMatch(best.route, best.route_key, params)


# -- the 2.0 event ----------------------------------------------------------------------------------


def is_text_content_type(content_type: str | None) -> bool:
    """Whether an HTTP API passes a request body of this type as text (else it base64-encodes it)."""
    if not content_type:
        return False
    mime = content_type.split(";", 1)[0].strip().lower()
    return mime.startswith("text/") or mime in TEXT_CONTENT_TYPES


def _wsgi_str(value: str) -> str:
    # WSGI carries header and query bytes as latin-1 code points; the event carries UTF-8 text.
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def new_request_id() -> str:
    return base64.b64encode(secrets.token_bytes(11)).decode()  # like "KtUfbjJIgAMEbPQ=", 16 characters


def build_event(request: Request, match: RouteMatch, body: bytes, request_id: str, now: float) -> dict[str, Any]:
    environ = request.environ
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:]
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            name = key
        else:
            continue
        headers[name.replace("_", "-").lower()] = _wsgi_str(str(value))
    cookie_header = headers.pop("cookie", None)
    remote = environ.get("REMOTE_ADDR") or "127.0.0.1"
    forwarded = headers.get("x-forwarded-for")
    headers["x-forwarded-for"] = f"{forwarded}, {remote}" if forwarded else remote
    headers["x-forwarded-port"] = str(environ.get("SERVER_PORT") or "")
    headers["x-forwarded-proto"] = str(environ.get("wsgi.url_scheme") or "http")
    headers.setdefault("x-amzn-trace-id", f"Root=1-{int(now):08x}-{secrets.token_hex(12)}")

    raw_query = _wsgi_str(environ.get("QUERY_STRING") or "")
    query: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value

    host = headers.get("host", "")
    path = request.path
    when = datetime.fromtimestamp(now, UTC)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": match.route_key,
        "rawPath": path,
        "rawQueryString": raw_query,
    }
    if cookie_header:
        event["cookies"] = [c.strip() for c in cookie_header.split(";") if c.strip()]
    event["headers"] = headers
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "domainName": host,
        "domainPrefix": host.split(":", 1)[0].split(".", 1)[0],
        "http": {
            "method": request.method,
            "path": path,
            "protocol": environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            "sourceIp": remote,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": match.route_key,
        "stage": "$default",
        "time": f"{when:%d}/{_MONTHS[when.month - 1]}/{when:%Y:%H:%M:%S} +0000",
        "timeEpoch": int(now * 1000),
    }
    if body:
        if is_text_content_type(headers.get("content-type")):
            event["body"] = body.decode("utf-8", errors="replace")
            event["isBase64Encoded"] = False
        else:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
    else:
        event["isBase64Encoded"] = False
    if match.path_parameters:
        event["pathParameters"] = match.path_parameters
    return event


# -- the response -----------------------------------------------------------------------------------


class InvalidResponse(ValueError):
    """The handler returned something API Gateway would answer with a 500."""


def gateway_error(status: int, message: str, request_id: str | None = None) -> Response:
    response = Response(json.dumps({"message": message}, separators=(",", ":")), status=status)
    response.headers["Content-Type"] = "application/json"
    if request_id:
        response.headers["Apigw-Requestid"] = request_id
    return response


def map_result(result: Any) -> Response:
    """Turn a handler's return value into the HTTP response an HTTP API (payload 2.0) sends."""
    try:
        serialized = json.dumps(result)  # Lambda serializes the return value; what fails here fails there
    except (TypeError, ValueError) as exc:
        raise InvalidResponse(f"the handler's result is not JSON-serializable: {exc}") from exc
    if len(serialized.encode()) > MAX_EVENT_BYTES:
        raise InvalidResponse("the handler's result exceeds Lambda's 6 MB response limit")
    payload = json.loads(serialized)
    if not (isinstance(payload, dict) and "statusCode" in payload):
        response = Response(serialized, status=200)
        response.headers["Content-Type"] = "application/json"
        return response

    status = payload["statusCode"]
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise InvalidResponse(f"statusCode must be an HTTP status code, got {status!r}")
    headers = payload.get("headers") or {}
    cookies = payload.get("cookies") or []
    if not isinstance(headers, dict) or not isinstance(cookies, list):
        raise InvalidResponse("headers must be an object and cookies a list")
    body = payload.get("body")
    if body is None:
        data = b""
    elif not isinstance(body, str):
        raise InvalidResponse(f"body must be a string, got {type(body).__name__}")
    elif payload.get("isBase64Encoded"):
        try:
            data = base64.b64decode(body, validate=True)
        except ValueError as exc:
            raise InvalidResponse("isBase64Encoded is true but the body is not base64") from exc
    else:
        data = body.encode("utf-8")

    response = Response(data, status=status)
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    for name, value in headers.items():
        if value is None:
            continue
        text = json.dumps(value) if isinstance(value, bool) else str(value)
        if name.lower() == "set-cookie":
            response.headers.add("Set-Cookie", text)
        else:
            response.headers[name] = text
    for cookie in cookies:
        response.headers.add("Set-Cookie", str(cookie))
    return response


# -- the WSGI application ---------------------------------------------------------------------------


class Gateway:
    """The WSGI application :func:`make_app` returns."""

    def __init__(self, routes: Sequence[HttpRoute], stack: Any, outbox: Outbox | None = None) -> None:
        self.routes = list(routes)
        self.router = Router(self.routes)
        self.stack = stack
        self.outbox = outbox or Outbox()
        self._s3: Any = None
        self._s3_lock = threading.Lock()
        self._pages = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=True)
        self._pages.filters["linkify"] = linkify

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        # Read the mounts on every request so a fake mounted after make_app() is still served.
        mounts: dict[str, WSGIApplication] = dict(getattr(self.stack, "mounts", None) or {})
        app: WSGIApplication = DispatcherMiddleware(self._core, mounts) if mounts else self._core
        return app(environ, start_response)

    def _core(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        response = self.handle(request)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        path = request.path
        if path == "/" and request.method in ("GET", "HEAD"):
            return self._page("index.html", **self._index_context())
        if path == "/_local" or path.startswith("/_local/"):
            return self._local(request, path)
        if path == "/site" or path.startswith("/site/"):
            return self._site(request, path)
        if path in ("/openapi.json", "/api") or path.startswith("/api/"):
            return self._openapi(request, path)
        return self.api(request)

    # -- the JSON API's OpenAPI document and its reference page (kabar_local.openapi) ---------------

    def _openapi(self, request: Request, path: str) -> Response:
        from kabar_local import openapi

        if request.method not in ("GET", "HEAD"):
            return _method_not_allowed()
        if getattr(self, "_openapi_text", None) is None:
            self._openapi_text = openapi.render(openapi.document(getattr(self.stack, "model", None)))
        # Swagger UI names its document "/api/?format=json" (its download link)
        if path == "/openapi.json" or (path == "/api/" and request.args.get("format") == "json"):
            return Response(self._openapi_text, mimetype="application/json")
        if path == "/api":
            return _redirect("/api/", request)
        if path == "/api/":
            return Response(openapi.reference_page(self._openapi_text), mimetype="text/html")
        data = openapi.asset(path.removeprefix("/api/"))
        if data is None:
            return self._not_found(path)
        kind = "text/javascript" if path.endswith(".js") else "text/css"
        return Response(data, mimetype=kind, headers={"Cache-Control": "max-age=3600"})

    # -- API Gateway -------------------------------------------------------------------------------

    def api(self, request: Request) -> Response:
        request_id = new_request_id()
        match = self.router.match(request.method, request.path)
        if match is None:
            return gateway_error(404, "Not Found", request_id)
        request.max_content_length = MAX_BODY_BYTES
        try:
            body = request.get_data(cache=False)
        except RequestEntityTooLarge:
            return gateway_error(413, "Request Entity Too Large", request_id)
        event = build_event(request, match, body, request_id, time.time())
        if len(json.dumps(event).encode()) > MAX_EVENT_BYTES:
            return gateway_error(413, "Request Entity Too Large", request_id)
        try:
            result = match.route.invoke(event)
            response = map_result(result)
        except InvalidResponse as exc:
            log.error("%s (%s): malformed response: %s", match.route_key, match.route.function_id, exc)
            return gateway_error(500, "Internal Server Error", request_id)
        except Exception:
            log.exception("%s (%s) failed", match.route_key, match.route.function_id)
            return gateway_error(500, "Internal Server Error", request_id)
        response.headers["Apigw-Requestid"] = request_id
        return response

    # -- local pages -------------------------------------------------------------------------------

    def _page(self, template: str, status: int = 200, **context: Any) -> Response:
        html = self._pages.get_template(template).render(**context)
        return Response(html, status=status, mimetype="text/html")

    def _not_found(self, what: str = "") -> Response:
        return self._page("not_found.html", status=404, what=what)

    def _index_context(self) -> dict[str, Any]:
        routes = sorted(self.routes, key=lambda r: (r.path, r.method))
        mounts = sorted((getattr(self.stack, "mounts", None) or {}).keys())
        return {
            "base_url": getattr(self.stack, "base_url", ""),
            "routes": [
                {
                    "method": r.method.upper(),
                    "path": r.path,
                    "function_id": r.function_id,
                    "link": r.method.upper() in ("GET", "ANY") and "{" not in r.path and r.path != "$default",
                }
                for r in routes
            ],
            "mounts": mounts,
            "emails": [_email_row(e) for e in self.outbox.emails()[:20]],
        }

    def _local(self, request: Request, path: str) -> Response:
        if request.method not in ("GET", "HEAD"):
            return _method_not_allowed()
        if path.startswith("/_local/connect/wordpress"):
            return self._connect_wordpress(request, path)
        if path in ("/_local/outbox", "/_local/outbox/"):
            emails = self.outbox.list(to=request.args.get("to") or None)
            return Response(json.dumps(emails, ensure_ascii=False), mimetype="application/json")
        rest = path.removeprefix("/_local/outbox/")
        if rest == path or not rest:
            return self._not_found(path)
        if rest.endswith(".eml") and "/" not in rest:
            raw = self.outbox.raw(rest[: -len(".eml")])
            if raw is None:
                return self._not_found(path)
            response = Response(raw, mimetype="message/rfc822")
            response.headers["Content-Disposition"] = f'attachment; filename="{rest}"'
            return response
        msg_id, _, tail = rest.partition("/")
        if tail:
            index = tail.removeprefix("parts/")
            part = self.outbox.part(msg_id, int(index)) if index.isdigit() and index != tail else None
            if part is None:
                return self._not_found(path)
            content_type, data = part
            return Response(data, content_type=content_type)
        email = self.outbox.email(msg_id)
        if email is None:
            return self._not_found(path)
        return self._page("email.html", email=_email_row(email), body=_embed_html(email), text=email.text)

    # -- connecting a WordPress (the authorize-application flow) ---------------------------------------

    def _connect_wordpress(self, request: Request, path: str) -> Response:
        """``/_local/connect/wordpress?village=<id>&site=<url>`` sends the browser to the site's authorize
        page; ``/_local/connect/wordpress/callback`` is where WordPress sends it back."""
        from kabar.adapters.channels.wordpress import WordPressSite
        from kabar.domain.clock import now
        from kabar.domain.errors import KabarError, NotFound
        from kabar.services import services
        from kabar.usecases import wordpress_connect as flow
        from kabar.usecases.files import _signing_key

        svc = services()
        key = flow.state_key(_signing_key(svc))
        base = getattr(self.stack, "base_url", "").rstrip("/")
        try:
            if path.rstrip("/") == "/_local/connect/wordpress":
                village = svc.store.get_village(request.args.get("village", ""))
                target = flow.authorize_url(village.id, request.args.get("site", ""),
                                            f"{base}/_local/connect/wordpress/callback", key, now())
                return Response("", status=302, headers={"Location": target, "Cache-Control": "no-store"})
            if path.rstrip("/") == "/_local/connect/wordpress/callback":
                done = flow.connect(request.args, key, svc.store, svc.credentials,
                                    lambda site, user, password: WordPressSite(site, user, password), now())
                body = (f"<h1>WordPress tersambung</h1><p>{escape(done.site_url)} terhubung untuk "
                        f"{escape(done.tenant_id)} sebagai {escape(done.username)} ({escape(', '.join(done.roles))})."
                        "</p><p lang=en>WordPress connected.</p>")
                return Response(_connect_page(body), mimetype="text/html", headers={"Cache-Control": "no-store"})
        except NotFound:
            return self._not_found(path)
        except KabarError as err:
            return Response(_connect_page(f"<h1>WordPress belum tersambung</h1><p>{escape(err.message.id)}</p>"
                                          f"<p lang=en>{escape(err.message.en)}</p>"), status=err.status,
                            mimetype="text/html", headers={"Cache-Control": "no-store"})
        except Exception as err:  # noqa: BLE001 - a channel error: its explanation is for the admin
            explanation = getattr(err, "explanation", None)
            if explanation is None:
                raise
            return Response(_connect_page(f"<h1>WordPress belum tersambung</h1><p>{escape(str(explanation))}</p>"),
                            status=502, mimetype="text/html", headers={"Cache-Control": "no-store"})
        return self._not_found(path)

    # -- the static site ---------------------------------------------------------------------------

    def _s3_client(self) -> Any:
        with self._s3_lock:
            if self._s3 is None:
                import boto3  # late: only the site needs it, and it costs ~300 ms to import

                self._s3 = boto3.client(
                    "s3",
                    endpoint_url=self.stack.moto_url,
                    region_name=os.environ.get("AWS_DEFAULT_REGION") or "ap-southeast-3",
                    aws_access_key_id="testing",  # the moto server accepts any key
                    aws_secret_access_key="testing",  # noqa: S106 - not a secret: moto's fake credentials
                )
            return self._s3

    def _site(self, request: Request, path: str) -> Response:
        if request.method not in ("GET", "HEAD"):
            return _method_not_allowed()
        if path == "/site":
            return _redirect("/site/", request)
        from botocore.exceptions import ClientError

        bucket = self.stack.settings.site_bucket
        s3 = self._s3_client()
        key = path.removeprefix("/site/")
        if key == "":
            try:
                villages = _top_level_prefixes(s3, bucket)
            except ClientError as exc:
                log.warning("cannot list the site bucket %s: %s", bucket, exc)
                villages = []
            return self._page("site_index.html", villages=villages, bucket=bucket)
        if key.endswith("/"):
            key += "index.html"
        args: dict[str, Any] = {"Bucket": bucket, "Key": key}
        if request.headers.get("Range"):
            args["Range"] = request.headers["Range"]
        try:
            obj = s3.head_object(**args) if request.method == "HEAD" else s3.get_object(**args)
        except ClientError as exc:
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 500)
            if status == 416:
                return Response(status=416)
            if status not in (403, 404):
                log.warning("site object %s/%s: %s", bucket, key, exc)
                return Response("Gagal membaca situs (Site read failed)\n", status=502)
            # S3 website hosting: "/site/desa" serves "desa/index.html" by redirecting to "/site/desa/".
            if not path.endswith("/") and _exists(s3, bucket, f"{key}/index.html"):
                return _redirect(f"{path}/", request)
            return self._not_found(path)
        etag = obj.get("ETag")
        if etag and etag in request.headers.get("If-None-Match", ""):
            return Response(status=304, headers={"ETag": etag})
        body = obj["Body"].iter_chunks(64 * 1024) if "Body" in obj else []
        response = Response(body, status=206 if obj.get("ContentRange") else 200, direct_passthrough=True)
        response.headers["Content-Type"] = obj.get("ContentType") or "binary/octet-stream"
        response.headers["Content-Length"] = str(obj.get("ContentLength", 0))
        response.headers["Accept-Ranges"] = "bytes"
        for header, field in (
            ("ETag", "ETag"),
            ("Content-Range", "ContentRange"),
            ("Cache-Control", "CacheControl"),
            ("Content-Encoding", "ContentEncoding"),
            ("Content-Disposition", "ContentDisposition"),
            ("Content-Language", "ContentLanguage"),
        ):
            if obj.get(field):
                response.headers[header] = str(obj[field])
        if obj.get("LastModified"):
            response.last_modified = obj["LastModified"]
        return response


def make_app(routes: Sequence[HttpRoute], stack: Any, *, outbox: Outbox | None = None) -> Gateway:
    """The gateway's WSGI application.

    ``stack`` needs ``moto_url`` and ``settings.site_bucket`` (for ``/site/``), and may offer ``mounts``
    (path prefix -> WSGI app) and ``base_url`` (shown on the index page).
    """
    return Gateway(routes, stack, outbox)


# -- helpers ----------------------------------------------------------------------------------------


def _connect_page(body: str) -> str:
    return ("<!doctype html><html lang=id><meta charset=utf-8><meta name=viewport content='width=device-width'>"
            f"<title>WordPress</title><body style='font-family:sans-serif;max-width:40em;margin:2em auto'>{body}")


def _method_not_allowed() -> Response:
    return Response("Metode tidak diizinkan (Method not allowed)\n", status=405, headers={"Allow": "GET, HEAD"})


def _redirect(location: str, request: Request) -> Response:
    query = request.query_string.decode("latin-1")
    return Response(status=301, headers={"Location": f"{location}?{query}" if query else location})


def _exists(s3: Any, bucket: str, key: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError:
        return False
    return True


def _top_level_prefixes(s3: Any, bucket: str) -> list[str]:
    prefixes: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Delimiter="/"):
        prefixes.extend(p["Prefix"].rstrip("/") for p in page.get("CommonPrefixes", []))
    return prefixes


def _email_row(email: Email) -> dict[str, Any]:
    return {
        "id": email.id,
        "url": f"/_local/outbox/{quote(email.id)}",
        "eml_url": f"/_local/outbox/{quote(email.id)}.eml",
        "to": ", ".join(email.to),
        "sender": email.sender,
        "subject": email.subject,
        "sent_at": email.sent_at.astimezone(WIB).strftime("%d-%m-%Y %H:%M WIB"),
        "links": email.links,
        "attachments": [
            {
                "filename": p.filename,
                "content_type": p.content_type,
                "size": p.size,
                "url": f"/_local/outbox/{quote(email.id)}/parts/{p.index}",
            }
            for p in email.attachments
        ],
    }


_STYLE = re.compile(r"<style\b[^>]*>.*?</style>", re.IGNORECASE | re.DOTALL)
_BODY = re.compile(r"<body\b[^>]*>(.*)</body>", re.IGNORECASE | re.DOTALL)
_DOC_SHELL = re.compile(r"<!doctype[^>]*>|</?html\b[^>]*>|<head\b.*?</head>|</?body\b[^>]*>", re.IGNORECASE | re.DOTALL)


def _embed_html(email: Email) -> Markup | None:
    """The email's HTML part, as-is (it is our own mail), made to sit inside a page.

    The document shell is dropped and its ``<style>`` blocks kept; ``cid:`` images point at the parts.
    """
    if not email.html:
        return None
    doc = email.html
    body = _BODY.search(doc)
    inner = body.group(1) if body else _DOC_SHELL.sub("", doc)
    html = "".join(_STYLE.findall(doc)) + inner
    for part in email.parts:
        if part.content_id:
            url = f"/_local/outbox/{quote(email.id)}/parts/{part.index}"
            html = re.sub(f"cid:{re.escape(part.content_id)}", url, html, flags=re.IGNORECASE)
    return Markup(html)  # noqa: S704 - our own email, rendered as the mail client would


def linkify(text: str) -> Markup:
    """Escape plain text and turn its http(s) URLs into links."""
    out, last = [], 0
    for match in re.finditer(r"https?://[^\s\"'<>]+", text):
        url = match.group(0).rstrip(".,;:!?")
        end = match.start() + len(url)
        out.append(escape(text[last : match.start()]))
        out.append(Markup('<a href="{0}">{0}</a>').format(url))
        last = end
    out.append(escape(text[last:]))
    return Markup("").join(out)
