"""Meta's webhook for Page comments and messages: GET handshake, POST deliveries signed over the raw body."""

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header, Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from kabar import api_models as api
from kabar.http import body_bytes, json_response, lazy_module, make_resolver
from kabar.services import services

if TYPE_CHECKING:
    from kabar.usecases import inbox
else:  # loaded by the first route that runs
    inbox = lazy_module("kabar.usecases.inbox")

logger = Logger()
app = make_resolver(validation=True)
TAGS = ["Webhook Meta"]


@app.get("/webhooks/meta", tags=TAGS, summary="Jabat tangan langganan / the subscription handshake",
         responses={200: {"description": "hub.challenge", "content": {"text/plain": {"schema": {"type": "string"}}}},
                    **api.FORBIDDEN, **api.INVALID})
def subscribe(
        mode: Annotated[str | None, Query(alias="hub.mode")] = None,
        verify_token: Annotated[str | None, Query(alias="hub.verify_token")] = None,
        challenge: Annotated[str | None, Query(alias="hub.challenge")] = None,
):
    # the use case reads every hub.* field as Meta sends it
    params = app.current_event.query_string_parameters or {}
    answer = inbox.verify_subscription(params, svc=services())
    return Response(200, "text/plain; charset=utf-8", answer, headers={"Cache-Control": "no-store"})


@app.post("/webhooks/meta", tags=TAGS, summary="Komentar dan pesan (bertanda tangan) / comments and messages (signed)",
          description="The body is checked against `X-Hub-Signature-256` as sent (raw bytes), then read.",
          responses=api.ok(200, api.WebhookCounts, "Dicatat / recorded", forbidden=api.FORBIDDEN, invalid=api.INVALID))
def deliver(signature: Annotated[str | None, Header(alias="X-Hub-Signature-256")] = None):
    raw = body_bytes(app.current_event)
    counts = inbox.receive(raw, signature, svc=services())
    return json_response(200, counts)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
