"""DraftApproved -> publish the approved version on each of the village's channels, once.
ChannelCheckDue (a delayed message this function sent to its own queue) -> ask a channel again about a
post it is still processing."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from kabar.adapters import redelivery
from kabar.batch import bus_event, consume
from kabar.domain.events import ChannelCheckDue, DraftApproved
from kabar.services import services
from kabar.usecases import publication

logger = Logger()


def record_handler(record: SQSRecord) -> None:
    event = bus_event(record)
    logger.append_keys(tenant_id=event.tenant_id, submission_id=event.submission_id)
    later = redelivery.SameQueueLater(record.event_source_arn)  # waiting on a channel: the queue's delay
    try:
        if isinstance(event, DraftApproved):
            publication.publish_approved(event, svc=services(), later=later)
        elif isinstance(event, ChannelCheckDue):
            svc = services()
            publication.check_channel(event, svc=svc, channels_for=svc.channels.for_procedure, later=later)
        else:
            logger.warning("event not for publication", extra={"type": type(event).__name__})
    except (publication.PublicationIncomplete, publication.PublicationDeferred) as wait:
        redelivery.delay(record, wait.retry_after)  # the redelivery is the retry, at the time it can succeed
        raise


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return consume(event, context, record_handler)
