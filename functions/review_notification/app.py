"""DraftReady -> email the reviewers; DraftRejected -> tell the submitter; RevisionRequested -> the admin.

Each email goes once per business key, even when the message is redelivered (Powertools Idempotency).
"""

from functools import cache

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from kabar.batch import bus_event, consume
from kabar.config import settings
from kabar.domain.events import DraftReady, DraftRejected, RevisionRequested, parse_event
from kabar.usecases import review

logger = Logger()

ACTIONS = {
    DraftReady: review.notify_reviewers,
    DraftRejected: review.notify_rejection,
    RevisionRequested: review.notify_revision,
}


@cache
def _once():
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    config = IdempotencyConfig(event_key_jmespath="key", expires_after_seconds=30 * 24 * 3600)
    store = DynamoDBPersistenceLayer(table_name=settings().idempotency_table)

    @idempotent_function(data_keyword_argument="job", persistence_store=store, config=config)
    def notify(job: dict) -> dict:
        event = parse_event(job["type"], job["detail"])
        ACTIONS[type(event)](event)
        return {"sent": job["key"]}

    return notify, config


def record_handler(record: SQSRecord) -> None:
    event = bus_event(record)
    logger.append_keys(tenant_id=event.tenant_id, submission_id=event.submission_id)
    if type(event) not in ACTIONS:
        logger.warning("event not for notification", extra={"type": type(event).__name__})
        return
    key = f"{type(event).__name__}:{event.tenant_id}:{event.submission_id}:{event.procedure}:{event.version}"
    notify, _ = _once()
    notify(job={"key": key, "type": type(event).__name__, "detail": event.model_dump(mode="json")})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: object) -> dict:
    _, config = _once()
    config.register_lambda_context(context)
    return consume(event, context, record_handler)
