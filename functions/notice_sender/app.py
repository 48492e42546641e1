"""NoticeDue -> the notice's email, sent once (``kabar.usecases.notices``)."""

import json

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from kabar.adapters import redelivery
from kabar.batch import consume
from kabar.domain.outbox import NoticeDue
from kabar.ports import MailThrottled
from kabar.services import services
from kabar.usecases.notices import deliver

logger = Logger()


def throttled_wait(receive_count: int, notice_id: str) -> int:
    """30 s, 60 s, 120 s ... up to 15 minutes, spread by the notice so retried sends do not bunch up."""
    base = min(900, 30 * 2 ** max(0, receive_count - 1))
    return base + sum(notice_id.encode()) % 30


def record_handler(record: SQSRecord) -> None:
    body = json.loads(record.body)
    due = NoticeDue.model_validate(body["detail"])
    logger.append_keys(tenant_id=due.tenant_id, notice_id=due.notice_id, purpose=due.purpose)
    try:
        result = deliver(due.tenant_id, due.notice_id, services())
    except MailThrottled:
        # the notice was released: the queue brings it back after a growing, jittered wait
        wait = throttled_wait(int(record.attributes.approximate_receive_count), due.notice_id)
        logger.warning("mail throttled; sent again later", extra={"retry_in_seconds": wait})
        redelivery.delay(record, wait)
        raise
    logger.info("notice delivery", extra={"outcome": result.outcome})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return consume(event, context, record_handler)
