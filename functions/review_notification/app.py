"""DraftReady -> a review link for each reviewer, promised as notices (each sent once by the notice sender);
with "admin review before the PPID" on, the admins first (``usecases/admin_review.py``).

Rejections and corrections need no step here: the decision commits its notices itself.
"""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from kabar.batch import bus_event, consume
from kabar.domain.events import DraftReady
from kabar.services import services
from kabar.usecases import admin_review

logger = Logger()


def record_handler(record: SQSRecord) -> None:
    event = bus_event(record)
    logger.append_keys(tenant_id=event.tenant_id, submission_id=event.submission_id)
    if not isinstance(event, DraftReady):
        logger.warning("event not for notification", extra={"type": type(event).__name__})
        return
    admin_review.on_draft_ready(event, svc=services())


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return consume(event, context, record_handler)
