"""What the JSON API answers, as pydantic models: the OpenAPI document's response schemas.

The request models live beside their use cases (``SubmissionRequest``, ``RevisionRequest``,
``ReplacementFile``); the handlers name both on their routes (Powertools' Event Handler makes the
document from them: ``make openapi`` writes it to ``docs/openapi.json``). Every answer may carry
more fields than named here (a later version adds fields, never removes one).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Answer(BaseModel):
    """An answer's model: only the OpenAPI document (and Powertools, on a route's first request) reads its
    schema, so it is built then, not on every cold start (``defer_build``)."""

    model_config = ConfigDict(defer_build=True)


class FieldProblem(Answer):
    field: str
    code: str
    message: str = Field(description="Bahasa Indonesia")
    message_en: str = Field(description="English")


class ErrorDetail(Answer):
    code: str = Field(description="e.g. invalid_input, requirements_not_met, unauthorized, not_found, conflict")
    message: str = Field(description="Bahasa Indonesia")
    message_en: str = Field(description="English")
    fields: list[FieldProblem] | None = None


class ErrorBody(Answer):
    """Every error of the JSON API: one shape, in Indonesian and English."""

    error: ErrorDetail


class UploadPart(Answer):
    part_number: int
    size: int
    url: str | None = None
    etag: str | None = None


class UploadInstruction(Answer):
    """How to upload one file: a presigned POST, or presigned multipart parts for a big video."""

    file_id: str
    name: str
    kind: Literal["photo", "video"]
    size: int
    method: Literal["POST", "MULTIPART"]
    url: str | None = Field(default=None, description="POST: where the form goes")
    fields: dict[str, str] | None = Field(default=None, description="POST: the form's fields, before the file")
    upload_id: str | None = None
    part_size: int | None = None
    part_count: int | None = None
    parts: list[UploadPart] | None = Field(default=None, description="MULTIPART: the parts still missing")
    stored_parts: list[UploadPart] | None = None


class SubmissionCreated(Answer):
    submission_id: str
    status: str
    late: bool
    uploads: list[UploadInstruction]
    expires_at: str
    replayed: bool | None = Field(default=None, description="true when answered again for its Idempotency-Key")


class FileState(Answer):
    file_id: str
    name: str
    kind: str
    status: str
    size: int
    problem: str | None = None
    replaceable: bool
    refused_before: list[dict[str, Any]]


class DraftState(Answer):
    procedure: str
    version: int
    status: str
    title: str
    created_at: str
    decided_at: str | None = None
    decision_note: str | None = None
    reject_reason: str | None = None
    review_due: str


class PublicationState(Answer):
    procedure: str
    version: int
    channel: str
    status: str
    url: str | None = None
    error: str | None = None
    published_at: str | None = None


class SubmissionView(Answer):
    submission_id: str
    village: str
    status: str
    late: bool
    resubmission_of: str | None = None
    closed_at: str | None = None
    activity: dict[str, Any]
    channels: list[str]
    website_kind: str
    created_at: str
    completed_at: str | None = None
    due: dict[str, str | None]
    files: list[FileState]
    drafts: list[DraftState]
    publications: list[PublicationState]


class Person(Answer):
    name: str
    role: str
    village: str
    village_name: str


class MySubmissions(Answer):
    you: Person
    submissions: list[SubmissionView]


class Revised(Answer):
    submission_id: str
    procedure: str
    version: int
    status: str
    previous_version: int
    changed: list[str]
    created_at: str


class DraftPreview(Answer):
    submission_id: str
    procedure: str
    version: int
    status: str
    title: str
    slug: str
    dateline: str
    lead: str
    caption: str
    article_html: str
    website_kind: str | None = None
    graphic_url: str | None = None
    photo_urls: list[str]
    has_video: bool
    created_at: str
    preview_html: str


class FreshUpload(Answer):
    submission_id: str
    upload: UploadInstruction
    expires_at: str


class StoredParts(Answer):
    file_id: str
    upload_id: str
    size: int
    part_size: int
    part_count: int
    stored_bytes: int
    parts: list[UploadPart]


class CompletedUpload(Answer):
    file_id: str
    status: str
    size: int


class Register(Answer):
    village: str
    rows: list[dict[str, Any]]


class WebhookCounts(Answer):
    recorded: int
    duplicates: int
    answered: int


def json_content(model: type[BaseModel]) -> dict[str, Any]:
    return {"application/json": {"model": model}}


#: the answers every route with a bearer token may give besides its own
AUTH_ERRORS: dict[int, Any] = {
    401: {"description": "Token tidak sah, atau perannya tidak boleh / the token is not valid, or its role "
                         "may not do this", "content": json_content(ErrorBody)},
    429: {"description": "Terlalu banyak percobaan token salah / too many wrong token attempts "
                         "(Retry-After)", "content": json_content(ErrorBody)},
}
NOT_FOUND: dict[int, Any] = {404: {"description": "Tidak ditemukan / not found", "content": json_content(ErrorBody)}}
INVALID: dict[int, Any] = {
    400: {"description": "Isi tidak dapat dibaca / the body cannot be read", "content": json_content(ErrorBody)},
    415: {"description": "Isi harus JSON / the body must be JSON", "content": json_content(ErrorBody)},
    422: {"description": "Isian tidak valid / the input is not valid", "content": json_content(ErrorBody)},
}
CONFLICT: dict[int, Any] = {409: {"description": "Bentrok / conflict", "content": json_content(ErrorBody)}}
FORBIDDEN: dict[int, Any] = {403: {"description": "Ditolak / refused", "content": json_content(ErrorBody)}}
HTML: dict[str, Any] = {"text/html": {"schema": {"type": "string"}}}


def page_answers(*statuses: int, description: str = "Halaman / a page (HTML)") -> dict[int, Any]:
    """Routes that answer a page for a person (the review link): each status with an HTML body. A path the
    route cannot match at all (say, a token with control characters) is the API's JSON 404."""
    out: dict[int, Any] = {status: {"description": description, "content": HTML} for status in statuses}
    if 404 in out:
        out[404] = {"description": description, "content": {**HTML, **json_content(ErrorBody)}}
    return out


REDIRECT: dict[int, Any] = {302: {"description": "Diteruskan / redirected (Location)",
                                  "headers": {"Location": {"schema": {"type": "string"}}}}}


def ok(status: int, model: type[BaseModel], description: str, **more: Any) -> dict[int, Any]:
    """One route's answers: its own, then the errors named in ``more`` (dicts like ``AUTH_ERRORS``)."""
    out: dict[int, Any] = {status: {"description": description, "content": json_content(model)}}
    for extra in more.values():
        out.update(extra)
    return out
