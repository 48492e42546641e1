"""S3 ObjectCreated notifications (via SQS) -> check, clean and record each uploaded file."""

import json
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from kabar.batch import consume
from kabar.services import services
from kabar.usecases import intake

logger = Logger()


def record_handler(record: SQSRecord) -> None:
    body = json.loads(record.body)
    if body.get("Event") == "s3:TestEvent":  # sent on every notification configuration change
        return
    for s3_record in body.get("Records", []):
        if not s3_record.get("eventName", "").startswith("ObjectCreated:"):
            continue
        # Keys arrive URL-encoded (quote_plus), in AWS and in the local emulator alike.
        key = unquote_plus(s3_record["s3"]["object"]["key"])
        # The record names its bucket: intake acts only on its own (checked in the use case).
        bucket = (s3_record["s3"].get("bucket") or {}).get("name") or ""
        # The version this record is about (present for a versioned bucket): intake judges that one.
        version_id = s3_record["s3"]["object"].get("versionId") or None
        result = intake.process_object(key, bucket=bucket, version_id=version_id, svc=services())
        logger.info("object processed", extra={"outcome": result.outcome, "complete": result.submission_complete})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return consume(event, context, record_handler)
