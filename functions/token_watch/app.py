"""Every day, 08:00 WIB: the admins are warned a week before a Facebook/Instagram access token ends.

The schedule starts the job (one message per village onto the job queue, ``kabar.jobs.start``); each
village's message comes back here from the queue and its tokens are asked about once for the day."""

from aws_lambda_powertools import Logger

from kabar import jobs
from kabar.usecases import token_watch

logger = Logger()

handler = jobs.village_job_handler(
    "token-watch", lambda village, at, svc: token_watch.check_village(village, svc, at), logger, "token watch")
