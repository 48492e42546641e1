"""An SQS queue for jobs (the report fan-out, each scheduled job's villages and its scheduler's continuation)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from ..ports import QueuedJob
from .aws import client


class SqsQueue:
    def __init__(self, url: str | None, setting: str = "KABAR_REPORT_QUEUE_URL") -> None:
        self.url = url
        self.setting = setting

    def send(self, jobs: Sequence[QueuedJob]) -> list[int]:
        """SendMessageBatch by tens, each with its delay; the indexes of the entries SQS refused."""
        if not self.url:
            raise ValueError(f"{self.setting} is not set")
        failed: list[int] = []
        for start in range(0, len(jobs), 10):
            batch = jobs[start:start + 10]
            response = client("sqs").send_message_batch(QueueUrl=self.url, Entries=[
                {"Id": str(i), "MessageBody": json.dumps(job.body), "DelaySeconds": max(0, min(900, job.delay))}
                for i, job in enumerate(batch)])
            failed += [start + int(f["Id"]) for f in response.get("Failed") or []]
        return failed

    def send_all(self, jobs: list[dict]) -> None:
        failed = self.send([QueuedJob(job) for job in jobs])
        if failed:
            raise RuntimeError(f"{len(failed)} job(s) not queued")
