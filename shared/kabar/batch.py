"""SQS consumers: Powertools' partial batch responses, one record at a time, the failed ones retried."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .domain.events import Event, parse_event

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord


def bus_event(record: SQSRecord) -> Event:
    """The domain event inside an EventBridge -> SQS message (a lenient envelope: only what we use)."""
    body = json.loads(record.body)
    return parse_event(body["detail-type"], body["detail"])


def consume(event: dict, context: Any, handle: Callable[[SQSRecord], None]) -> dict:
    # Imported on the first batch, not at cold start: Powertools' batch module also loads its parser's
    # models for Kinesis and DynamoDB streams (about 20 ms) that no Kabar consumer uses.
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.SQS)
    return dict(process_partial_response(event=event, record_handler=handle, processor=processor, context=context))
