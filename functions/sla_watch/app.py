"""Every 15 minutes (Asia/Jakarta): the SLA watch reminds, escalates, flags late drafts and re-drives.

The schedule starts the job (one message per village onto the job queue, ``kabar.jobs.start``); each
village's message comes back here from the queue and that village is watched once for the period."""

from aws_lambda_powertools import Logger

from kabar import jobs
from kabar.usecases import sla

logger = Logger()

handler = jobs.village_job_handler(
    "sla-watch", lambda village, at, svc: sla.watch_village(village, at=at, svc=svc), logger, "SLA watch")
