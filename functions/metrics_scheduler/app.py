"""Every morning, 06:00 WIB: one metrics job per village onto the metrics queue (``kabar.jobs``): paged,
handed on when short of time, each (village, day) queued once."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from kabar import jobs
from kabar.services import services

logger = Logger()


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    svc = services()
    started = jobs.start("metrics", event, context, svc.settings.metrics_queue_url, svc=svc)
    logger.info("metrics jobs queued", extra=started)
    return started
