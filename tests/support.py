"""Shared test helpers: sample events from events/, and the moto environment built from template.yaml."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kabar.services import services

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
TEMPLATE = ROOT / "template.yaml"
PARAMETERS = {"Stage": "test", "MailFrom": "kabar@kabar.desa.id"}
VILLAGES = ROOT / "infra" / "kabar_local" / "villages.json"


def load_event(name: str, **replace: str) -> dict:
    """One sample event (``intake/s3_object_created``), with placeholders replaced in its text."""
    text = (EVENTS / f"{name}.json").read_text(encoding="utf-8")
    for old, new in replace.items():
        text = text.replace(old, new)
    return json.loads(text)


@dataclass
class AwsEnv:
    """moto, provisioned from template.yaml, with the functions' environment set."""

    url: str
    model: Any
    runtime: Any
    env: dict[str, str]
    queues: dict[str, str] = field(default_factory=dict)
    _shards: dict[str, str | None] = field(default_factory=dict)

    def invoke(self, function_id: str, event: Any) -> Any:
        result = self.runtime.invoke(function_id, event)
        if function_id not in ("OutboxRelayFunction", "NoticeSenderFunction"):
            self.settle()  # what the function promised: relayed, and its emails sent
        return result

    def run_job(self, function_id: str, event: Any, queue_id: str, worker_id: str | None = None,
                retry_failures: bool = False, rounds: int = 50) -> dict:
        """A scheduled job end to end: its scheduler (``function_id``), then its queue delivered to the worker
        until empty (villages' runs and the scheduler's continuations). Returns the scheduler's answer with
        the villages' results summed (a count no village reported reads 0)."""
        started = self.invoke(function_id, event)
        totals = _Counts(started)
        handed_on = 0
        for _ in range(rounds):
            records = self.deliver(queue_id, worker_id or function_id, retry_failures=retry_failures)
            if not records:
                break
            for record in records:
                body = json.loads(record["body"])
                if body.get("kind") == "continue":
                    handed_on += 1
                    continue
                totals.setdefault("delivered", [])
                totals["delivered"].append(f"kabupaten:{body['kabupaten']}" if body.get("kind") == "regency"
                                           else body.get("tenant_id"))
        else:
            raise AssertionError(f"{queue_id} still has messages after {rounds} deliveries")
        totals["continuations"] = handed_on
        from kabar.services import services

        store = services().store
        for unit in set(totals.get("delivered", [])):
            run = store.job_run(unit, started["job"], started["period"]) or {}
            for key, value in json.loads(run.get("result") or "{}").items():
                if isinstance(value, int):
                    totals[key] = totals.get(key, 0) + value
        return totals

    def relay(self) -> list[dict]:
        """What the table's stream carries since the last call, through the outbox relay (as Lambda would:
        the mapping's filter, one batch, every record relayed)."""
        import boto3

        from kabar_local.dispatcher import matches_filter, stream_record
        from kabar_local.template import DynamoDBEvent

        fn = self.model.function("OutboxRelayFunction")
        (mapping,) = [e for e in fn.events if isinstance(e, DynamoDBEvent)]
        table = next(t for t in self.model.tables if t.arn == mapping.table_arn)
        arn = boto3.client("dynamodb").describe_table(TableName=table.name)["Table"]["LatestStreamArn"]
        streams = boto3.client("dynamodbstreams")
        records = []
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            sid = shard["ShardId"]
            if sid not in self._shards:
                self._shards[sid] = streams.get_shard_iterator(
                    StreamArn=arn, ShardId=sid, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            iterator = self._shards[sid]
            while iterator:
                page = streams.get_records(ShardIterator=iterator, Limit=1000)
                got = page.get("Records", [])
                records += [stream_record(r, arn) for r in got]
                iterator = page.get("NextShardIterator")
                self._shards[sid] = iterator
                if not got:
                    break
        records = [r for r in records if any(matches_filter(f, r) for f in mapping.filters)]
        pending, tries = list(records), 0
        while pending:  # as the stream mapping does: retry from the first failed record
            batch = pending[:mapping.batch_size]
            try:
                result = self.invoke("OutboxRelayFunction", {"Records": batch})
            except Exception:  # noqa: BLE001 - the whole batch failed; the stream delivers it again
                failed_from = 0
            else:
                failed = [f["itemIdentifier"] for f in result.get("batchItemFailures", [])]
                sequence = [r["dynamodb"]["SequenceNumber"] for r in batch]
                failed_from = min((sequence.index(f) for f in failed), default=None)
            if failed_from is None:
                pending = pending[len(batch):]
                continue
            tries += 1
            assert tries <= 5, "the relay kept failing"
            pending = pending[failed_from:]
        return records

    def settle(self, rounds: int = 10) -> None:
        """Relay what was promised and send every notice due (the notice sender), until nothing is left.

        A notice whose send fails comes back on the queue, as SQS brings it back after its visibility timeout.
        """
        for _ in range(rounds):
            relayed = self.relay()
            sent = self.deliver("NoticeQueue", "NoticeSenderFunction", retry_failures=True)
            if not relayed and not sent:
                return
        raise AssertionError(f"notices still failing after {rounds} deliveries")

    def drain(self, queue_id: str) -> list[dict]:
        """Every message now in a queue (after relaying what the outbox holds), removed; as the Lambda SQS
        event records they would be."""
        import boto3

        self.relay()

        sqs = boto3.client("sqs")
        out = []
        while True:
            got = sqs.receive_message(QueueUrl=self.queues[queue_id], MaxNumberOfMessages=10,
                                      AttributeNames=["All"], WaitTimeSeconds=0).get("Messages", [])
            if not got:
                return out
            for m in got:
                out.append({"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                            "attributes": m.get("Attributes", {}), "messageAttributes": {},
                            "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs",
                            # the queue's real name, as Lambda gives it (a function may send to its own queue)
                            "eventSourceARN": "arn:aws:sqs:ap-southeast-3:123456789012:"
                                              + self.queues[queue_id].rsplit("/", 1)[1],
                            "awsRegion": "ap-southeast-3"})
                sqs.delete_message(QueueUrl=self.queues[queue_id], ReceiptHandle=m["ReceiptHandle"])

    def deliver(self, queue_id: str, function_id: str, retry_failures: bool = False) -> list[dict]:
        """Drain a queue into its function as one batch (what the event source mapping does).

        With ``retry_failures`` the records the function reports failed go back on the queue (their next
        receive); otherwise a failure fails the test."""
        import boto3

        records = self.drain(queue_id)
        if records:
            try:
                result = self.invoke(function_id, {"Records": records})
            except Exception:
                if not retry_failures:
                    raise
                result = {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records]}
            failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
            if not retry_failures:
                assert result == {"batchItemFailures": []}, result
            for record in records:
                if record["messageId"] in failed:
                    boto3.client("sqs").send_message(QueueUrl=self.queues[queue_id], MessageBody=record["body"])
        return records


class _Counts(dict):
    def __missing__(self, key: str) -> int:
        return 0


def start_moto() -> tuple[Any, str]:
    from moto.server import ThreadedMotoServer

    from kabar_local.moto_fidelity import serialize_dynamodb

    serialize_dynamodb()

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


def provision_env(url: str, public_url: str = "http://127.0.0.1:9") -> AwsEnv:
    """Reset moto and build the stack from template.yaml; point every cached client at it."""
    import requests

    from kabar.domain.models import Village
    from kabar.services import reset
    from kabar.usecases.villages import put_village
    from kabar_local.lambda_runtime import LambdaRuntime, environment_union
    from kabar_local.provision import provision
    from kabar_local.template import load_model

    requests.post(f"{url}/moto-api/reset", timeout=10)
    os.environ.update(AWS_ENDPOINT_URL=url, AWS_DEFAULT_REGION="ap-southeast-3", AWS_REGION="ap-southeast-3",
                      AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    model = load_model(TEMPLATE, parameters=PARAMETERS, endpoint_url=url)
    overrides = {"KABAR_PUBLIC_URL": public_url, "KABAR_SITE_URL": f"{public_url}/site",
                 "KABAR_GRAPH_BASE_URL": f"{public_url}/graph", "POWERTOOLS_LOG_LEVEL": "WARNING",
                 # a TERIMA publishes at once unless a test gives its village an undo window (test_undo_window.py)
                 "KABAR_UNDO_WINDOW_SECONDS": "0",
                 "KABAR_FANOUT_SPREAD_MAX": "0", "KABAR_MAIL_MAX_SEND_RATE": "1000"}
    env = {**environment_union(model.functions, overridden=overrides), **overrides}
    os.environ.update(env)
    done = provision(model, url, env["KABAR_MAIL_FROM"])
    reset()
    data = json.loads(VILLAGES.read_text(encoding="utf-8"))
    for village in data if isinstance(data, list) else data["villages"]:
        village = dict(village)
        village["channels"] = {"website": [{"type": "static_site"}]}  # no Graph fake in handler tests
        put_village(Village.model_validate(village), svc=services())
    return AwsEnv(url=url, model=model, runtime=LambdaRuntime(model), env=env, queues=done.queues)
