"""The dispatcher: Lambda's SQS batch semantics, rule taps and schedules, over a real moto server.

Given the fixture template's functions (tests/local/fixtures/<fn>/app.py) on a local stack with a
1-second retry delay, when messages arrive, then successes are deleted, failures come back after the
delay and end in the DLQ after maxReceiveCount, a raising handler fails its whole batch, and
wait_idle returns only when every consumed queue is empty and nothing runs.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from kabar_local.stack import LocalStack

pytestmark = pytest.mark.xdist_group("kabar-local-dispatcher")

TEMPLATE = Path(__file__).parent / "fixtures" / "template.yaml"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with LocalStack(TEMPLATE, seed_villages=False, retry_delay_seconds=1,
                    state_file=tmp_path_factory.mktemp("state") / "local.json") as running:
        yield running


@pytest.fixture
def sqs(stack):
    return boto3.client("sqs")


def calls(stack, function_id):
    return stack.runtime.module(function_id).CALLS


def drain(sqs, url):
    bodies = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not got:
            return sorted(bodies)
        for m in got:
            bodies.append(m["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def send_batch(sqs, url, bodies):
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": b} for i, b in enumerate(bodies)])


def test_partial_batch_failure_deletes_only_successes_and_the_failure_ends_in_the_dlq(stack, sqs):
    calls(stack, "PartialFunction").clear()
    queue, dlq = stack.model.queue("PartialQueue"), stack.model.queue("PartialDLQ")
    send_batch(sqs, queue.url, ["ok-1", "fail-1", "ok-2"])
    started = time.monotonic()
    stack.dispatcher.wait_idle(timeout=20)
    seen = calls(stack, "PartialFunction")
    assert sorted(seen[0]) == ["fail-1", "ok-1", "ok-2"]  # one batch
    assert seen[1:] == [["fail-1"]]  # retried once more (maxReceiveCount 2), then moto redrives it
    assert time.monotonic() - started >= 1.0  # the retry waited for the retry delay
    assert drain(sqs, dlq.url) == ["fail-1"]


def test_a_raising_handler_fails_the_whole_batch(stack, sqs):
    calls(stack, "BoomFunction").clear()
    queue, dlq = stack.model.queue("BoomQueue"), stack.model.queue("BoomDLQ")
    send_batch(sqs, queue.url, ["fine", "boom"])
    stack.dispatcher.wait_idle(timeout=20)
    assert [sorted(batch) for batch in calls(stack, "BoomFunction")] == [["boom", "fine"], ["boom", "fine"]]
    assert drain(sqs, dlq.url) == ["boom", "fine"]  # no ReportBatchItemFailures: all or nothing
    history = [h for h in stack.dispatcher.history if h.function_id == "BoomFunction"]
    assert history[-1].error.startswith("RuntimeError: boom")


def test_a_handler_without_partial_reports_deletes_the_batch_on_success(stack, sqs):
    calls(stack, "BoomFunction").clear()
    queue = stack.model.queue("BoomQueue")
    send_batch(sqs, queue.url, ["a", "b"])
    stack.dispatcher.wait_idle(timeout=10)
    assert sorted(b for batch in calls(stack, "BoomFunction") for b in batch) == ["a", "b"]


def test_the_lambda_sqs_event_shape_and_context(stack, sqs):
    calls(stack, "OkFunction").clear()
    queue = stack.model.queue("WorkQueue")
    sqs.send_message(QueueUrl=queue.url, MessageBody='{"hello": 1}',
                     MessageAttributes={"kind": {"DataType": "String", "StringValue": "greeting"}})
    stack.dispatcher.wait_idle(timeout=10)
    records = [r for call in calls(stack, "OkFunction") for r in call["event"]["Records"]
               if r["body"] == '{"hello": 1}']
    (record,) = records
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == queue.arn
    assert record["awsRegion"] == "ap-southeast-3"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert "SentTimestamp" in record["attributes"]
    assert record["messageAttributes"]["kind"]["stringValue"] == "greeting"
    assert record["messageAttributes"]["kind"]["dataType"] == "String"
    assert len(record["md5OfBody"]) == 32
    call = calls(stack, "OkFunction")[-1]
    assert call["function_name"] == "kabar-local-OkFunction"
    assert 0 < call["remaining_ms"] <= 10_000  # the template's Timeout
    assert call["table"] == "kabar-local-main"  # the function's environment is in os.environ


def test_eventbridge_rule_to_queue_and_s3_notification_reach_the_handler(stack, sqs):
    calls(stack, "OkFunction").clear()
    boto3.client("events").put_events(Entries=[{
        "Source": "fixture", "DetailType": "Ping", "Detail": json.dumps({"n": 1}), "EventBusName": "kabar-local-bus"}])
    boto3.client("s3").put_object(Bucket=stack.model.bucket("Uploads").name, Key="incoming/a.jpg", Body=b"x")
    stack.dispatcher.wait_idle(timeout=10)
    bodies = [json.loads(r["body"]) for c in calls(stack, "OkFunction") for r in c["event"]["Records"]]
    assert any(b.get("detail-type") == "Ping" for b in bodies)
    assert any(b.get("Records", [{}])[0].get("s3", {}).get("object", {}).get("key") == "incoming%2Fa.jpg"
               for b in bodies)


def test_an_eventbridge_rule_event_invokes_through_its_tap_queue(stack):
    calls(stack, "SchedFunction").clear()
    boto3.client("events").put_events(Entries=[{
        "Source": "fixture", "DetailType": "Tap", "Detail": "{}", "EventBusName": "kabar-local-bus"}])
    stack.dispatcher.wait_idle(timeout=10)
    (event,) = calls(stack, "SchedFunction")
    assert event["detail-type"] == "Tap"
    assert event["account"] == "123456789012"  # moto leaves it out; the dispatcher adds it


def test_fire_sends_the_schedule_input_or_a_scheduled_event(stack):
    calls(stack, "SchedFunction").clear()
    assert stack.dispatcher.fire("SchedFunction") == {"ok": True}
    stack.dispatcher.fire("SchedFunction", event_name="Often")
    stack.dispatcher.fire("SchedFunction", {"month": "2026-11"})
    monthly, often, given = calls(stack, "SchedFunction")
    assert monthly == {"kind": "monthly"}  # the ScheduleV2 Input
    assert often["detail-type"] == "Scheduled Event"
    assert often["source"] == "aws.events"
    assert often["resources"] == ["arn:aws:events:ap-southeast-3:123456789012:rule/kabar-local-SchedFunction-Often"]
    assert given == {"month": "2026-11"}


def test_the_clock_fires_due_schedules_once(stack):
    calls(stack, "SchedFunction").clear()
    due = stack.dispatcher.next_fire_times()
    assert set(due) == {"SchedFunction.Monthly", "SchedFunction.Often", "FailingScheduledFunction.Yearly"}
    later = due["SchedFunction.Often"] + timedelta(seconds=1)
    assert stack.dispatcher.tick(later) == ["SchedFunction.Often"]
    assert stack.dispatcher.tick(later) == []  # not twice
    stack.dispatcher.wait_idle(timeout=5)
    assert calls(stack, "SchedFunction")[0]["detail-type"] == "Scheduled Event"
    assert stack.dispatcher.next_fire_times()["SchedFunction.Often"] == due["SchedFunction.Often"] + timedelta(
        minutes=15)
    monthly = stack.dispatcher.next_fire_times()["SchedFunction.Monthly"]
    assert (monthly.day, monthly.hour, monthly.minute, str(monthly.tzinfo)) == (1, 7, 0, "Asia/Jakarta")
    assert monthly > datetime.now(UTC)


def test_wait_idle_times_out_with_the_queue_depths_then_settles(stack, sqs):
    queue = stack.model.queue("WorkQueue")
    sqs.send_message(QueueUrl=queue.url, MessageBody="later", DelaySeconds=2)
    with pytest.raises(TimeoutError, match="kabar-local-WorkQueue"):
        stack.dispatcher.wait_idle(timeout=0.5)
    stack.dispatcher.wait_idle(timeout=10)
    assert any(r["body"] == "later" for c in calls(stack, "OkFunction") for r in c["event"]["Records"])


def test_direct_invoke_propagates_the_handler_error(stack):
    with pytest.raises(RuntimeError, match="boom"):
        stack.invoke("BoomFunction", {"Records": [{"body": "boom"}]})
    with pytest.raises(KeyError):
        stack.invoke("NoSuchFunction", {})


def test_a_failed_scheduled_run_is_retried_then_lands_in_its_failure_destination(stack, sqs, caplog):
    """EventBridge Scheduler invokes asynchronously: Lambda retries, then the OnFailure queue (issue 9)."""
    module = stack.runtime.module("FailingScheduledFunction")
    module.CALLS.clear()
    module.FAIL[0] = True
    dlq = stack.model.queue("ScheduledRunsDLQ")
    due = stack.dispatcher.next_fire_times()["FailingScheduledFunction.Yearly"]
    with caplog.at_level("ERROR", logger="kabar_local.dispatcher"):
        assert "FailingScheduledFunction.Yearly" in stack.dispatcher.tick(due + timedelta(seconds=1))
        time.sleep(0.2)  # the timer's thread has begun
        stack.dispatcher.wait_idle(timeout=20)
    assert len(module.CALLS) == 2  # the first attempt and MaximumRetryAttempts: 1
    (body,) = [json.loads(b) for b in drain(sqs, dlq.url)]
    assert body["requestContext"]["condition"] == "RetriesExhausted"
    assert body["requestContext"]["approximateInvokeCount"] == 2
    assert body["requestContext"]["functionArn"].endswith("FailingScheduledFunction:$LATEST")
    assert body["requestPayload"]["detail-type"] == "Scheduled Event"
    assert body["responsePayload"]["errorType"] == "RuntimeError"
    # visibly: the traceback of each attempt and where the event went
    text = caplog.text
    assert "attempt 1 of 2" in text and "attempt 2 of 2" in text
    assert "RuntimeError: scheduled run failed" in text
    assert "kabar-local-ScheduledRunsDLQ" in text or dlq.name in text


def test_a_scheduled_run_that_recovers_on_its_retry_leaves_nothing_in_the_failure_destination(stack, sqs):
    module = stack.runtime.module("FailingScheduledFunction")
    module.CALLS.clear()
    module.FAIL[0] = False
    try:
        assert stack.dispatcher.fire("FailingScheduledFunction", asynchronous=True) is True
    finally:
        module.FAIL[0] = True
    assert len(module.CALLS) == 1
    assert drain(sqs, stack.model.queue("ScheduledRunsDLQ").url) == []


def test_a_message_sent_with_a_delay_is_delivered_after_it_and_idle_waits_for_it(stack, sqs):
    """The publication function asks a channel again by sending itself a message with DelaySeconds: the
    local stack holds it as SQS does, and counts it as work still to come."""
    calls(stack, "OkFunction").clear()
    queue = stack.model.queue("WorkQueue")
    sqs.send_message(QueueUrl=queue.url, MessageBody='{"check": 1}', DelaySeconds=2)
    attrs = sqs.get_queue_attributes(QueueUrl=queue.url, AttributeNames=["ApproximateNumberOfMessagesDelayed"])
    assert attrs["Attributes"]["ApproximateNumberOfMessagesDelayed"] == "1"
    assert not [r for call in calls(stack, "OkFunction") for r in call["event"]["Records"]]  # held back
    stack.dispatcher.wait_idle(timeout=20)  # idle only once the delayed message was delivered
    bodies = [r["body"] for call in calls(stack, "OkFunction") for r in call["event"]["Records"]]
    assert bodies == ['{"check": 1}']
