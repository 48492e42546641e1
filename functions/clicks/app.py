"""First-party click counter: /r/<village>/<news item>?c=<channel> -> 302 to the article."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from kabar.http import json_response, make_resolver
from kabar.services import services
from kabar.usecases import clicks

logger = Logger()
app = make_resolver()


def _follow(tenant: str, item: str, method: str) -> Response:
    event = app.current_event
    target = clicks.follow(tenant, item, (event.query_string_parameters or {}).get("c"), method,
                           event.headers.get("user-agent"), client=event.request_context.http.source_ip or "",
                           headers=dict(event.headers or {}), svc=services())
    if target is None:
        return json_response(404, {"error": {"code": "not_found", "message": "Tidak ditemukan.",
                                             "message_en": "Not found."}})
    return Response(302, "text/plain; charset=utf-8", "", headers={"Location": target, "Cache-Control": "no-store"})


@app.get("/r/<tenant>/<item>")
def follow(tenant: str, item: str) -> Response:
    return _follow(tenant, item, "GET")


@app.route("/r/<tenant>/<item>", method="HEAD")
def head(tenant: str, item: str) -> Response:
    return _follow(tenant, item, "HEAD")


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
