"""First-party click counter: /r/<village>/<news item>?c=<channel> -> 302 to the article."""

from typing import Annotated

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from kabar import api_models as api
from kabar.http import error_body, json_response, make_resolver
from kabar.services import services
from kabar.usecases import clicks

logger = Logger()
app = make_resolver(validation=True)


def _follow(tenant: str, item: str, channel: str | None, method: str) -> Response:
    event = app.current_event
    target = clicks.follow(tenant, item, channel, method,
                           event.headers.get("user-agent"), client=event.request_context.http.source_ip or "",
                           headers=dict(event.headers or {}), svc=services())
    if target is None:
        return json_response(404, error_body("not_found", "Tidak ditemukan.", "Not found."))
    return Response(302, "text/plain; charset=utf-8", "", headers={"Location": target, "Cache-Control": "no-store"})


@app.get("/r/<tenant>/<item>", tags=["Situs web (website)"],
         summary="Penghitung klik: diteruskan ke berita / click counter: on to the news item",
         responses={**api.REDIRECT, **api.NOT_FOUND})
def follow(tenant: str, item: str,
           c: Annotated[str | None, Query(description="the channel the reader came from", max_length=40)] = None):
    return _follow(tenant, item, c, "GET")


@app.route("/r/<tenant>/<item>", method="HEAD", include_in_schema=False)
def head(tenant: str, item: str):
    return _follow(tenant, item, (app.current_event.query_string_parameters or {}).get("c"), "HEAD")


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
