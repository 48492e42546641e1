"""NoticeDue -> the notice's email, sent once (``kabar.usecases.notices``)."""

import json

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from kabar.batch import consume
from kabar.domain.outbox import NoticeDue
from kabar.services import services
from kabar.usecases.notices import deliver

logger = Logger()


def record_handler(record: SQSRecord) -> None:
    body = json.loads(record.body)
    due = NoticeDue.model_validate(body["detail"])
    logger.append_keys(tenant_id=due.tenant_id, notice_id=due.notice_id, purpose=due.purpose)
    result = deliver(due.tenant_id, due.notice_id, services())
    logger.info("notice delivery", extra={"outcome": result.outcome})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return consume(event, context, record_handler)
