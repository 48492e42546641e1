"""HTTP answers in one place: domain errors -> JSON errors, pages with safe headers.

Built on Powertools' Event Handler (API Gateway HTTP API, payload 2.0).
"""

from __future__ import annotations

import importlib
import json
import sys
from functools import cache, cached_property
from types import ModuleType
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from pydantic import ValidationError

from .domain.errors import InvalidInput, KabarError, UndecodableBody
from .domain.text import t

if TYPE_CHECKING:
    from .messages import Page

logger = Logger(child=True)

PAGE_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
# media-src: the draft video plays from /files/{token}, which redirects to the storage (as images do)
PAGE_CSP = ("default-src 'none'; img-src 'self' https: http: data:; media-src 'self' https: http:; "
            "style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


class _Deferred(ModuleType):
    """Stands for a module not imported yet: the first attribute read imports it (the import system's own
    lock keeps that safe across threads), and every read is the module's own attribute."""

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self.__name__), attr)


def lazy_module(name: str) -> ModuleType:
    """The module ``name``, imported when first used rather than now: a handler names the use cases of all
    its routes, and a cold start then loads only those of the route it serves (what a route loads is paid by
    its first request instead)."""
    return sys.modules.get(name) or _Deferred(name)


def json_response(status: int, body: object, headers: dict[str, str] | None = None) -> Response:
    return Response(status_code=status, content_type="application/json; charset=utf-8",
                    body=json.dumps(body, ensure_ascii=False), headers={"Cache-Control": "no-store", **(headers or {})})


def page(status: int, html: str, csp: str = PAGE_CSP, head_only: bool = False) -> Response:
    """A page for a person, with the page headers."""
    return Response(status_code=status, content_type=PAGE_HEADERS["Content-Type"], body="" if head_only else html,
                    headers={**PAGE_HEADERS, "Content-Security-Policy": csp})


def shown(result: Page, csp: str = PAGE_CSP, head_only: bool = False, lang: str | None = None) -> Response:
    """A use case's page written out here, at the edge, with its status and the page headers."""
    from . import web

    return page(result.status, web.page_html(result, lang=lang), csp=csp, head_only=head_only)


def body_bytes(event) -> bytes:
    """The request body's bytes; base64 that is not base64 is the client's error (400)."""
    import base64
    import binascii

    body = event.body or ""
    try:
        return base64.b64decode(body, validate=True) if event.is_base64_encoded else body.encode("utf-8")
    except (binascii.Error, UnicodeError, ValueError) as err:
        raise UndecodableBody() from err


def body_text(event) -> str:
    """The request body as text; a body that is not UTF-8 is the client's error (400), never the server's."""
    try:
        return body_bytes(event).decode("utf-8")
    except UnicodeError as err:
        raise UndecodableBody() from err


def error_body(code: str, message_id: str, message_en: str, fields: list[dict] | None = None) -> dict:
    error: dict = {"code": code, "message": message_id, "message_en": message_en}
    if fields:
        error["fields"] = fields
    return {"error": error}


_PYDANTIC_ID = {
    "missing": "wajib diisi",
    "string_too_short": "terlalu pendek",
    "string_too_long": "terlalu panjang",
    "too_short": "terlalu sedikit",
    "too_long": "terlalu banyak",
    "greater_than": "harus lebih besar dari 0",
    "enum": "pilihan tidak dikenal",
    "literal_error": "pilihan tidak dikenal",
    "date_from_datetime_parsing": "tanggal tidak valid (YYYY-MM-DD)",
    "date_parsing": "tanggal tidak valid (YYYY-MM-DD)",
    "json_invalid": "JSON tidak valid",
}


def validation_fields(err: ValidationError) -> list[dict]:
    """A pydantic error as one bilingual message per field."""
    out = []
    for e in err.errors(include_url=False):
        field = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in e["loc"]).replace(".[", "[") or "body"
        out.append({"field": field, "code": e["type"],
                    "message": f"{field}: {_PYDANTIC_ID.get(e['type'], 'isian tidak valid')}",
                    "message_en": f"{field}: {e['msg']}"})
    return out


#: the OpenAPI document's head, the same for every function's part of it (``infra/kabar_local/openapi.py`` merges them)
OPENAPI: dict[str, Any] = {
    "title": "Kabar",
    "version": "1",
    "description": "Kabar's JSON API: a village's content SOP (SOP 480/01). Errors are "
                   "`{\"error\": {\"code\", \"message\" (Bahasa Indonesia), \"message_en\" (English)}}`.",
}
BEARER_DESCRIPTION = "the token of a staff member's personal link (kabar staff add)"


class _StrictEvent(APIGatewayProxyEventV2):
    """The HTTP API's event whose body is read strictly: bytes that are not UTF-8, or base64 that is not
    base64, are the client's error (400) wherever the body is read, the OpenAPI validation included."""

    @cached_property
    def decoded_body(self) -> str | None:
        return body_text(self) if self.body is not None else None


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError as err:  # nested deeper than any request of ours: the client's error
        raise InvalidInput(t("JSON terlalu dalam bersarang.", "The JSON is nested too deeply.")) from err


@cache
def _json_only_class() -> type:
    """Powertools' request validation, with one rule before it: a typed body is JSON, and any other declared
    type (a form, a multipart body without its boundary) is 415 before anything parses it. Made when a
    validating resolver is (the workspace, which validates nothing, never imports the validation)."""
    from aws_lambda_powertools.event_handler.middlewares.openapi_validation import OpenAPIRequestValidationMiddleware

    class JsonOnly(OpenAPIRequestValidationMiddleware):
        def _get_body(self, app: Any) -> dict[str, Any]:
            content_type = (app.current_event.headers.get("content-type") or "").strip().lower()
            if content_type and not content_type.startswith("application/json"):
                raise RequestUnsupportedContentType("Unsupported content type", errors=[{
                    "type": "unsupported_content_type", "loc": ("header", "Content-Type"),
                    "msg": "the body must be application/json", "input": {}, "ctx": {}}])
            return super()._get_body(app)

    return JsonOnly


class KabarResolver(APIGatewayHttpResolver):
    """Powertools' HTTP API resolver with Kabar's strict body (``_StrictEvent``, ``_json_only_class``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self._enable_validation:
            self._request_validation_middleware = _json_only_class()()

    def _to_proxy_event(self, event: dict) -> APIGatewayProxyEventV2:
        return _StrictEvent(event, self._json_body_deserializer)

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """The document's part of this function, with Kabar's head (``OPENAPI``) and bearer scheme. Powertools'
        OpenAPI models (some 50 ms of imports) are loaded here, when a document is made, never on a cold start."""
        if self.openapi_config.security_schemes is None:
            from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

            self.configure_openapi(**OPENAPI, security_schemes={"bearer": HTTPBearer(description=BEARER_DESCRIPTION)})
        return super().get_openapi_schema(*args, **kwargs)


def _location(loc: tuple | list) -> str:
    """Where a problem is, as the client named it: ``activity.date``, ``files[0].size``, ``month``."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "response"):
        parts = parts[1:]
    if parts and isinstance(parts[0], int) and len(loc) == 2 and loc[0] == "body":
        parts = []  # a JSON syntax error's position is not a field
    return ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in parts).replace(".[", "[") or "body"


def request_fields(errors: list[dict]) -> list[dict]:
    """Powertools' request validation errors as one bilingual message per field (as ``validation_fields``)."""
    out = []
    for e in errors:
        field = _location(e.get("loc") or ())
        kind = str(e.get("type") or "value_error")
        out.append({"field": field, "code": kind,
                    "message": f"{field}: {_PYDANTIC_ID.get(kind, 'isian tidak valid')}",
                    "message_en": f"{field}: {e.get('msg') or 'invalid'}"})
    return out


def make_resolver(validation: bool = False) -> APIGatewayHttpResolver:
    """The resolver of every HTTP function. ``validation``: Powertools validates each route's typed
    parameters and body (the OpenAPI document comes from the same types); what fails answers the same
    bilingual 422 as a use case's own ``InvalidInput``."""
    app = KabarResolver(enable_validation=validation, json_body_deserializer=_json)

    @app.exception_handler(RequestValidationError)
    def _request_invalid(err: RequestValidationError) -> Response:
        return json_response(422, error_body("invalid_input", "Isian tidak valid.", "The input is not valid.",
                                             request_fields(list(err.errors()))))

    @app.exception_handler(RequestUnsupportedContentType)
    def _not_json(_: RequestUnsupportedContentType) -> Response:
        return json_response(415, error_body("unsupported_media_type", "Isi permintaan harus JSON "
                                             "(Content-Type: application/json).",
                                             "The request body must be JSON (Content-Type: application/json)."))

    @app.exception_handler(KabarError)
    def _domain(err: KabarError) -> Response:
        retry_after = getattr(err, "retry_after", None)
        return json_response(err.status, error_body(err.code, err.message.id, err.message.en, err.fields),
                             headers={"Retry-After": str(retry_after)} if retry_after else None)

    @app.exception_handler(ValidationError)
    def _invalid(err: ValidationError) -> Response:
        return json_response(422, error_body("invalid_input", "Isian tidak valid.", "The input is not valid.",
                                             validation_fields(err)))

    @app.exception_handler(UnicodeError)
    def _undecodable(_: UnicodeError) -> Response:
        err = UndecodableBody()
        return json_response(err.status, error_body(err.code, err.message.id, err.message.en))

    @app.not_found
    def _not_found(_: Exception) -> Response:
        return json_response(404, error_body("not_found", "Tidak ditemukan.", "Not found."))

    return app
