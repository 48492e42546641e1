"""Hourly (Asia/Jakarta): tell submitters whose files never all arrived what is still missing.

The schedule starts the job (one message per village onto the job queue, ``kabar.jobs.start``); each
village's message comes back here from the queue and its hand-overs are looked at once for the period."""

from aws_lambda_powertools import Logger

from kabar import jobs
from kabar.usecases import incomplete

logger = Logger()

handler = jobs.village_job_handler(
    "intake-watch", lambda village, at, svc: incomplete.watch_village(village, at=at, svc=svc), logger, "intake watch")
