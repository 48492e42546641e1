"""Every scheduled job as one message per village, queued once per period (``domain.fanout``).

:func:`schedule` pages through the village directory and queues each village's message after
claiming its run (a conditional "job run" item): a village already claimed for the period is left
out, so a retried scheduler, a continuation delivered twice or a second run for the same period
queues nothing new. When time runs short it hands the rest on: continuation messages with the
cursor go onto the same queue, and whoever receives one calls :func:`schedule` again from there. The
first hand-on splits the work: one chain for the partition it was in, one for each partition after it,
paged in parallel (84,000 villages take a sixteenth of one chain's time).
At least one page is done per call, so a continuation always makes progress.

:func:`run_once` is each village's side: a run already done for the period (the queue delivered the
message twice) does nothing; otherwise the job's work runs and its result is recorded as done.

The one window left: a scheduler that dies after claiming a page and before queueing it (Lambda's
hard timeout, which the time budget keeps it away from). Those villages' runs stay ``queued``
without a message; ``kabar run <job> --village V`` runs one again by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from aws_lambda_powertools import Logger

from ..domain.clock import now
from ..domain.fanout import DIRECTORY_SHARDS, Cursor, spread
from ..ports import JobQueue, Jobs, QueuedJob

logger = Logger(child=True)

#: Villages read and queued per page (a directory query and ten SendMessageBatch calls).
PAGE_SIZE = 100
#: A scheduler with less time than this left hands the rest on rather than start another page.
MARGIN_SECONDS = 15.0
#: Conditional claims written at once (each is one small PutItem on the village's own key).
CLAIM_THREADS = 8


class NotQueued(RuntimeError):
    """SQS refused some of a page's messages: their claims were released; the scheduler is retried."""


def village_message(job: str, tenant_id: str, period: str, params: dict) -> dict:
    return {"kind": "village", "job": job, "tenant_id": tenant_id, "period": period, **params}


def continuation(job: str, period: str, cursor: Cursor, params: dict, page_size: int = PAGE_SIZE) -> dict:
    return {"kind": "continue", "job": job, "period": period, "cursor": cursor.to_json(), "params": params,
            "page_size": page_size}


def schedule(job: str, period: str, store: Jobs, queue: JobQueue, time_left: Callable[[], float],
             params: dict | None = None, cursor: Cursor | None = None, page_size: int = PAGE_SIZE,
             at: datetime | None = None, spread_max: int = 900) -> dict:
    """Queue ``job`` for ``period`` for every village from ``cursor`` on, each once; hand on when short of time."""
    params = dict(params or {})
    at = at or now()
    cursor = cursor or Cursor()
    counts = {"queued": 0, "already": 0, "pages": 0, "handed_on": 0}
    while not cursor.done:
        ids = store.village_ids(cursor.shard, cursor.after, page_size)
        if ids:
            with ThreadPoolExecutor(max_workers=min(CLAIM_THREADS, len(ids))) as pool:
                claimed = list(pool.map(lambda t: store.claim_job_run(t, job, period, at), ids))
            fresh = [t for t, ok in zip(ids, claimed, strict=True) if ok]
            counts["already"] += len(ids) - len(fresh)
            _queue(queue, store, job, period, fresh, [QueuedJob(village_message(job, t, period, params),
                                                                spread(job, t, period, spread_max)) for t in fresh])
            counts["queued"] += len(fresh)
        counts["pages"] += 1
        cursor = cursor.next_page(ids, page_size)
        if not cursor.done and time_left() < MARGIN_SECONDS:
            chains = cursor.hand_on()
            failed = queue.send([QueuedJob(continuation(job, period, c, params, page_size)) for c in chains])
            if failed:
                raise NotQueued("a continuation could not be queued; the scheduler is retried")
            counts["handed_on"] = len(chains)
            logger.info("scheduler handed on", extra={"job": job, "period": period, "cursor": cursor.to_json(),
                                                      **counts})
            break
    logger.info("job scheduled", extra={"job": job, "period": period, **counts})
    return {"job": job, "period": period, **counts}


def schedule_regencies(period: str, store: Jobs, queue: JobQueue, params: dict | None = None,
                       at: datetime | None = None) -> dict:
    """One regency report job per kabupaten (a few hundred: one read of the regency directory)."""
    at = at or now()
    units = [k for k in store.regencies() if store.claim_job_run(f"kabupaten:{k}", "regency-report", period, at)]
    jobs = [QueuedJob({"kind": "regency", "job": "regency-report", "kabupaten": k, "period": period,
                       "month": period, **(params or {})}) for k in units]
    _queue(queue, store, "regency-report", period, [f"kabupaten:{k}" for k in units], jobs)
    return {"job": "regency-report", "period": period, "queued": len(units)}


def _queue(queue: JobQueue, store: Jobs, job: str, period: str, units: list[str], jobs: list[QueuedJob]) -> None:
    failed = queue.send(jobs) if jobs else []
    if failed:
        for index in failed:
            store.release_job_run(units[index], job, period)
        raise NotQueued(f"{len(failed)} of {len(jobs)} {job} message(s) not queued; released for the retry")


def run_once(unit: str, job: str, period: str, store: Jobs, work: Callable[[], dict],
             at: datetime | None = None) -> dict | None:
    """Do one village's run of a job unless it is done already; record it done with its result.
    None when it was done before (the message came twice)."""
    run = store.job_run(unit, job, period)
    if run is not None and run.get("status") == "done":
        logger.info("job run already done", extra={"job": job, "unit": unit, "period": period})
        return None
    result = work()
    store.finish_job_run(unit, job, period, at or now(), result)
    return result


__all__ = ["DIRECTORY_SHARDS", "Cursor", "NotQueued", "continuation", "run_once", "schedule",
           "schedule_regencies", "village_message"]
