"""Meta's webhook for Page comments and messages: GET handshake, POST deliveries signed over the raw body."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from kabar.http import body_bytes, json_response, make_resolver
from kabar.services import services
from kabar.usecases import inbox

logger = Logger()
app = make_resolver()


@app.get("/webhooks/meta")
def subscribe() -> Response:
    params = app.current_event.query_string_parameters or {}
    challenge = inbox.verify_subscription(params, svc=services())
    return Response(200, "text/plain; charset=utf-8", challenge, headers={"Cache-Control": "no-store"})


@app.post("/webhooks/meta")
def deliver() -> Response:
    event = app.current_event
    raw = body_bytes(event)
    counts = inbox.receive(raw, event.headers.get("x-hub-signature-256"), svc=services())
    return json_response(200, counts)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
