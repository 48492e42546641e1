"""Every day, 08:00 WIB: the admins are warned a week before a Facebook/Instagram access token ends."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from kabar.services import services
from kabar.usecases import token_watch

logger = Logger()


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    result = token_watch.check_tokens(svc=services())
    logger.info("access tokens checked", extra=result)
    return result
