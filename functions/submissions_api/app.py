"""HTTP API for submitters and admins: hand over an activity, follow it, read the register.

Routes are typed (Powertools validates them and makes the OpenAPI document from them: ``make openapi``).
The annotations are read when a route first runs (or the document is made), so the use cases that hold the
request models load then: the upload page's cold start loads none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from kabar import api_models as api
from kabar.domain import sop
from kabar.domain.models import Role, Staff
from kabar.http import json_response, lazy_module, make_resolver, page, shown
from kabar.services import services
from kabar.usecases.staff import authenticate
from kabar.web import render, written

if TYPE_CHECKING:
    from kabar.usecases import preview, privacy, register, revision, submissions, uploads
else:  # each loaded by the first route that uses it
    preview, privacy, register, revision, submissions, uploads = (
        lazy_module(f"kabar.usecases.{name}")
        for name in ("preview", "privacy", "register", "revision", "submissions", "uploads"))

logger = Logger()
app = make_resolver(validation=True)

BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
SUBMISSIONS = ["Pengajuan (submissions)"]
DRAFTS = ["Draf (drafts)"]
PAGES = ["Halaman (pages)"]


def _auth(roles: set[Role]) -> Staff:
    """The staff member of the bearer token; failed attempts are limited per client address."""
    event = app.current_event
    return authenticate(event.headers.get("authorization"), roles, client=event.request_context.http.source_ip,
                        svc=services())


@app.post("/submissions", tags=SUBMISSIONS, security=BEARER, summary="Serahkan dokumentasi kegiatan (SOP langkah 1)",
          description="Hand over an activity: the register entry and one upload instruction per declared file. "
                      "The same `Idempotency-Key` answers the same submission again for a day.",
          responses=api.ok(201, api.SubmissionCreated, "Terdaftar / registered", auth=api.AUTH_ERRORS,
                           invalid=api.INVALID))
def create_submission(
        request: Annotated[submissions.SubmissionRequest, Body()],
        idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)] = None,
):
    staff = _auth({Role.SUBMITTER, Role.ADMIN})
    logger.append_keys(tenant_id=staff.tenant_id)
    result = submissions.create_submission(staff, request, idempotency_key=idempotency_key, svc=services())
    logger.append_keys(submission_id=result["submission_id"])
    if result.get("replayed"):
        logger.info("submission answered again for its idempotency key", extra={"files": len(result["uploads"])})
        return json_response(201, result, headers={"Idempotent-Replayed": "true"})
    logger.info("submission registered", extra={"files": len(result["uploads"])})
    return json_response(201, result)


@app.get("/submissions", tags=SUBMISSIONS, security=BEARER, summary="Pengajuan saya / my hand-overs",
         description="Who the personal link belongs to and their recent hand-overs (the upload page checks the "
                     "link on load).",
         responses=api.ok(200, api.MySubmissions, "Pengajuan terbaru / recent hand-overs", auth=api.AUTH_ERRORS))
def my_submissions():
    staff = _auth({Role.SUBMITTER, Role.ADMIN})
    logger.append_keys(tenant_id=staff.tenant_id)
    return json_response(200, submissions.my_submissions(staff, svc=services()))


@app.get("/submissions/<submission_id>", tags=SUBMISSIONS, security=BEARER,
         summary="Status satu pengajuan / one hand-over's state",
         responses=api.ok(200, api.SubmissionView, "Status", auth=api.AUTH_ERRORS, missing=api.NOT_FOUND))
def get_submission(submission_id: str):
    staff = _auth({Role.SUBMITTER, Role.ADMIN, Role.REVIEWER})
    logger.append_keys(tenant_id=staff.tenant_id, submission_id=submission_id)
    return json_response(200, submissions.view_submission(staff, submission_id, svc=services()))


@app.put("/drafts/<submission_id>/<procedure>", tags=DRAFTS, security=BEARER,
         summary="Koreksi draf: versi baru / correct a draft: a new version",
         responses=api.ok(200, api.Revised, "Versi baru / the new version", auth=api.AUTH_ERRORS,
                          missing=api.NOT_FOUND, invalid=api.INVALID, conflict=api.CONFLICT))
def revise_draft(submission_id: str, procedure: str,
                 request: Annotated[revision.RevisionRequest, Body()]):
    staff = _auth({Role.ADMIN})
    logger.append_keys(tenant_id=staff.tenant_id, submission_id=submission_id)
    return json_response(200, revision.revise_draft(staff, submission_id, procedure, request, svc=services()))


@app.get("/drafts/<submission_id>/<procedure>", tags=DRAFTS, security=BEARER,
         summary="Draf dan pratinjaunya persis seperti terbit / the draft and its preview as published",
         responses={**api.ok(200, api.DraftPreview, "Draf / the draft", auth=api.AUTH_ERRORS, missing=api.NOT_FOUND),
                    **{200: {"description": "Draf / the draft (`?format=html`: the preview page)",
                             "content": {**api.json_content(api.DraftPreview), **api.HTML}}}})
def preview_draft(submission_id: str, procedure: str,
                  format: Annotated[str | None, Query(description="`html`: the preview page itself")] = None,  # noqa: A002
                  ):
    staff = _auth({Role.ADMIN, Role.REVIEWER})
    logger.append_keys(tenant_id=staff.tenant_id, submission_id=submission_id)
    result = preview.draft_preview(staff, submission_id, procedure, svc=services())
    result["preview_html"] = written(result["preview_html"])
    if format == "html":
        return page(200, result["preview_html"])
    return json_response(200, result)


def _uploader(submission_id: str) -> Staff:
    """The submitter or admin handing over this submission's files; both named in the logs."""
    staff = _auth({Role.SUBMITTER, Role.ADMIN})
    logger.append_keys(tenant_id=staff.tenant_id, submission_id=submission_id)
    return staff


@app.post("/submissions/<submission_id>/files/<file_id>/upload", tags=SUBMISSIONS, security=BEARER,
          summary="Instruksi unggah baru / a fresh upload instruction",
          responses=api.ok(200, api.FreshUpload, "Instruksi / the instruction", auth=api.AUTH_ERRORS,
                           missing=api.NOT_FOUND, conflict=api.CONFLICT))
def fresh_upload_instruction(submission_id: str, file_id: str):
    staff = _uploader(submission_id)
    return json_response(200, uploads.fresh_instruction(staff, submission_id, file_id, svc=services()))


@app.post("/submissions/<submission_id>/files/<file_id>/replace", tags=SUBMISSIONS, security=BEARER,
          summary="Ganti berkas yang ditolak / replace a refused file",
          responses=api.ok(200, api.FreshUpload, "Instruksi / the instruction", auth=api.AUTH_ERRORS,
                           missing=api.NOT_FOUND, invalid=api.INVALID, conflict=api.CONFLICT))
def replace_file(submission_id: str, file_id: str, request: Annotated[uploads.ReplacementFile, Body()]):
    staff = _uploader(submission_id)
    result = uploads.replace_file(staff, submission_id, file_id, request, svc=services())
    logger.info("refused file reopened for a replacement", extra={"file_id": file_id})
    return json_response(200, result)


@app.post("/submissions/<submission_id>/files", tags=SUBMISSIONS, security=BEARER,
          summary="Tambah berkas baru / add a file the hand-over did not declare",
          responses=api.ok(201, api.FreshUpload, "Instruksi / the instruction", auth=api.AUTH_ERRORS,
                           missing=api.NOT_FOUND, invalid=api.INVALID, conflict=api.CONFLICT))
def add_file(submission_id: str, request: Annotated[uploads.NewFile, Body()]):
    staff = _uploader(submission_id)
    result = uploads.add_file(staff, submission_id, request, svc=services())
    logger.info("a new file added to a submission", extra={"submission_id": submission_id})
    return json_response(201, result)


@app.delete("/submissions/<submission_id>/files/<file_id>/upload", tags=SUBMISSIONS, security=BEARER,
            summary="Batalkan unggahan bertahap / abort a multipart upload",
            responses={204: {"description": "Dibatalkan / aborted"}, **api.AUTH_ERRORS, **api.NOT_FOUND,
                       **api.CONFLICT})
def abort_upload(submission_id: str, file_id: str):
    staff = _uploader(submission_id)
    uploads.abort_upload(staff, submission_id, file_id, svc=services())
    return Response(204, "application/json", "")


@app.get("/submissions/<submission_id>/files/<file_id>/parts", tags=SUBMISSIONS, security=BEARER,
         summary="Bagian yang sudah tersimpan / the parts already stored",
         responses=api.ok(200, api.StoredParts, "Bagian / parts", auth=api.AUTH_ERRORS, missing=api.NOT_FOUND,
                          conflict=api.CONFLICT))
def stored_parts(submission_id: str, file_id: str):
    staff = _uploader(submission_id)
    return json_response(200, uploads.list_stored_parts(staff, submission_id, file_id, svc=services()))


@app.post("/submissions/<submission_id>/files/<file_id>/complete", tags=SUBMISSIONS, security=BEARER,
          summary="Selesaikan unggahan bertahap / complete a multipart upload",
          responses=api.ok(200, api.CompletedUpload, "Selesai / completed", auth=api.AUTH_ERRORS,
                           missing=api.NOT_FOUND, conflict=api.CONFLICT, invalid=api.INVALID))
def complete_upload(submission_id: str, file_id: str):
    staff = _uploader(submission_id)
    result = uploads.complete_upload(staff, submission_id, file_id, svc=services())
    logger.info("multipart upload completed", extra={"file_id": file_id})
    return json_response(200, result)


@app.get("/register", tags=SUBMISSIONS, security=BEARER, summary="Register dokumentasi dan berita / the register",
         responses={**api.ok(200, api.Register, "Register (JSON, atau CSV dengan `?format=csv`)",
                             auth=api.AUTH_ERRORS, invalid=api.INVALID),
                    **{200: {"description": "Register (JSON, or CSV with `?format=csv` / `Accept: text/csv`)",
                             "content": {**api.json_content(api.Register),
                                         "text/csv": {"schema": {"type": "string"}}}}}})
def get_register(
        month: Annotated[str | None, Query(description="YYYY-MM; default this month")] = None,
        format: Annotated[str | None, Query(description="`csv` or `json`")] = None,  # noqa: A002
):
    staff = _auth({Role.ADMIN, Role.REVIEWER})
    rows = register.register_rows(staff, month, svc=services())
    accept = app.current_event.headers.get("accept", "")
    if format == "csv" or ("text/csv" in accept and format != "json"):
        return Response(200, "text/csv; charset=utf-8", register.register_csv(rows),
                        headers={"Content-Disposition": 'attachment; filename="register.csv"'})
    return json_response(200, {"village": staff.tenant_id, "rows": rows})


@app.get("/upload", tags=PAGES, summary="Halaman unggah / the upload page",
         responses={200: {"description": "HTML", "content": api.HTML}})
def upload_page():
    # The token travels in the URL fragment, which the browser never sends to a server.
    rules = {p.value: r.model_dump() for p, r in sop.KELENGKAPAN.items()}
    return page(200, render("upload.html", rules=rules, min_narrative=sop.MIN_NARRATIVE_CHARS), csp=(
        "default-src 'self'; connect-src 'self' https: http:; img-src 'self' blob: data:; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; form-action 'none'; base-uri 'none'"))


@app.get("/privasi", tags=PAGES, summary="Pemberitahuan privasi / the privacy notice",
         responses={200: {"description": "HTML", "content": api.HTML}})
def privacy_notice(
        desa: Annotated[str | None, Query(description="the village's id")] = None,
        lang: Annotated[str | None, Query(description="`en` for English")] = None,
):
    """The privacy notice, Indonesian first (``?lang=en``), for one village with ``?desa=<id>``."""
    return shown(privacy.notice(village_id=desa, lang=lang, svc=services()), lang=lang,
                 csp="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
                     "form-action 'none'; base-uri 'none'; frame-ancestors 'none'")


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
