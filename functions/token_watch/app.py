"""Every day, 08:00 WIB: the admins are warned a week before a Facebook/Instagram access token ends.

The schedule starts the job (one message per village onto the job queue, ``kabar.jobs.start``); each
village's message comes back here from the queue and its tokens are asked about once for the day."""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from kabar import jobs
from kabar.batch import consume
from kabar.config import job_queue_url
from kabar.services import services
from kabar.usecases import token_watch

logger = Logger()
_context: Any = None


def work(msg: jobs.JobMessage) -> dict:
    svc = services()
    return token_watch.check_village(svc.store.get_village(str(msg.tenant_id)), svc, msg.at)


def record_handler(record: SQSRecord) -> None:
    jobs.handle(record.body, _context, job_queue_url(services().settings, "token-watch"), work, svc=services())


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    global _context
    _context = context
    if isinstance(event, dict) and "Records" in event:
        return consume(event, context, record_handler)
    svc = services()
    started = jobs.start("token-watch", event, context, job_queue_url(svc.settings, "token-watch"), svc=svc)
    logger.info("token watch scheduled", extra=started)
    return started
