"""Every day, 07:00 WIB: each village's admins get the comments and messages still unanswered (1-day SOP clock)."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from kabar.services import services
from kabar.usecases import inbox

logger = Logger()


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    result = inbox.send_digests(svc=services())
    logger.info("inbox digests", extra=result)
    return result
