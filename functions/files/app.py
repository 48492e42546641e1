"""Durable file links: /files/<token> -> 302 to a presigned URL of five minutes, or one 404 page."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from kabar import api_models as api
from kabar.http import make_resolver, shown
from kabar.services import services
from kabar.usecases import files

logger = Logger()
app = make_resolver(validation=True)

# The token is in the path: neither the next hop (Referer) nor a cache may keep it.
REDIRECT_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _open(token: str, head_only: bool) -> Response:
    target = files.open_link(token, svc=services())
    if target is None:
        return shown(files.invalid_page(), head_only=head_only)
    return Response(302, "text/plain; charset=utf-8", "", headers={"Location": target, **REDIRECT_HEADERS})


@app.get("/files/<token>", tags=["Berkas (files)"], summary="Tautan berkas yang awet / a durable file link",
         responses={**api.REDIRECT, **api.page_answers(404)})
def get(token: str):
    return _open(token, head_only=False)


@app.route("/files/<token>", method="HEAD", include_in_schema=False)
def head(token: str):
    return _open(token, head_only=True)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
