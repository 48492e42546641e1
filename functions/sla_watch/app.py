"""Every 15 minutes (Asia/Jakarta): the SLA watch reminds, escalates, flags late drafts and re-drives."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from kabar.schedule import replay_at
from kabar.services import services
from kabar.usecases import sla

logger = Logger()


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    at = replay_at(event)
    done = sla.watch(at=at, svc=services())
    logger.info("SLA watch done", extra=done)
    return done
