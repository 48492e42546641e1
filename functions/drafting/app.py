"""SubmissionCompleted / VideoDrafted / RevisionSubmitted -> drafts for each procedure -> DraftReady."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from kabar.batch import bus_event, consume
from kabar.domain.events import RevisionSubmitted, SubmissionCompleted, VideoDrafted
from kabar.services import services
from kabar.usecases import drafting

logger = Logger()


def record_handler(record: SQSRecord) -> None:
    event = bus_event(record)
    logger.append_keys(tenant_id=event.tenant_id, submission_id=event.submission_id)
    if isinstance(event, SubmissionCompleted | VideoDrafted):
        drafting.make_drafts(event, svc=services())
    elif isinstance(event, RevisionSubmitted):
        drafting.announce_revision(event, svc=services())
    else:
        logger.warning("event not for drafting", extra={"type": type(event).__name__})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return consume(event, context, record_handler)
