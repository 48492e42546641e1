"""SubmissionCompleted -> the draft video (published copy, 9:16 copy, cover frame) -> VideoDrafted.

Its own function: FFmpeg (the VideoLayer), more memory and a longer timeout than the other consumers.
"""

import tempfile
from pathlib import Path

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from kabar.batch import bus_event, consume
from kabar.domain.events import SubmissionCompleted
from kabar.services import services
from kabar.usecases import video_drafting

logger = Logger()
#: Lambda's writable disk (EphemeralStorage in the template); the original and the copies go there.
WORKDIR = Path(tempfile.gettempdir())


def record_handler(record: SQSRecord) -> None:
    event = bus_event(record)
    logger.append_keys(tenant_id=event.tenant_id, submission_id=event.submission_id)
    if isinstance(event, SubmissionCompleted):
        video_drafting.draft_video(event, workdir=WORKDIR, svc=services())
    else:
        logger.warning("event not for video drafting", extra={"type": type(event).__name__})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return consume(event, context, record_handler)
