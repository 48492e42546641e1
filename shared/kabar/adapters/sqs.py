"""An SQS queue for jobs (the report fan-out)."""

from __future__ import annotations

import json

from .aws import client


class SqsQueue:
    def __init__(self, url: str | None, setting: str = "KABAR_REPORT_QUEUE_URL") -> None:
        self.url = url
        self.setting = setting

    def send_all(self, jobs: list[dict]) -> None:
        if not self.url:
            raise ValueError(f"{self.setting} is not set")
        for start in range(0, len(jobs), 10):
            batch = jobs[start:start + 10]
            response = client("sqs").send_message_batch(QueueUrl=self.url, Entries=[
                {"Id": str(i), "MessageBody": json.dumps(job)} for i, job in enumerate(batch)])
            if response.get("Failed"):
                raise RuntimeError(f"{len(response['Failed'])} job(s) not queued: {response['Failed']}")
