"""Report jobs from the report queue: a village's month (tenant_id, month) -> HTML, PDF and XLSX into
the reports bucket -> email with the links; or a regency's month (kabupaten, month), built after its
villages' reports."""

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from kabar import jobs
from kabar.batch import consume
from kabar.domain.models import TenantId
from kabar.services import services
from kabar.usecases import reporting

logger = Logger()
_context: Any = None

#: A regency job waits for its villages' reports this many deliveries, then is built with what exists
#: (a village still without a report is named in it).
REGENCY_WAITS = 3


class ReportJob(BaseModel):
    tenant_id: TenantId
    month: str = Field(pattern=r"^20\d\d-(0[1-9]|1[0-2])$")


class RegencyJob(BaseModel):
    kabupaten: str = Field(min_length=2, max_length=80)
    month: str = Field(pattern=r"^20\d\d-(0[1-9]|1[0-2])$")


def _regency(body: str, record: SQSRecord) -> dict:
    from kabar.usecases import regency  # one job per regency against one per village: loaded when asked

    job = RegencyJob.model_validate_json(body)
    logger.append_keys(kabupaten=job.kabupaten, month=job.month)
    waiting = int(record.attributes.approximate_receive_count) < REGENCY_WAITS
    regency.build_regency_report(job.kabupaten, job.month, wait_for_villages=waiting, svc=services())
    return {"kabupaten": job.kabupaten}


def _village(body: str) -> dict:
    village_job = ReportJob.model_validate_json(body)
    logger.append_keys(tenant_id=village_job.tenant_id, month=village_job.month)
    reporting.build_report(village_job.tenant_id, village_job.month, svc=services())
    return {"report": village_job.month}


def record_handler(record: SQSRecord) -> None:
    body = record.body
    if jobs.is_job_message(body):  # from the scheduler: once per (village or kabupaten, month)
        jobs.handle(body, _context, services().settings.report_queue_url,
                    lambda msg: _regency(body, record) if msg.kind == "regency" else _village(body), svc=services())
    elif "kabupaten" in json.loads(body):
        _regency(body, record)
    else:
        _village(body)


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    global _context
    _context = context
    return consume(event, context, record_handler)
