"""Every day, 07:00 WIB: each village's admins get the comments and messages still unanswered (1-day SOP clock).

The schedule starts the job (one message per village onto the job queue, ``kabar.jobs.start``); each
village's message comes back here from the queue and its digest is made once for the day."""

from aws_lambda_powertools import Logger

from kabar import jobs
from kabar.usecases import inbox

logger = Logger()

handler = jobs.village_job_handler(
    "inbox-digest", lambda village, at, svc: inbox.send_digest(village, as_of=at, svc=svc), logger, "inbox digests")
