"""HTTP API for submitters and admins: hand over an activity, follow it, read the register."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from kabar.domain import sop
from kabar.domain.models import Role, Staff
from kabar.http import body_text, json_response, make_resolver, page
from kabar.services import services
from kabar.usecases import preview, privacy, register, revision, submissions, uploads
from kabar.usecases.staff import authenticate
from kabar.web import render

logger = Logger()
app = make_resolver()


def _auth(roles: set[Role]) -> Staff:
    """The staff member of the bearer token; failed attempts are limited per client address."""
    event = app.current_event
    return authenticate(event.headers.get("authorization"), roles, client=event.request_context.http.source_ip,
                        svc=services())


@app.post("/submissions")
def create_submission() -> Response:
    staff = _auth({Role.SUBMITTER, Role.ADMIN})
    logger.append_keys(tenant_id=staff.tenant_id)
    request = submissions.SubmissionRequest.model_validate_json(body_text(app.current_event))
    key = app.current_event.headers.get("idempotency-key")
    result = submissions.create_submission(staff, request, idempotency_key=key, svc=services())
    logger.append_keys(submission_id=result["submission_id"])
    if result.get("replayed"):
        logger.info("submission answered again for its idempotency key", extra={"files": len(result["uploads"])})
        return json_response(201, result, headers={"Idempotent-Replayed": "true"})
    logger.info("submission registered", extra={"files": len(result["uploads"])})
    return json_response(201, result)


@app.get("/submissions")
def my_submissions() -> Response:
    """Who the personal link belongs to and their recent hand-overs (the upload page checks the link on load)."""
    staff = _auth({Role.SUBMITTER, Role.ADMIN})
    logger.append_keys(tenant_id=staff.tenant_id)
    return json_response(200, submissions.my_submissions(staff, svc=services()))


@app.get("/submissions/<submission_id>")
def get_submission(submission_id: str) -> Response:
    staff = _auth({Role.SUBMITTER, Role.ADMIN, Role.REVIEWER})
    logger.append_keys(tenant_id=staff.tenant_id, submission_id=submission_id)
    return json_response(200, submissions.view_submission(staff, submission_id, svc=services()))


@app.put("/drafts/<submission_id>/<procedure>")
def revise_draft(submission_id: str, procedure: str) -> Response:
    staff = _auth({Role.ADMIN})
    logger.append_keys(tenant_id=staff.tenant_id, submission_id=submission_id)
    request = revision.RevisionRequest.model_validate_json(body_text(app.current_event))
    return json_response(200, revision.revise_draft(staff, submission_id, procedure, request, svc=services()))


@app.get("/drafts/<submission_id>/<procedure>")
def preview_draft(submission_id: str, procedure: str) -> Response:
    staff = _auth({Role.ADMIN, Role.REVIEWER})
    logger.append_keys(tenant_id=staff.tenant_id, submission_id=submission_id)
    result = preview.draft_preview(staff, submission_id, procedure, svc=services())
    if (app.current_event.query_string_parameters or {}).get("format") == "html":
        return page(200, result["preview_html"])
    return json_response(200, result)


def _uploader(submission_id: str) -> Staff:
    """The submitter or admin handing over this submission's files; both named in the logs."""
    staff = _auth({Role.SUBMITTER, Role.ADMIN})
    logger.append_keys(tenant_id=staff.tenant_id, submission_id=submission_id)
    return staff


@app.post("/submissions/<submission_id>/files/<file_id>/upload")
def fresh_upload_instruction(submission_id: str, file_id: str) -> Response:
    staff = _uploader(submission_id)
    return json_response(200, uploads.fresh_instruction(staff, submission_id, file_id, svc=services()))


@app.post("/submissions/<submission_id>/files/<file_id>/replace")
def replace_file(submission_id: str, file_id: str) -> Response:
    staff = _uploader(submission_id)
    request = uploads.ReplacementFile.model_validate_json(body_text(app.current_event))
    result = uploads.replace_file(staff, submission_id, file_id, request, svc=services())
    logger.info("refused file reopened for a replacement", extra={"file_id": file_id})
    return json_response(200, result)


@app.post("/submissions/<submission_id>/files")
def add_file(submission_id: str) -> Response:
    staff = _uploader(submission_id)
    request = uploads.NewFile.model_validate_json(body_text(app.current_event))
    result = uploads.add_file(staff, submission_id, request, svc=services())
    logger.info("a new file added to a submission", extra={"submission_id": submission_id})
    return json_response(201, result)


@app.delete("/submissions/<submission_id>/files/<file_id>/upload")
def abort_upload(submission_id: str, file_id: str) -> Response:
    staff = _uploader(submission_id)
    uploads.abort_upload(staff, submission_id, file_id, svc=services())
    return Response(204, "application/json", "")


@app.get("/submissions/<submission_id>/files/<file_id>/parts")
def stored_parts(submission_id: str, file_id: str) -> Response:
    staff = _uploader(submission_id)
    return json_response(200, uploads.list_stored_parts(staff, submission_id, file_id, svc=services()))


@app.post("/submissions/<submission_id>/files/<file_id>/complete")
def complete_upload(submission_id: str, file_id: str) -> Response:
    staff = _uploader(submission_id)
    result = uploads.complete_upload(staff, submission_id, file_id, svc=services())
    logger.info("multipart upload completed", extra={"file_id": file_id})
    return json_response(200, result)


@app.get("/register")
def get_register() -> Response:
    staff = _auth({Role.ADMIN, Role.REVIEWER})
    query = app.current_event.query_string_parameters or {}
    rows = register.register_rows(staff, query.get("month"), svc=services())
    accept = app.current_event.headers.get("accept", "")
    if query.get("format") == "csv" or ("text/csv" in accept and query.get("format") != "json"):
        return Response(200, "text/csv; charset=utf-8", register.register_csv(rows),
                        headers={"Content-Disposition": 'attachment; filename="register.csv"'})
    return json_response(200, {"village": staff.tenant_id, "rows": rows})


@app.get("/upload")
def upload_page() -> Response:
    # The token travels in the URL fragment, which the browser never sends to a server.
    rules = {p.value: r.model_dump() for p, r in sop.KELENGKAPAN.items()}
    return page(200, render("upload.html", rules=rules, min_narrative=sop.MIN_NARRATIVE_CHARS), csp=(
        "default-src 'self'; connect-src 'self' https: http:; img-src 'self' blob: data:; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; form-action 'none'; base-uri 'none'"))


@app.get("/privasi")
def privacy_notice() -> Response:
    """The privacy notice, Indonesian first (``?lang=en``), for one village with ``?desa=<id>``."""
    query = app.current_event.query_string_parameters or {}
    html = privacy.notice(village_id=query.get("desa"), lang=query.get("lang"), svc=services())
    return page(200, html, csp="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
                               "form-action 'none'; base-uri 'none'; frame-ancestors 'none'")


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
