"""Day 1 of the month, 07:00 WIB: one report job per village onto the report queue; 10:00 WIB (the
schedule's input ``{"regency": true}``): one job per kabupaten, after its villages' reports.

Pages through the villages and hands on when short of time (``kabar.jobs``); each (village, month) is
queued once, whatever the retries."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from kabar import jobs
from kabar.services import services

logger = Logger()


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    svc = services()
    started = jobs.start("report", event, context, svc.settings.report_queue_url, svc=svc)
    logger.info("report jobs queued", extra=started)
    return started
