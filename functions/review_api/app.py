"""The reviewer's link: GET/HEAD show the confirmation page, only POST decides; a TERIMA's undo link likewise."""

from typing import TYPE_CHECKING, Annotated
from urllib.parse import parse_qsl

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from kabar import api_models as api
from kabar.domain.clock import now
from kabar.domain.errors import UndecodableBody
from kabar.http import body_text, lazy_module, make_resolver, shown
from kabar.services import services

if TYPE_CHECKING:
    from kabar.usecases import redaction, review, undo
else:  # each loaded by the first route that uses it
    redaction, review, undo = (lazy_module(f"kabar.usecases.{name}") for name in ("redaction", "review", "undo"))

logger = Logger()
app = make_resolver(validation=True)

MAX_FORM_BYTES = 16 * 1024
TAGS = ["Keputusan PPID (review)"]
#: every answer of the review link is a page for a person, never JSON
PAGES = api.page_answers(200, 400, 403, 404, 409, 410, 422)


def _form() -> dict[str, str] | None:
    """The posted form, or None when its body cannot be read (answered with a page, never a 5xx)."""
    try:
        body = body_text(app.current_event)
    except UndecodableBody:
        return None
    return dict(parse_qsl(body[:MAX_FORM_BYTES], keep_blank_values=True))


#: the page's language: Bahasa Indonesia, or with ``?lang=en`` its English shown as well (a GET like any
#: other: it consumes nothing; the page's forms post to the same address and keep it)
Lang = Annotated[str | None, Query(description="`en`: the page's English is shown (Bahasa Indonesia otherwise)")]


@app.get("/review/<token>", tags=TAGS, summary="Halaman konfirmasi / the confirmation page (changes nothing)",
         responses=PAGES)
def show(token: str, lang: Lang = None):
    result = review.show(token, svc=services())
    return shown(result, lang=lang)


@app.route("/review/<token>", method="HEAD", include_in_schema=False)
def head(token: str):
    result = review.show(token, svc=services())
    return shown(result, head_only=True)


@app.post("/review/<token>", tags=TAGS, summary="Keputusan / the decision (form: decision, note, form_token, ...)",
          responses=PAGES)
def decide(token: str, lang: Lang = None):
    form = _form()
    if form is None:
        return shown(review.unreadable_page(), lang=lang)
    result = review.submit(token, form, dict(app.current_event.headers or {}), svc=services())
    return shown(result, lang=lang)


@app.post("/review/<token>/redact", tags=TAGS, summary="Samarkan satu temuan data pribadi / mask one finding",
          responses=PAGES)
def redact(token: str):
    """One tap: one personal-data finding masked in a new draft version (usecases/redaction.py)."""
    form = _form()
    if form is None:
        return shown(review.unreadable_page())
    result = redaction.redact(token, form, svc=services())
    return shown(result)


@app.get("/undo/<token>", tags=TAGS, summary="Halaman pembatalan TERIMA / the undo page (changes nothing)",
         responses=PAGES)
def show_undo(token: str):
    result = undo.show(token, services(), now())
    return shown(result)


@app.route("/undo/<token>", method="HEAD", include_in_schema=False)
def head_undo(token: str):
    result = undo.show(token, services(), now())
    return shown(result, head_only=True)


@app.post("/undo/<token>", tags=TAGS, summary="Batalkan TERIMA dalam jendelanya / undo an approval in its window "
                                              "(form: form_token)", responses=PAGES)
def undo_decision(token: str):
    form = _form()
    if form is None:
        return shown(review.unreadable_page())
    result = undo.undo(token, form, dict(app.current_event.headers or {}), services(), now())
    return shown(result)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
