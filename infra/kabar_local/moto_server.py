"""moto's server, in this process, on 127.0.0.1, with S3 POST policies enforced.

moto accepts any browser-form (presigned POST) upload: it never reads the ``policy`` field. Real S3
checks the signature, the expiry and every condition, and the upload page depends on those refusals
(size, type and key are what keep a submitter's link from becoming a general file drop). So moto's
WSGI app runs behind :class:`PostPolicyMiddleware`, which checks the policy the way S3 does and answers
403 with S3's XML error before moto ever sees a refused upload.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote
from xml.sax.saxutils import escape

from werkzeug.formparser import parse_form_data
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

SECRET_ACCESS_KEY = "testing"  # noqa: S105 - the local stack's fake credentials (moto accepts any)
ACCESS_KEY_ID = "testing"

log = logging.getLogger("kabar_local.moto")

# Form fields that S3 does not require to be covered by a policy condition.
_EXEMPT_FIELDS = {"policy", "x-amz-signature", "signature", "file", "awsaccesskeyid"}


class PolicyRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = hmac.new(("AWS4" + secret).encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def check_post_policy(
    fields: dict[str, str],
    file_size: int,
    filename: str | None,
    bucket: str,
    now: datetime | None = None,
    secret: str = SECRET_ACCESS_KEY,
) -> None:
    """Raise :class:`PolicyRefused` when S3 would refuse this form upload.

    ``fields`` are the form fields (not the file); names are matched case-insensitively, as S3 does.
    """
    now = now or datetime.now(UTC)
    lower = {name.lower(): value for name, value in fields.items()}
    policy_b64 = lower.get("policy")
    if not policy_b64:
        raise PolicyRefused("AccessDenied", "Bucket POST must contain a policy (anonymous uploads are refused).")

    if "x-amz-signature" in lower:
        if lower.get("x-amz-algorithm") != "AWS4-HMAC-SHA256":
            raise PolicyRefused("InvalidArgument", "Only AWS4-HMAC-SHA256 is supported for x-amz-algorithm.")
        parts = lower.get("x-amz-credential", "").split("/")
        if len(parts) != 5 or parts[4] != "aws4_request":
            raise PolicyRefused("InvalidArgument", "Invalid x-amz-credential.")
        _akid, date, region, service, _ = parts
        if not lower.get("x-amz-date", "").startswith(date):
            raise PolicyRefused("InvalidArgument", "x-amz-date does not match the credential's date.")
        expected = hmac.new(_signing_key(secret, date, region, service), policy_b64.encode(),
                            hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, lower["x-amz-signature"].strip().lower()):
            raise PolicyRefused("SignatureDoesNotMatch",
                                "The request signature we calculated does not match the signature you provided.")
    elif "signature" in lower:
        expected = base64.b64encode(hmac.new(secret.encode(), policy_b64.encode(), hashlib.sha1).digest()).decode()
        if not hmac.compare_digest(expected, lower["signature"].strip()):
            raise PolicyRefused("SignatureDoesNotMatch",
                                "The request signature we calculated does not match the signature you provided.")
    else:
        raise PolicyRefused("AccessDenied", "Bucket POST must be signed.")

    try:
        policy = json.loads(base64.b64decode(policy_b64))
    except (ValueError, TypeError):
        raise PolicyRefused("InvalidPolicyDocument", "Invalid Policy: Invalid JSON.") from None
    if not isinstance(policy, dict) or "expiration" not in policy or "conditions" not in policy:
        raise PolicyRefused("InvalidPolicyDocument", "Invalid Policy: needs expiration and conditions.")
    try:
        expiration = datetime.fromisoformat(str(policy["expiration"]).replace("Z", "+00:00"))
    except ValueError:
        raise PolicyRefused("InvalidPolicyDocument", "Invalid Policy: Invalid 'expiration' value.") from None
    if expiration.tzinfo is None:
        expiration = expiration.replace(tzinfo=UTC)
    if now >= expiration:
        raise PolicyRefused("AccessDenied", "Invalid according to Policy: Policy expired.")

    values = dict(lower)
    values["bucket"] = bucket
    if filename is not None and "key" in values:
        values["key"] = values["key"].replace("${filename}", filename)

    covered: set[str] = {"bucket"}
    for condition in policy["conditions"]:
        if isinstance(condition, dict):
            for name, expected_value in condition.items():
                name = name.lower()
                covered.add(name)
                if values.get(name) != str(expected_value):
                    raise _condition_failed(["eq", f"${name}", expected_value])
        elif isinstance(condition, list) and condition:
            op = str(condition[0]).lower()
            if op == "content-length-range":
                low, high = int(condition[1]), int(condition[2])
                if file_size > high:
                    raise PolicyRefused("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
                if file_size < low:
                    raise PolicyRefused("EntityTooSmall",
                                        "Your proposed upload is smaller than the minimum allowed size")
                continue
            if op not in ("eq", "starts-with") or len(condition) != 3:
                raise PolicyRefused("InvalidPolicyDocument", f"Invalid Policy: Invalid Condition {condition}.")
            name = str(condition[1]).lstrip("$").lower()
            covered.add(name)
            actual = values.get(name)
            expected_value = str(condition[2])
            if actual is None:
                raise _condition_failed(condition)
            if op == "eq" and actual != expected_value:
                raise _condition_failed(condition)
            if op == "starts-with":
                # Content-Type may be a comma-separated list; each entry must match.
                candidates = actual.split(",") if name == "content-type" else [actual]
                if not all(item.strip().startswith(expected_value) for item in candidates):
                    raise _condition_failed(condition)
        else:
            raise PolicyRefused("InvalidPolicyDocument", f"Invalid Policy: Invalid Condition {condition}.")

    for name in lower:
        if name in _EXEMPT_FIELDS or name.startswith("x-ignore-") or name in covered:
            continue
        raise PolicyRefused("AccessDenied",
                            f"Invalid according to Policy: Extra input fields: {name}")


def _condition_failed(condition: Any) -> PolicyRefused:
    return PolicyRefused("AccessDenied",
                         f"Invalid according to Policy: Policy Condition failed: {json.dumps(condition)}")


def _error_xml(code: str, message: str, request_id: str = "kabar-local") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
        f"<RequestId>{request_id}</RequestId><HostId>kabar-local</HostId></Error>"
    ).encode()


class PostPolicyMiddleware:
    """WSGI middleware: enforce S3 POST policies in front of moto.

    Only ``multipart/form-data`` POSTs are looked at (no other AWS API the project uses sends one);
    everything else passes through untouched. Refusals answer 403, whatever the cause, so that
    the local storage refuses exactly what real S3 refuses.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], now: Callable[[], datetime] | None = None) -> None:
        self.app = app
        self.now = now or (lambda: datetime.now(UTC))

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST" or not str(environ.get("CONTENT_TYPE", "")).lower().startswith(
                "multipart/form-data"):
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else environ["wsgi.input"].read()
        probe = dict(environ)
        probe["wsgi.input"] = io.BytesIO(body)
        probe["CONTENT_LENGTH"] = str(len(body))
        _stream, form, files = parse_form_data(probe)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        upload = files.get("file")
        if upload is None:
            return self._refuse(start_response, "InvalidArgument",
                                "POST requires exactly one file upload per request.", 400)
        data = upload.stream.read()
        fields = {name: form.get(name, "") for name in form.keys()}
        try:
            check_post_policy(fields, len(data), upload.filename, _bucket_of(environ), self.now())
        except PolicyRefused as refused:
            log.info("S3 POST refused: %s", refused.message)
            return self._refuse(start_response, refused.code, refused.message, 403)
        return self.app(environ, start_response)

    @staticmethod
    def _refuse(start_response: Callable[..., Any], code: str, message: str, status: int) -> list[bytes]:
        payload = _error_xml(code, message)
        start_response(f"{status} {'Forbidden' if status == 403 else 'Bad Request'}",
                       [("Content-Type", "application/xml"), ("Content-Length", str(len(payload)))])
        return [payload]


def _bucket_of(environ: dict[str, Any]) -> str:
    host = str(environ.get("HTTP_HOST", "")).split(":")[0]
    for marker in (".s3.", ".s3-", ".localhost"):
        if marker in host:
            return host.split(marker)[0]
    return unquote(str(environ.get("PATH_INFO", "/")).lstrip("/").split("/")[0])


class _TrackingHandlerMixin:
    """Remember open connections so stop() can close keep-alive sockets and free their threads."""

    server: Any
    connection: socket.socket

    def setup(self) -> None:
        super().setup()  # type: ignore[misc]
        self.server.kabar_connections.add(self.connection)

    def finish(self) -> None:
        self.server.kabar_connections.discard(self.connection)
        super().finish()  # type: ignore[misc]

    def log_request(self, *args: Any, **kwargs: Any) -> None:  # werkzeug's per-request line
        pass


class ServerThread:
    """A werkzeug threaded server on a background thread, closed without leftovers."""

    def __init__(self, app: Callable[..., Any], host: str = "127.0.0.1", port: int = 0,
                 request_handler: type[WSGIRequestHandler] = WSGIRequestHandler, name: str = "wsgi") -> None:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        handler = type(f"Tracking{request_handler.__name__}", (_TrackingHandlerMixin, request_handler), {})
        self.server: BaseWSGIServer = make_server(host, port, app, threaded=True, request_handler=handler)
        self.server.kabar_connections = set()  # type: ignore[attr-defined]
        address = self.server.server_address
        self.host, self.port = str(address[0]), int(address[1])
        self._stopped = False
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"kabar-{name}-{self.port}", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.server.shutdown()
        self._thread.join(timeout=5)
        connections = self.server.kabar_connections  # type: ignore[attr-defined]
        for conn in list(connections):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        deadline = time.monotonic() + 2
        while connections and time.monotonic() < deadline:  # their handler threads end on EOF
            time.sleep(0.01)
        self.server.server_close()


class MotoServer:
    """moto's server with POST policies enforced.

    >>> srv = MotoServer(); srv.start(); srv.url  # doctest: +SKIP
    'http://127.0.0.1:40123'
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, enforce_post_policy: bool = True) -> None:
        self.host = host
        self.requested_port = port
        self.enforce_post_policy = enforce_post_policy
        self._server: ServerThread | None = None

    def start(self) -> MotoServer:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )

        from .moto_fidelity import serialize_dynamodb

        serialize_dynamodb()  # DynamoDB's transaction isolation, which moto's threads lack
        app: Any = DomainDispatcherApplication(create_backend_app)
        if self.enforce_post_policy:
            app = PostPolicyMiddleware(app)
        self._server = ServerThread(app, self.host, self.requested_port, MotoRequestHandler, name="moto")
        log.debug("moto listening on %s", self.url)
        return self

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("moto server is not started")
        return self._server.url

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("moto server is not started")
        return int(self._server.port)

    def reset(self) -> None:
        """Forget every resource (moto's own reset endpoint)."""
        import urllib.request

        urllib.request.urlopen(urllib.request.Request(f"{self.url}/moto-api/reset", method="POST"),  # noqa: S310
                               timeout=10).read()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> MotoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class RemoteMoto:
    """A moto server another process runs (``MotoServer``'s reset and URL; stopping it is its owner's)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.running = True

    def reset(self) -> None:
        import urllib.request

        urllib.request.urlopen(urllib.request.Request(f"{self.url}/moto-api/reset", method="POST"),  # noqa: S310
                               timeout=30).read()

    def stop(self) -> None:
        self.running = False
