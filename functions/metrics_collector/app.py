"""One metrics job (a village's day, or one account's) -> daily snapshots of the accounts and their recent
items; a scheduler's continuation on the same queue pages on (``kabar.jobs``)."""

from datetime import date
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from kabar import jobs
from kabar.batch import consume
from kabar.domain.models import TenantId
from kabar.services import services
from kabar.usecases import metrics

logger = Logger()
_context: Any = None


class MetricsJob(BaseModel):
    tenant_id: TenantId
    channel: str
    account_id: str
    day: date


def work(msg: jobs.JobMessage) -> dict:
    logger.append_keys(tenant_id=msg.tenant_id, day=msg.period)
    return metrics.collect_village(str(msg.tenant_id), date.fromisoformat(msg.period), services())


def record_handler(record: SQSRecord) -> None:
    if jobs.is_job_message(record.body):
        jobs.handle(record.body, _context, services().settings.metrics_queue_url, work, svc=services())
        return
    job = MetricsJob.model_validate_json(record.body)
    logger.append_keys(tenant_id=job.tenant_id, channel=job.channel, day=job.day.isoformat())
    metrics.collect(job.tenant_id, job.channel, job.account_id, job.day, svc=services())


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    global _context
    _context = context
    return consume(event, context, record_handler)
