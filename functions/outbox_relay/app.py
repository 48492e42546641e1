"""The table's stream (new outbox items only, by the event source's filter) -> the bus.

A failed record is reported by its sequence number: the stream retries from it (bisecting a failing
batch), then hands what still fails to the relay's failure destination (alarmed).
"""

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from kabar.services import services
from kabar.usecases.relay import relay_item

logger = Logger()


def record_handler(record: DynamoDBRecord) -> None:
    image = record.dynamodb.new_image if record.dynamodb else {}
    kind = relay_item(image, services().events)
    logger.info("outbox item relayed", extra={"kind": kind, "tenant_id": image.get("tenant_id"),
                                              "outbox_id": image.get("outbox_id")})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: Any) -> dict:
    processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
    return dict(process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                         context=context))
