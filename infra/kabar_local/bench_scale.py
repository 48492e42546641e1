"""`make bench-scale`: every scheduled job for every village, on the local stack, at 100 and at 1,000 villages.

Each village is configured as the typical one (Facebook Page with its secret and token, the website),
with a month of records: published activities (social and website), a hand-over still receiving
files, comments and messages (some unanswered), click counters. Then, for each scheduled job, its
scheduler runs (paging the village directory, handing on when short of time) and each village's
message is delivered to the job's function, one village per invocation, as Lambda would deliver
them. The job has finished only when every village's run is recorded done; otherwise this exits 1.

Printed per job: the scheduler's time (and continuations), the time per village (mean, p95), the
peak Python memory of a village's run (tracemalloc, sampled), and the ratio of the per-village time
at 1,000 villages to the same at 100, measured in the same run (flat = the cost does not grow with
the number of villages). Last, the modelled wall time for 84,000 villages on AWS with the template's
concurrency caps: the scheduler's chain of pages, the spread window and the workers at their cap.

    python -m kabar_local.bench_scale [--villages 1000] [--baseline 100] [--activities 3]
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

NATIONAL = 84_000
#: every tenth village's run is traced (tracemalloc slows a run down; the others are timed plainly)
TRACE_EVERY = 10
VILLAGES_PER_KABUPATEN = 100  # the regency reports: about as many villages per kabupaten as in Sleman (86)

#: job -> (the function whose schedule starts it, its queue, the function consuming the queue, the start event)
JOBS: list[tuple[str, str, str, str]] = [
    ("token-watch", "TokenWatchFunction", "TokenWatchQueue", "TokenWatchFunction"),
    ("sla-watch", "SlaWatchFunction", "SlaWatchQueue", "SlaWatchFunction"),
    ("intake-watch", "IntakeWatchFunction", "IntakeWatchQueue", "IntakeWatchFunction"),
    ("inbox-digest", "InboxDigestFunction", "InboxDigestQueue", "InboxDigestFunction"),
    ("metrics", "MetricsSchedulerFunction", "MetricsQueue", "MetricsCollectorFunction"),
    ("report", "ReportSchedulerFunction", "ReportQueue", "MonthlyReportFunction"),
    ("regency-report", "ReportSchedulerFunction", "ReportQueue", "MonthlyReportFunction"),
]


class _Calls:
    """AWS API calls made by this process (botocore's before-call event): a village's run's requests are
    what DynamoDB, SQS, Secrets Manager and SES bill, whatever the emulator's speed."""

    count = 0

    @classmethod
    def hook(cls) -> None:
        import boto3

        boto3.setup_default_session()
        boto3.DEFAULT_SESSION.events.register("before-call", cls._seen)

    @classmethod
    def _seen(cls, **kwargs: Any) -> None:
        cls.count += 1


@dataclass
class JobRun:
    job: str
    units: int = 0
    scheduler_s: float = 0.0
    continuations: int = 0
    times: list[float] = field(default_factory=list)
    peaks: list[int] = field(default_factory=list)
    calls: list[int] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def calls_mean(self) -> float:
        return statistics.fmean(self.calls) if self.calls else 0.0

    @property
    def mean(self) -> float:
        return statistics.fmean(self.times) if self.times else 0.0

    @property
    def p95(self) -> float:
        return sorted(self.times)[int(0.95 * (len(self.times) - 1))] if self.times else 0.0

    @property
    def peak(self) -> int:
        return max(self.peaks, default=0)


def _village(n: int, kabupaten: int) -> Any:
    from kabar.domain.models import Village

    vid = f"desa-{n:05d}"
    return Village.model_validate({
        "id": vid, "name": f"Desa {n:05d}", "kapanewon": f"Kapanewon {n % 40:02d}",
        "kabupaten": f"Kabupaten {n % kabupaten:03d}",
        "reviewers": [{"name": "PPID", "email": f"ppid@{vid}.desa.id"}],
        "admins": [{"name": "Admin Media", "email": f"admin@{vid}.desa.id"}],
        "report_recipients": [{"name": "Lurah", "email": f"lurah@{vid}.desa.id"}],
        "channels": {"social": [{"type": "facebook", "page_id": str(3_000_000_000 + n),
                                 "secret_name": f"kabar/{vid}/facebook"}],
                     "website": [{"type": "static_site"}]}})


def _records(village: Any, month: str, activities: int, now: datetime) -> None:
    """A month of the village's work, written straight into the register (as the SOP's steps leave it)."""
    from kabar.domain.clock import WIB
    from kabar.domain.inbox import Inquiry, InquiryKind
    from kabar.domain.models import (
        Activity,
        Draft,
        DraftStatus,
        Procedure,
        Publication,
        PublicationStatus,
        Submission,
    )
    from kabar.services import services

    store = services().store
    year, mon = (int(p) for p in month.split("-"))
    page = village.channels["social"][0].page_id
    for n in range(activities):
        day = date(year, mon, 3 + n * 7 % 25)
        at = datetime(day.year, day.month, day.day, 8, tzinfo=WIB)
        sid = f"s{village.id}{n:04d}"
        store.create_submission(Submission(
            tenant_id=village.id, submission_id=sid, submitter_id="st-1", submitter_name="Sri Rahayu",
            submitter_email=f"sri@{village.id}.desa.id", procedures=[Procedure.SOCIAL, Procedure.WEBSITE],
            created_at=at, completed_at=at + timedelta(minutes=20),
            activity=Activity(title=f"Kerja bakti dusun {n + 1}", date=day, location="Balai kalurahan"),
            narrative="Warga bergotong royong membersihkan saluran air dan jalan dusun bersama perangkat."), [])
        for procedure, channel in ((Procedure.SOCIAL, "facebook"), (Procedure.WEBSITE, "static_site")):
            slug = f"{day}-kerja-bakti-{n + 1}"
            store.put_draft(Draft(tenant_id=village.id, submission_id=sid, procedure=procedure, version=1,
                                  status=DraftStatus.PUBLISHED, title=f"Kerja bakti dusun {n + 1}", slug=slug,
                                  created_at=at + timedelta(hours=1), decided_at=at + timedelta(hours=1.5)))
            store.start_publication(Publication(
                tenant_id=village.id, submission_id=sid, procedure=procedure, version=1, channel=channel,
                status=PublicationStatus.PUBLISHED, marker=f"kabar-{sid}-{channel}",
                remote_id=f"{page}_{n:06d}" if channel == "facebook" else None,
                url=f"https://kabar.example/{village.id}/berita/{slug}/", published_at=at + timedelta(hours=3)))
            store.count_click(village.id, slug, "facebook", day + timedelta(days=1))
    # a hand-over of this month still receiving files (the intake watch tells its submitter)
    started = now - timedelta(hours=8)
    store.create_submission(Submission(
        tenant_id=village.id, submission_id=f"r{village.id}", submitter_id="st-1", submitter_name="Sri Rahayu",
        submitter_email=f"sri@{village.id}.desa.id", procedures=[Procedure.WEBSITE], created_at=started,
        activity=Activity(title="Posyandu balita", date=started.date(), location="Dusun"),
        narrative="Posyandu balita bulan ini."), [])
    for k in range(3):  # comments on the Page, one answered
        store.put_inquiry(Inquiry(
            tenant_id=village.id, inquiry_id=f"{page}_c{k}", kind=InquiryKind.COMMENT, page_id=page,
            thread_id=f"{page}_000000", author_id=f"77{k}", author_name="Warga", text="Kapan posyandu berikutnya?",
            received_at=now - timedelta(hours=20 - k), answered_at=(now - timedelta(hours=1)) if k == 0 else None,
            answer_id="a1" if k == 0 else None))


def _seed(stack: Any, first: int, count: int, month: str, activities: int, now: datetime) -> None:
    kabupaten = max(1, count // VILLAGES_PER_KABUPATEN)
    villages = [_village(n, kabupaten) for n in range(first, first + count)]

    def records(village: Any) -> None:
        try:
            _records(village, month, activities, now)
        except Exception as err:  # a write retried after a slow answer finds itself done: the data is there
            if "ConditionalCheckFailed" not in str(err):
                raise

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(stack.register_village, villages))
        list(pool.map(records, villages))


def _units(job: str, stack: Any) -> list[str]:
    from kabar.services import services

    store = services().store
    if job == "regency-report":
        return [f"kabupaten:{k}" for k in store.regencies()]
    return [v for shard in range(16) for v in store.village_ids(shard, None, 100_000)]


def run_job(stack: Any, job: str, starter: str, queue: str, worker: str, event: dict) -> JobRun:
    import boto3

    from kabar.services import services

    from .dispatcher import sqs_record

    assert stack.runtime is not None and stack.provisioned is not None
    result = JobRun(job)
    url = stack.provisioned.queues[queue]
    arn = f"arn:aws:sqs:{stack.env['AWS_REGION']}:123456789012:{url.rsplit('/', 1)[-1]}"
    sqs = boto3.client("sqs")
    t = time.perf_counter()
    started = stack.runtime.invoke(starter, event)
    result.scheduler_s = time.perf_counter() - t
    attempts: dict[str, int] = {}
    traced = 0
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"],
                                  WaitTimeSeconds=0, VisibilityTimeout=60).get("Messages", [])
        if not got:
            break
        for message in got:
            body = json.loads(message["Body"])
            record = sqs_record(message, arn)
            trace = body.get("kind") != "continue" and traced % TRACE_EVERY == 1
            if trace:
                gc.collect()
                tracemalloc.start()
            t = time.perf_counter()
            calls = _Calls.count
            try:
                answer = stack.runtime.invoke(worker, {"Records": [record]})
                ok = not (answer or {}).get("batchItemFailures")
            except Exception:  # noqa: BLE001 - the message comes back, as SQS would bring it back
                ok = False
            seconds = time.perf_counter() - t
            calls = _Calls.count - calls
            if trace:
                result.peaks.append(tracemalloc.get_traced_memory()[1])
                tracemalloc.stop()
            if body.get("kind") == "continue":
                result.scheduler_s += seconds
                result.continuations += 1
            elif ok:
                result.calls.append(calls)
                if not trace:  # a traced run is slower: it gives the memory figure only
                    result.times.append(seconds)
                traced += 1
            if ok:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            else:
                key = body.get("tenant_id") or body.get("kabupaten") or "continue"
                attempts[key] = attempts.get(key, 0) + 1
                if attempts[key] < 4:
                    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"],
                                                  VisibilityTimeout=0)
                else:
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    store = services().store
    units = _units(job, stack)
    result.units = len(units)
    result.failed = [u for u in units
                     if (store.job_run(u, started["job"], started["period"]) or {}).get("status") != "done"]
    return result


def measure(villages: int, activities: int) -> tuple[list[JobRun], float, float]:
    """A fresh local stack with ``villages`` villages; every job run for all. Returns the runs, the seeding
    time and the process's peak RSS growth (MiB)."""
    from kabar.domain.clock import WIB, now, previous_month

    from .stack import LocalStack

    at = now().astimezone(WIB)
    month = previous_month(at)
    quiet = {"POWERTOOLS_LOG_LEVEL": "ERROR"}
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.TemporaryDirectory() as tmp, LocalStack(port=0, seed_villages=False, env=quiet,
                                                          state_file=f"{tmp}/local.json") as stack:
        assert stack.dispatcher is not None
        stack.dispatcher.stop()  # the bench delivers each job's messages itself, one village at a time
        t = time.perf_counter()
        _seed(stack, 0, villages, month, activities, at)
        seeded = time.perf_counter() - t
        runs = []
        for job, starter, queue, worker in JOBS:
            event: dict[str, Any] = {"at": at.isoformat()}
            if job == "report":
                event = {"month": month}
            elif job == "regency-report":
                event = {"month": month, "regency": True}
            elif job == "metrics":
                event = {"day": (at.date() - timedelta(days=1)).isoformat()}
            runs.append(run_job(stack, job, starter, queue, worker, event))
            print(f"  ... {villages} villages: {job} done ({len(runs[-1].times)} runs)", file=sys.stderr, flush=True)
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) / 1024
    return runs, seeded, grown


def _cap_from_source(function: str, queue: str) -> int:
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    template = yaml.load((Path(__file__).resolve().parents[2] / "template.yaml").read_text(), Loader=Loader)  # noqa: S506
    events = template["Resources"][function]["Properties"]["Events"]
    for event in events.values():
        if event["Type"] == "SQS":
            return int(event["Properties"]["ScalingConfig"]["MaximumConcurrency"])
    raise KeyError(function)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench-scale")
    parser.add_argument("--villages", type=int, default=1000)
    parser.add_argument("--baseline", type=int, default=100)
    parser.add_argument("--activities", type=int, default=3, help="published activities per village in the month")
    args = parser.parse_args(argv)
    logging.getLogger().setLevel(logging.ERROR)
    _Calls.hook()
    from kabar.domain.fanout import SPREAD_SECONDS
    from kabar.usecases.fanout import PAGE_SIZE

    total_t = time.perf_counter()
    results = {}
    for count in (args.baseline, args.villages):
        runs, seeded, grown = measure(count, args.activities)
        results[count] = (runs, seeded, grown)
    caps_by_queue = {queue: _cap_from_source(worker, queue) for _, _, queue, worker in JOBS}
    ok = True
    big, base = args.villages, args.baseline
    print(f"\nScheduled jobs on the local stack: {big:,} villages (and {base:,} as the baseline, same run), "
          f"{args.activities} published activities per village and month, Facebook + website, 3 comments, "
          "a hand-over still receiving.\nPer village: the time of its run (one invocation), mean and p95; "
          f"peak Python memory of a run (tracemalloc, every {TRACE_EVERY}th run); the AWS requests it made.\n"
          "Ratios = the per-village figure at "
          f"{big:,} / at {base:,}.\n")
    print(f"  {'job':<15} {'units':>6} {'sched s':>8} {'cont':>5} {'mean ms':>8} {'p95 ms':>8} {'peak MiB':>9}"
          f" {'total s':>8} {'ratio':>6} {'calls':>6} {'ratio':>6}  finished")
    ratios, call_ratios = [], []
    for (runs_big, runs_base) in zip(results[big][0], results[base][0], strict=True):
        r = runs_big
        ratio = r.mean / runs_base.mean if runs_base.mean else float("nan")
        call_ratio = r.calls_mean / runs_base.calls_mean if runs_base.calls_mean else float("nan")
        if r.job != "regency-report":
            ratios.append(ratio)
            call_ratios.append(call_ratio)
        finished = not r.failed and r.units > 0 and not runs_base.failed
        ok &= finished
        print(f"  {r.job:<15} {r.units:>6} {r.scheduler_s:>8.2f} {r.continuations:>5} {r.mean * 1000:>8.1f}"
              f" {r.p95 * 1000:>8.1f} {r.peak / 2**20:>9.2f} {r.scheduler_s + sum(r.times):>8.1f} {ratio:>6.2f}"
              f" {r.calls_mean:>6.1f} {call_ratio:>6.2f}  "
              + ("yes" if finished else f"NO: {len(r.failed)} not done ({', '.join(r.failed[:3])})"))
    whole_big = sum(r.scheduler_s + sum(r.times) for r in results[big][0])
    whole_base = sum(r.scheduler_s + sum(r.times) for r in results[base][0])
    per_big, per_base = whole_big / big, whole_base / base
    print(f"\n  all jobs, per village: {per_big * 1000:.1f} ms at {big:,}, {per_base * 1000:.1f} ms at {base:,}:"
          f" ratio {per_big / per_base:.2f} (flat = 1.00; per job {min(ratios):.2f} to {max(ratios):.2f})")
    print(f"  AWS requests per village run ({big:,} / {base:,}): {min(call_ratios):.2f} to {max(call_ratios):.2f}"
          " by job: the billed per-village cost (DynamoDB, SQS, Secrets Manager, SES requests)")
    print("  (moto answers a GSI query by scanning the whole table, so its time grows with the table; DynamoDB's"
          " does not)")
    print(f"  total: {whole_big:.1f} s of job runs for {big:,} villages; seeding {results[big][1]:.1f} s; "
          f"peak RSS growth {results[big][2]:.0f} MiB; bench wall time {time.perf_counter() - total_t:.0f} s")

    print(f"\nModelled for {NATIONAL:,} villages on AWS with the template's caps (per-village times as measured "
          f"here on moto; the scheduler's {PAGE_SIZE}-village pages in 16 parallel chains; the job's spread window):\n")
    print(f"  {'job':<15} {'cap':>4} {'scheduler':>10} {'spread':>7} {'workers':>9} {'modelled':>9}")
    for r in results[big][0]:
        queue = next(q for j, _, q, _ in JOBS if j == r.job)
        cap = caps_by_queue[queue]
        units = r.units if r.job == "regency-report" else NATIONAL
        scale = units / max(1, r.units)
        # the first hand-on splits the directory's 16 partitions into chains paged in parallel
        sched = r.scheduler_s * scale / min(16, cap) if r.job != "regency-report" else r.scheduler_s
        workers = units * r.mean / cap
        spread = SPREAD_SECONDS.get(r.job, 0)
        modelled = max(sched, spread, workers) + r.p95
        print(f"  {r.job:<15} {cap:>4} {sched:>9.0f}s {spread:>6}s {workers:>8.0f}s {modelled / 60:>8.1f}m")
    print("  (workers = villages x mean time / cap; the schedule's next run comes after it: sla-watch every 15 min,"
          " intake-watch hourly)")
    if not ok:
        print("\nNOT every job finished for every village", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
