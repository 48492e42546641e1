"""The reviewer's link: GET/HEAD show the confirmation page, only POST decides."""

from urllib.parse import parse_qsl

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from kabar.domain.errors import UndecodableBody
from kabar.http import body_text, make_resolver, page
from kabar.services import services
from kabar.usecases import redaction, review

logger = Logger()
app = make_resolver()

MAX_FORM_BYTES = 16 * 1024


@app.get("/review/<token>")
def show(token: str) -> Response:
    result = review.show(token, svc=services())
    return page(result.status, result.html)


@app.route("/review/<token>", method="HEAD")
def head(token: str) -> Response:
    result = review.show(token, svc=services())
    return page(result.status, result.html, head_only=True)


@app.post("/review/<token>")
def decide(token: str) -> Response:
    try:
        body = body_text(app.current_event)
    except UndecodableBody:
        return page(400, review.unreadable_page())
    form = dict(parse_qsl(body[:MAX_FORM_BYTES], keep_blank_values=True))
    result = review.submit(token, form, dict(app.current_event.headers or {}), svc=services())
    return page(result.status, result.html)


@app.post("/review/<token>/redact")
def redact(token: str) -> Response:
    """One tap: one personal-data finding masked in a new draft version (usecases/redaction.py)."""
    try:
        body = body_text(app.current_event)
    except UndecodableBody:
        return page(400, review.unreadable_page())
    form = dict(parse_qsl(body[:MAX_FORM_BYTES], keep_blank_values=True))
    result = redaction.redact(token, form, svc=services())
    return page(result.status, result.html)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
