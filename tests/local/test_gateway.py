"""The local HTTP gateway: API Gateway HTTP API (payload 2.0) emulation and the local pages.

Handlers are fake routes whose ``invoke`` records the event and returns a canned result; the site is
served from a bucket in a real in-process moto server.
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import boto3
import pytest
import requests
from werkzeug.test import Client

from kabar_local.gateway import MAX_BODY_BYTES, Router, make_app, map_result
from tests.serving import serve

try:
    from kabar_local.routes import HttpRoute
except ImportError:  # the stack core is written in parallel; same contract

    @dataclass(frozen=True)
    class HttpRoute:  # type: ignore[no-redef]
        method: str
        path: str
        function_id: str
        invoke: Callable[[dict], dict]


REGION = "ap-southeast-3"
SITE_BUCKET = "kabar-site-test"


class Recorder:
    """A handler stand-in: remembers each event and answers with ``result`` (or raises it)."""

    def __init__(self, result=None):
        self.events: list[dict] = []
        self.result = {"statusCode": 200, "body": "ok"} if result is None else result

    def __call__(self, event: dict) -> dict:
        self.events.append(event)
        if isinstance(self.result, Exception):
            raise self.result
        return self.result

    @property
    def event(self) -> dict:
        return self.events[-1]


def route(method: str, path: str, result=None, name: str = "fn") -> HttpRoute:
    return HttpRoute(method, path, name, Recorder(result))


@pytest.fixture(scope="module")
def site(moto_url):
    s3 = boto3.client(
        "s3", endpoint_url=moto_url, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    s3.create_bucket(Bucket=SITE_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    html = "text/html; charset=utf-8"
    s3.put_object(
        Bucket=SITE_BUCKET, Key="purwobinangun/index.html", Body="<h1>Kabar Purwobinangun</h1>", ContentType=html
    )
    s3.put_object(
        Bucket=SITE_BUCKET,
        Key="purwobinangun/berita/kerja-bakti/index.html",
        Body="<h1>Kerja bakti</h1>",
        ContentType=html,
        CacheControl="public, max-age=300",
    )
    s3.put_object(Bucket=SITE_BUCKET, Key="purwobinangun/style.css", Body="h1{}", ContentType="text/css")
    s3.put_object(Bucket=SITE_BUCKET, Key="sardonoharjo/index.html", Body="<h1>Sardonoharjo</h1>", ContentType=html)
    return s3


def feed_app(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps({"script_name": environ["SCRIPT_NAME"], "path_info": environ["PATH_INFO"]}).encode()]


@pytest.fixture
def stack(moto_url):
    return SimpleNamespace(
        moto_url=moto_url,
        settings=SimpleNamespace(site_bucket=SITE_BUCKET),
        mounts={"/feed": feed_app},
        base_url="http://127.0.0.1:8000",
    )


@pytest.fixture
def routes():
    return {
        "create": route("POST", "/submissions", {"statusCode": 201, "body": "{}"}, "SubmissionsFunction"),
        "status": route("GET", "/submissions/{id}", name="SubmissionsFunction"),
        "review_get": route("GET", "/review/{token}", name="ReviewFunction"),
        "review_post": route("POST", "/review/{token}", name="ReviewFunction"),
        "click": route("GET", "/r/{tenant}/{item}", name="ClicksFunction"),
        "webhook": route("ANY", "/webhook/{proxy+}", name="WebhookFunction"),
        "upload": route("GET", "/upload", name="UploadPageFunction"),
    }


@pytest.fixture
def client(routes, stack):
    return Client(make_app(list(routes.values()), stack), use_cookies=False)


# -- routing ------------------------------------------------------------------------------------------


def test_router_prefers_exact_then_variables_then_greedy_then_default():
    routes = [
        HttpRoute("GET", "/pets/dog/1", "exact", None),
        HttpRoute("GET", "/pets/dog/{id}", "var", None),
        HttpRoute("GET", "/pets/{proxy+}", "greedy", None),
        HttpRoute("ANY", "/{proxy+}", "any", None),
        HttpRoute("ANY", "$default", "default", None),
    ]
    router = Router(routes)

    def pick(method, path):
        found = router.match(method, path)
        return found and (found.route.function_id, found.route_key, found.path_parameters)

    assert pick("GET", "/pets/dog/1") == ("exact", "GET /pets/dog/1", {})
    assert pick("GET", "/pets/dog/2") == ("var", "GET /pets/dog/{id}", {"id": "2"})
    assert pick("GET", "/pets/cat/1") == ("greedy", "GET /pets/{proxy+}", {"proxy": "cat/1"})
    assert pick("POST", "/pets/dog/1") == ("any", "ANY /{proxy+}", {"proxy": "pets/dog/1"})
    assert pick("GET", "/") == ("default", "$default", {})


def test_router_named_method_beats_any_and_head_needs_its_own_route():
    router = Router(
        [HttpRoute("ANY", "/review/{token}", "any", None), HttpRoute("POST", "/review/{token}", "post", None)]
    )
    assert router.match("POST", "/review/t1").route.function_id == "post"
    assert router.match("HEAD", "/review/t1").route.function_id == "any"
    assert Router([HttpRoute("GET", "/upload", "get", None)]).match("HEAD", "/upload") is None


def test_router_is_strict_about_segments():
    router = Router([HttpRoute("GET", "/submissions/{id}", "s", None), HttpRoute("GET", "/upload", "u", None)])
    assert router.match("GET", "/submissions/") is None  # a variable never matches an empty segment
    assert router.match("GET", "/submissions/a/b") is None
    assert router.match("GET", "/upload/") is None  # no trailing-slash folding
    assert router.match("GET", "/Upload") is None  # paths are case-sensitive


# -- the 2.0 event ------------------------------------------------------------------------------------


def test_post_json_builds_a_faithful_v2_event(client, routes):
    response = client.post(
        "/submissions?lang=id&tag=a&tag=b&empty=",
        data=json.dumps({"narrative": "Kerja bakti di Padukuhan — “gotong royong”"}),
        headers={
            "Content-Type": "application/json",
            "Authorization": "Bearer upload-token",
            "User-Agent": "Mozilla/5.0 (Android)",
            "X-Custom-Thing": "Satu",
            "Cookie": "kabar_session=abc; theme=dark",
        },
    )

    assert response.status_code == 201
    event = routes["create"].invoke.event
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /submissions"
    assert event["rawPath"] == "/submissions"
    assert event["rawQueryString"] == "lang=id&tag=a&tag=b&empty="
    assert event["queryStringParameters"] == {"lang": "id", "tag": "a,b", "empty": ""}
    assert event["cookies"] == ["kabar_session=abc", "theme=dark"]
    assert "cookie" not in event["headers"]
    headers = event["headers"]
    assert all(name == name.lower() for name in headers)
    assert headers["content-type"] == "application/json"
    assert headers["authorization"] == "Bearer upload-token"
    assert headers["x-custom-thing"] == "Satu"
    assert headers["x-forwarded-proto"] == "http" and headers["x-forwarded-for"]
    assert headers["x-amzn-trace-id"].startswith("Root=1-")
    assert json.loads(event["body"]) == {"narrative": "Kerja bakti di Padukuhan — “gotong royong”"}
    assert event["isBase64Encoded"] is False
    assert "pathParameters" not in event

    ctx = event["requestContext"]
    assert ctx["accountId"] == "123456789012" and ctx["apiId"] and ctx["stage"] == "$default"
    assert ctx["routeKey"] == "POST /submissions"
    assert ctx["http"] == {
        "method": "POST",
        "path": "/submissions",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "Mozilla/5.0 (Android)",
    }
    assert ctx["domainName"] == "localhost" and ctx["domainPrefix"] == "localhost"
    assert re.fullmatch(r"\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000", ctx["time"])
    assert isinstance(ctx["timeEpoch"], int) and ctx["timeEpoch"] > 1_600_000_000_000
    assert response.headers["Apigw-Requestid"] == ctx["requestId"]


def test_bare_get_omits_empty_fields_and_decodes_path_parameters(client, routes):
    client.get("/r/desa%20purwobinangun/kerja-bakti")

    event = routes["click"].invoke.event
    assert event["routeKey"] == "GET /r/{tenant}/{item}"
    assert event["rawPath"] == "/r/desa purwobinangun/kerja-bakti"
    assert event["pathParameters"] == {"tenant": "desa purwobinangun", "item": "kerja-bakti"}
    assert event["rawQueryString"] == ""
    for absent in ("body", "cookies", "queryStringParameters"):
        assert absent not in event
    assert event["isBase64Encoded"] is False


def test_greedy_route_gets_the_rest_of_the_path(client, routes):
    client.post("/webhook/facebook/page-1", data="{}", content_type="application/json")
    event = routes["webhook"].invoke.event
    assert event["routeKey"] == "ANY /webhook/{proxy+}"
    assert event["pathParameters"] == {"proxy": "facebook/page-1"}


@pytest.mark.parametrize(
    ("content_type", "base64_encoded"),
    [
        ("multipart/form-data; boundary=xyz", True),
        ("application/x-www-form-urlencoded", True),
        ("application/octet-stream", True),
        ("image/jpeg", True),
        (None, True),
        ("text/html; charset=utf-8", False),
        ("application/json; charset=utf-8", False),
        ("application/xml", False),
        ("application/javascript", False),
    ],
)
def test_body_is_base64_unless_the_content_type_is_text(client, routes, content_type, base64_encoded):
    payload = b"decision=approve&note=Bagus sekali \xe2\x80\x94 lanjut" if content_type else b"\x00\x01\xff"
    headers = {"Content-Type": content_type} if content_type else {}

    client.post("/review/tok-1", data=payload, headers=headers)

    event = routes["review_post"].invoke.event
    assert event["isBase64Encoded"] is base64_encoded
    if base64_encoded:
        assert base64.b64decode(event["body"]) == payload
    else:
        assert event["body"] == payload.decode("utf-8")


def test_binary_multipart_upload_round_trips_through_base64(client, routes):
    photo = bytes(range(256)) * 4
    client.post("/review/tok-2", data={"decision": "approve", "photo": (io.BytesIO(photo), "foto.jpg")})

    event = routes["review_post"].invoke.event
    assert event["isBase64Encoded"] is True
    assert event["headers"]["content-type"].startswith("multipart/form-data; boundary=")
    assert photo in base64.b64decode(event["body"])


def test_body_over_10_mb_is_refused_before_the_handler(client, routes):
    response = client.post("/review/tok-3", data=b"x" * (MAX_BODY_BYTES + 1), content_type="text/plain")
    assert response.status_code == 413
    assert routes["review_post"].invoke.events == []


# -- the response ---------------------------------------------------------------------------------------


def test_full_response_maps_status_headers_cookies_and_base64_body():
    png = b"\x89PNG\r\n\x1a\n\x00binary"
    response = map_result(
        {
            "statusCode": 202,
            "headers": {"Content-Type": "image/png", "X-Kabar": "ya", "Cache-Control": "no-store"},
            "cookies": ["a=1; Path=/; HttpOnly", "b=2; Secure"],
            "body": base64.b64encode(png).decode(),
            "isBase64Encoded": True,
        }
    )
    assert response.status_code == 202
    assert response.get_data() == png
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Kabar"] == "ya" and response.headers["Cache-Control"] == "no-store"
    assert response.headers.getlist("Set-Cookie") == ["a=1; Path=/; HttpOnly", "b=2; Secure"]


def test_response_without_content_type_is_text_plain():
    response = map_result({"statusCode": 200, "body": "halo"})
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.get_data(as_text=True) == "halo"
    assert map_result({"statusCode": 204}).get_data() == b""


@pytest.mark.parametrize(
    ("result", "body"),
    [
        ({"message": "Halo dari Lambda"}, {"message": "Halo dari Lambda"}),
        ("Halo dari Lambda", "Halo dari Lambda"),
        ([1, 2], [1, 2]),
        ({"body": "no statusCode"}, {"body": "no statusCode"}),
    ],
)
def test_result_without_status_code_is_200_json_of_the_value(result, body):
    response = map_result(result)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert json.loads(response.get_data()) == body


@pytest.mark.parametrize(
    "result",
    [
        {"statusCode": "abc", "body": "x"},
        {"statusCode": 200, "body": {"not": "a string"}},
        {"statusCode": 200, "body": "%%%", "isBase64Encoded": True},
        {"statusCode": 200, "body": "x", "when": object()},
    ],
)
def test_malformed_results_are_500(stack, result, caplog):
    client = Client(make_app([route("GET", "/x", result)], stack))
    response = client.get("/x")
    assert response.status_code == 500
    assert response.get_json() == {"message": "Internal Server Error"}
    assert "GET /x" in caplog.text


def test_handler_exception_is_500_with_the_traceback_logged(stack, caplog):
    client = Client(make_app([route("POST", "/submissions", RuntimeError("boom in handler"))], stack))
    with caplog.at_level(logging.ERROR, logger="kabar_local.gateway"):
        response = client.post("/submissions", data="{}", content_type="application/json")
    assert response.status_code == 500
    assert response.get_data() == b'{"message":"Internal Server Error"}'
    assert response.headers["Content-Type"] == "application/json"
    assert "boom in handler" in caplog.text and "Traceback" in caplog.text


# -- what API Gateway answers itself -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/no-such-thing"),
        ("DELETE", "/submissions/abc"),  # a known path, a method without a route
        ("HEAD", "/upload"),  # HEAD is not folded into GET
        ("GET", "/submissions/abc/"),
        ("POST", "/"),
    ],
)
def test_unmatched_requests_are_404_not_found(client, routes, method, path):
    response = client.open(path, method=method)
    assert response.status_code == 404
    if method != "HEAD":
        assert response.get_data() == b'{"message":"Not Found"}'
    assert response.headers["Content-Type"] == "application/json"
    assert all(not r.invoke.events for r in routes.values())


def test_head_matches_an_any_route(client, routes):
    response = client.head("/webhook/x")
    assert response.status_code == 200 and response.get_data() == b""
    assert routes["webhook"].invoke.event["requestContext"]["http"]["method"] == "HEAD"


# -- over real HTTP ------------------------------------------------------------------------------------


@pytest.fixture
def served(routes, stack):
    url, stop = serve(make_app(list(routes.values()), stack))
    yield url
    stop()


def test_over_http_repeated_headers_are_comma_joined_and_cookies_set(served, routes, stack):
    routes["status"].invoke.result = {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "cookies": ["seen=1; Path=/", "lang=id; Path=/"],
        "body": '{"status": "diterima"}',
    }
    host, port = served.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    conn.putrequest("GET", "/submissions/sub-9?x=1&x=2")
    conn.putheader("X-Kabar-Repeat", "satu")
    conn.putheader("X-Kabar-Repeat", "dua")
    conn.putheader("Cookie", "a=1; b=2")
    conn.endheaders()
    response = conn.getresponse()
    body = response.read()
    conn.close()

    assert response.status == 200 and json.loads(body) == {"status": "diterima"}
    assert response.headers.get_all("Set-Cookie") == ["seen=1; Path=/", "lang=id; Path=/"]
    event = routes["status"].invoke.event
    assert event["headers"]["x-kabar-repeat"] == "satu,dua"
    assert event["queryStringParameters"] == {"x": "1,2"}
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["pathParameters"] == {"id": "sub-9"}
    assert event["requestContext"]["domainName"] == f"{host}:{port}"
    assert event["headers"]["x-forwarded-port"] == port


def test_over_http_not_found_and_mounts(served):
    assert requests.get(f"{served}/nothing", timeout=5).json() == {"message": "Not Found"}
    mounted = requests.get(f"{served}/feed/posts/1", timeout=5).json()
    assert mounted == {"script_name": "/feed", "path_info": "/posts/1"}


# -- local pages ---------------------------------------------------------------------------------------


def test_index_page_links_the_local_services_and_lists_the_routes(client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert '<html lang="id">' in html
    assert "Kotak keluar" in html and "(email outbox" in html
    for link in ('href="/_local/outbox"', 'href="/site/"', 'href="/feed/"', 'href="/upload"'):
        assert link in html
    assert "/review/{token}" in html and "ReviewFunction" in html
    assert 'href="/review/{token}"' not in html  # templates are not links


def test_site_lists_villages_and_serves_pages_from_the_bucket(client, site):
    listing = client.get("/site/")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert 'href="/site/purwobinangun/"' in html and 'href="/site/sardonoharjo/"' in html

    home = client.get("/site/purwobinangun/")
    assert home.status_code == 200
    assert home.get_data(as_text=True) == "<h1>Kabar Purwobinangun</h1>"
    assert home.headers["Content-Type"] == "text/html; charset=utf-8"

    article = client.get("/site/purwobinangun/berita/kerja-bakti/")
    assert article.get_data(as_text=True) == "<h1>Kerja bakti</h1>"
    assert article.headers["Cache-Control"] == "public, max-age=300"
    assert article.headers["ETag"]
    assert (
        client.get(
            "/site/purwobinangun/berita/kerja-bakti/", headers={"If-None-Match": article.headers["ETag"]}
        ).status_code
        == 304
    )

    css = client.get("/site/purwobinangun/style.css")
    assert css.headers["Content-Type"] == "text/css" and css.get_data() == b"h1{}"

    partial = client.get("/site/purwobinangun/style.css", headers={"Range": "bytes=0-1"})
    assert partial.status_code == 206 and partial.get_data() == b"h1"

    head = client.head("/site/purwobinangun/")
    assert head.status_code == 200 and head.get_data() == b""


def test_site_redirects_folders_and_404s_unknown_keys(client, site):
    folder = client.get("/site/purwobinangun/berita/kerja-bakti")
    assert folder.status_code == 301 and folder.headers["Location"].endswith("/site/purwobinangun/berita/kerja-bakti/")
    assert client.get("/site").status_code == 301

    missing = client.get("/site/purwobinangun/berita/tidak-ada/")
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert "tidak ditemukan" in missing.get_data(as_text=True)
    assert client.get("/site/desa-lain/").status_code == 404
    assert client.post("/site/purwobinangun/").status_code == 405
