"""One report job (village, month) -> HTML into the reports bucket -> email with the link."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import BaseModel

from kabar.batch import consume
from kabar.domain.models import TenantId
from kabar.usecases import reporting

logger = Logger()


class ReportJob(BaseModel):
    tenant_id: TenantId
    month: str


def record_handler(record: SQSRecord) -> None:
    job = ReportJob.model_validate_json(record.body)
    logger.append_keys(tenant_id=job.tenant_id, month=job.month)
    reporting.build_report(job.tenant_id, job.month)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: object) -> dict:
    return consume(event, context, record_handler)
