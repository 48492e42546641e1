"""The handlers' side of scheduled jobs (``usecases/fanout.py``): start a job from its schedule (or
``kabar run``), and take a job queue's messages: a village's run, or a scheduler's continuation."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from .domain.clock import iso, now, to_wib
from .domain.fanout import JOBS, Cursor, period_of
from .domain.models import TenantId
from .services import Services
from .usecases import fanout

#: Jobs whose run is for an instant (the watch jobs): the village's message carries it.
INSTANT_JOBS = ("token-watch", "sla-watch", "intake-watch", "inbox-digest")


class JobStart(BaseModel):
    """A schedule's input (or ``kabar run``'s): empty for now; ``at``, ``month`` or ``day`` to replay."""

    model_config = ConfigDict(extra="ignore")
    at: AwareDatetime | None = None
    month: str | None = Field(default=None, pattern=r"^20\d\d-(0[1-9]|1[0-2])$")
    day: str | None = Field(default=None, pattern=r"^20\d\d-\d\d-\d\d$")
    regency: bool = False
    #: villages per page (tests use a tiny page to see the hand-on)
    page_size: int | None = Field(default=None, ge=1, le=1000)


class JobMessage(BaseModel):
    """One message of a job queue."""

    model_config = ConfigDict(extra="ignore")
    kind: Literal["village", "continue", "regency"] = "village"
    job: str
    period: str = Field(min_length=4, max_length=32)
    tenant_id: TenantId | None = None
    kabupaten: str | None = Field(default=None, min_length=2, max_length=80)
    cursor: dict | None = None
    page_size: int = Field(default=fanout.PAGE_SIZE, ge=1, le=1000)
    params: dict = {}
    at: AwareDatetime | None = None
    #: ``kabar run --village``: run again even when the period's run is done
    force: bool = False

    @property
    def unit(self) -> str:
        return f"kabupaten:{self.kabupaten}" if self.kind == "regency" else str(self.tenant_id)


def is_job_message(body: str) -> bool:
    try:
        data = json.loads(body)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("job") in JOBS and "period" in data


def _time_left(context: Any) -> Callable[[], float]:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return lambda: float("inf")
    return lambda: remaining() / 1000


def _queue(url: str | None) -> Any:
    from .adapters.sqs import SqsQueue

    return SqsQueue(url, "the job's queue URL (KABAR_*_QUEUE_URL)")


def start(job: str, event: object, context: Any, queue_url: str | None, *, svc: Services,
          at: datetime | None = None, page_size: int = fanout.PAGE_SIZE) -> dict:
    """A schedule fired (or an operator ran the job): queue the job for every village of its period."""
    run = JobStart.model_validate(event if isinstance(event, dict) else {})
    at = run.at or at or now()
    if job == "report" and run.regency:
        job = "regency-report"
    period = run.month or run.day or period_of(job, at)
    if run.at is not None and job in INSTANT_JOBS:
        # a replayed instant (the local stack, tests, an operator) is a run of its own
        period = f"{to_wib(run.at):%Y-%m-%dT%H:%M}"
    params: dict[str, Any] = {"at": iso(at)} if job in INSTANT_JOBS else {}
    if job in ("report", "regency-report"):
        params["month"] = period
    elif job == "metrics":
        params["day"] = period
    if job == "regency-report":
        return fanout.schedule_regencies(period, svc.store, _queue(queue_url), at=at)
    return fanout.schedule(job, period, svc.store, _queue(queue_url), _time_left(context), params=params, at=at,
                           page_size=run.page_size or page_size, spread_max=svc.settings.fanout_spread_max)


def handle(body: str, context: Any, queue_url: str | None, work: Callable[[JobMessage], dict], *,
           svc: Services) -> dict | None:
    """One job-queue message: a continuation pages on; a village's run is done once (``work``)."""
    msg = JobMessage.model_validate_json(body)
    if msg.kind == "continue":
        return fanout.schedule(msg.job, msg.period, svc.store, _queue(queue_url), _time_left(context),
                               params=msg.params, cursor=Cursor.from_json(msg.cursor),
                               page_size=msg.page_size,
                               spread_max=svc.settings.fanout_spread_max)
    if msg.force:
        result = work(msg)
        svc.store.finish_job_run(msg.unit, msg.job, msg.period, now(), result)
        return result
    return fanout.run_once(msg.unit, msg.job, msg.period, svc.store, lambda: work(msg))


def village_job_handler(job: str, run: Callable[[Any, datetime | None, Services], dict], logger: Any,
                        what: str) -> Callable[[dict, Any], dict]:
    """The Lambda handler of a watch job that runs once per village (``INSTANT_JOBS``): its schedule starts
    the job (one message per village on the job's queue); each village's message comes back to the same
    function, which runs ``run(village, at, svc)`` for it once per period. ``what`` names it in the log."""
    from .batch import consume
    from .config import job_queue_url
    from .services import services

    seen: dict[str, Any] = {"context": None}

    def work(msg: JobMessage) -> dict:
        svc = services()
        return run(svc.store.get_village(str(msg.tenant_id)), msg.at, svc)

    def record_handler(record: Any) -> None:
        handle(record.body, seen["context"], job_queue_url(services().settings, job), work, svc=services())

    @logger.inject_lambda_context(clear_state=True)
    def handler(event: dict, context: Any) -> dict:
        seen["context"] = context
        if isinstance(event, dict) and "Records" in event:
            return consume(event, context, record_handler)
        svc = services()
        started = start(job, event, context, job_queue_url(svc.settings, job), svc=svc)
        logger.info(f"{what} scheduled", extra=started)
        return started

    return handler
