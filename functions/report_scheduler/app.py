"""Day 1 of the month, 07:00 WIB: one report job per village onto the report queue; 10:00 WIB (the
schedule's input ``{"regency": true}``): one job per kabupaten, after its villages' reports."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from kabar.adapters.sqs import SqsQueue
from kabar.config import settings
from kabar.services import services
from kabar.usecases import regency, reporting

logger = Logger()


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    month = event.get("month") if isinstance(event, dict) else None
    if isinstance(event, dict) and event.get("regency") is True:
        jobs = regency.regency_jobs(month=month, svc=services())
    else:
        jobs = reporting.report_jobs(month=month, svc=services())
    SqsQueue(settings().report_queue_url).send_all(jobs)
    logger.info("report jobs queued", extra={"jobs": len(jobs), "month": jobs[0]["month"] if jobs else month})
    return {"queued": len(jobs)}
