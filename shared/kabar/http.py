"""HTTP answers in one place: domain errors -> JSON errors, pages with safe headers.

Built on Powertools' Event Handler (API Gateway HTTP API, payload 2.0).
"""

from __future__ import annotations

import json

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from pydantic import ValidationError

from .domain.errors import KabarError, UndecodableBody

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


def json_response(status: int, body: object, headers: dict[str, str] | None = None) -> Response:
    return Response(status_code=status, content_type="application/json; charset=utf-8",
                    body=json.dumps(body, ensure_ascii=False), headers={"Cache-Control": "no-store", **(headers or {})})


def page(status: int, html: str, csp: str = PAGE_CSP, head_only: bool = False) -> Response:
    return Response(status_code=status, content_type=PAGE_HEADERS["Content-Type"], body="" if head_only else html,
                    headers={**PAGE_HEADERS, "Content-Security-Policy": csp})


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


def make_resolver() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver()

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
