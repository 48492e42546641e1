"""Shared test helpers: sample events from events/, and the moto environment built from template.yaml."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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

    def invoke(self, function_id: str, event: Any) -> Any:
        return self.runtime.invoke(function_id, event)

    def drain(self, queue_id: str) -> list[dict]:
        """Every message now in a queue, removed; as the Lambda SQS event records they would be."""
        import boto3

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
                            "eventSourceARN": f"arn:aws:sqs:ap-southeast-3:123456789012:{queue_id}",
                            "awsRegion": "ap-southeast-3"})
                sqs.delete_message(QueueUrl=self.queues[queue_id], ReceiptHandle=m["ReceiptHandle"])

    def deliver(self, queue_id: str, function_id: str) -> list[dict]:
        """Drain a queue into its function as one batch (what the event source mapping does)."""
        records = self.drain(queue_id)
        if records:
            result = self.invoke(function_id, {"Records": records})
            assert result == {"batchItemFailures": []}, result
        return records


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
                 "KABAR_GRAPH_BASE_URL": f"{public_url}/graph", "POWERTOOLS_LOG_LEVEL": "WARNING"}
    env = {**environment_union(model.functions, overridden=overrides), **overrides}
    os.environ.update(env)
    done = provision(model, url, env["KABAR_MAIL_FROM"])
    reset()
    data = json.loads(VILLAGES.read_text(encoding="utf-8"))
    for village in data if isinstance(data, list) else data["villages"]:
        village = dict(village)
        village["channels"] = {"website": [{"type": "static_site"}]}  # no Graph fake in handler tests
        put_village(Village.model_validate(village))
    return AwsEnv(url=url, model=model, runtime=LambdaRuntime(model), env=env, queues=done.queues)
