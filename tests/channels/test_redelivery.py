"""The retry delay set on an SQS message (moto): the message comes back when the use case said."""

from __future__ import annotations

import uuid

import boto3
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from kabar.adapters import redelivery


def test_the_message_comes_back_after_the_delay_set_not_the_queue_default(aws_env):
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=f"kabar-publication-{uuid.uuid4().hex[:8]}",
                           Attributes={"VisibilityTimeout": "5400"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.send_message(QueueUrl=url, MessageBody="{}")
    (message,) = sqs.receive_message(QueueUrl=url)["Messages"]
    record = SQSRecord({"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"],
                        "body": "{}", "eventSourceARN": arn})
    assert sqs.receive_message(QueueUrl=url).get("Messages") is None  # hidden for the queue's 90 minutes
    redelivery.delay(record, 0)
    assert len(sqs.receive_message(QueueUrl=url)["Messages"]) == 1


def test_a_failure_to_set_the_delay_is_not_fatal(aws_env):
    record = SQSRecord({"messageId": "m", "receiptHandle": "bad", "body": "{}",
                        "eventSourceARN": "arn:aws:sqs:ap-southeast-3:123456789012:missing-queue"})
    redelivery.delay(record, 60)  # logged; the queue's own timeout still brings the message back
