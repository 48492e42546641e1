"""One metrics job (village, account, day) -> daily snapshots of the account and its recent items."""

from datetime import date

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from kabar.batch import consume
from kabar.domain.models import TenantId
from kabar.services import services
from kabar.usecases import metrics

logger = Logger()


class MetricsJob(BaseModel):
    tenant_id: TenantId
    channel: str
    account_id: str
    day: date


def record_handler(record: SQSRecord) -> None:
    job = MetricsJob.model_validate_json(record.body)
    logger.append_keys(tenant_id=job.tenant_id, channel=job.channel, day=job.day.isoformat())
    metrics.collect(job.tenant_id, job.channel, job.account_id, job.day, svc=services())


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return consume(event, context, record_handler)
