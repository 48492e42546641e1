"""Every 15 minutes (Asia/Jakarta): the SLA watch reminds, escalates, flags late drafts and re-drives."""

from datetime import datetime

from aws_lambda_powertools import Logger

from kabar.usecases import sla

logger = Logger()


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: object) -> dict:
    # ``at`` (ISO 8601 with a zone) replays a past or future instant: the local stack and tests.
    at = datetime.fromisoformat(event["at"]) if isinstance(event, dict) and event.get("at") else None
    done = sla.watch(at)
    logger.info("SLA watch done", extra=done)
    return done
