"""The SQS redelivery as the retry: how long a failed message stays hidden before it comes back.

A consumer that knows when a retry can succeed (a channel's ``Retry-After``, a quota's reset, a
village's time of day) sets the message's visibility instead of waiting for the queue's default.
Best effort: when the change fails, the queue's own visibility timeout still brings the message back.
"""

from __future__ import annotations

import json
import logging
from functools import cache

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from .aws import client

log = logging.getLogger(__name__)

SQS_MAX_VISIBILITY = 12 * 3600


@cache
def _queue_url(queue_arn: str) -> str:
    _, _, _, _, account, name = queue_arn.split(":", 5)
    return client("sqs").get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]


def delay(record: SQSRecord, seconds: int) -> None:
    """Bring ``record`` back in ``seconds`` (0 to 12 hours) rather than after the queue's timeout."""
    seconds = max(0, min(int(seconds), SQS_MAX_VISIBILITY))
    try:
        client("sqs").change_message_visibility(QueueUrl=_queue_url(record.event_source_arn),
                                                ReceiptHandle=record.receipt_handle, VisibilityTimeout=seconds)
    except Exception as err:  # noqa: BLE001 - the queue's default timeout is the fallback
        log.warning("could not set the retry delay", extra={"seconds": seconds, "error": repr(err)})


#: SQS's longest message delay.
SQS_MAX_DELAY = 900


class SameQueueLater:
    """``LaterQueue`` on the queue a record came from: a message sent back to it with ``DelaySeconds``
    (the publication function's "ask the channel again" messages)."""

    def __init__(self, queue_arn: str) -> None:
        self.queue_arn = queue_arn

    def send_later(self, message: dict, delay_seconds: int) -> None:
        client("sqs").send_message(QueueUrl=_queue_url(self.queue_arn), MessageBody=json.dumps(message),
                                   DelaySeconds=max(0, min(int(delay_seconds), SQS_MAX_DELAY)))
