"""Hourly (Asia/Jakarta): tell submitters whose files never all arrived what is still missing."""

from datetime import datetime

from aws_lambda_powertools import Logger

from kabar.usecases import incomplete

logger = Logger()


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: object) -> dict:
    # ``at`` (ISO 8601 with a zone) replays a past or future instant: the local stack and tests.
    at = datetime.fromisoformat(event["at"]) if isinstance(event, dict) and event.get("at") else None
    done = incomplete.watch(at)
    logger.info("intake watch done", extra=done)
    return done
