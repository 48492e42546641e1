"""Hourly (Asia/Jakarta): tell submitters whose files never all arrived what is still missing."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from kabar.schedule import replay_at
from kabar.services import services
from kabar.usecases import incomplete

logger = Logger()


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    at = replay_at(event)
    done = incomplete.watch(at=at, svc=services())
    logger.info("intake watch done", extra=done)
    return done
