"""Every morning, 06:00 WIB: one metrics job per village and social account onto the metrics queue."""

from datetime import date

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from kabar.adapters.sqs import SqsQueue
from kabar.config import settings
from kabar.services import services
from kabar.usecases import metrics

logger = Logger()


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    day = event.get("day") if isinstance(event, dict) else None  # a re-run for a given day
    jobs = metrics.metric_jobs(day=date.fromisoformat(day) if day else None, svc=services())
    SqsQueue(settings().metrics_queue_url, "KABAR_METRICS_QUEUE_URL").send_all(jobs)
    logger.info("metrics jobs queued", extra={"jobs": len(jobs)})
    return {"queued": len(jobs)}
