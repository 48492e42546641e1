"""`make bench-scale`: every scheduled job for every village, on the local stack, at 100 and at 1,000 villages.

Each village is configured as the typical one (Facebook Page with its secret and token, the website),
with a month of records: published activities (social and website), a hand-over still receiving
files, comments and messages (some unanswered), click counters. Then, for each scheduled job, its
scheduler runs (paging the village directory, handing on when short of time) and each village's
message is delivered to the job's function, one village per invocation, as Lambda would deliver
them. The job has finished only when every village's run is recorded done; otherwise this exits 1.

moto runs in a process of its own (``--serve-moto``), so the job runner's memory and the emulator's are
measured apart; its DynamoDB answers by partition (``moto_partitions``: moto itself lists and sorts the
whole table for every query and deep-copies it for every transaction, a cost of the emulator that grows
with the number of villages; ``--plain-moto`` shows it). The villages are written through the store, as
``kabar village put`` and the SOP's steps write them (setup, not measured).

Printed per job: the scheduler's time, the time per village at both sizes (mean; p95 at the larger),
the AWS requests a village's run made, the peak resident memory (VmHWM, reset before each job) of the
job runner's process and of moto's, the peak Python memory of a village's run (tracemalloc, sampled),
the ratio of the per-village figures at 1,000 villages to those at 100 (flat = 1.0) against the bound
``FLAT_BOUND``; last, the modelled wall time for 84,000 villages on AWS with the template's concurrency
caps: the scheduler's chain of pages, the spread window and the workers at their cap.

    python -m kabar_local.bench_scale [--villages 1000] [--baseline 100] [--activities 3] [--plain-moto]
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import statistics
import subprocess
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
#: about this many village runs of each job are traced (tracemalloc slows a run down several times: a
#: traced run gives the memory figure only, the others are timed plainly), at most every tenth
TRACE_SAMPLES = 10
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
    #: peak resident set of the job runner's process and of the emulator's, during this job (bytes)
    runner_peak: int = 0
    moto_peak: int = 0
    wall_s: float = 0.0

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

    from .dispatcher import sqs_record

    assert stack.runtime is not None and stack.provisioned is not None
    result = JobRun(job)
    url = stack.provisioned.queues[queue]
    arn = f"arn:aws:sqs:{stack.env['AWS_REGION']}:123456789012:{url.rsplit('/', 1)[-1]}"
    sqs = boto3.client("sqs")
    wall = t = time.perf_counter()
    started = stack.runtime.invoke(starter, event)
    result.scheduler_s = time.perf_counter() - t
    attempts: dict[str, int] = {}
    traced = 0
    stride = max(TRACE_EVERY, int(started.get("queued") or 0) // TRACE_SAMPLES)
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"],
                                  WaitTimeSeconds=0, VisibilityTimeout=60).get("Messages", [])
        if not got:
            break
        done = []
        for message in got:
            body = json.loads(message["Body"])
            record = sqs_record(message, arn)
            trace = body.get("kind") != "continue" and traced % stride == 1
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
                done.append(message["ReceiptHandle"])
            else:
                key = body.get("tenant_id") or body.get("kabupaten") or "continue"
                attempts[key] = attempts.get(key, 0) + 1
                if attempts[key] < 4:
                    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"],
                                                  VisibilityTimeout=0)
                else:
                    done.append(message["ReceiptHandle"])
        if done:  # one request for the received batch, as Lambda's event source deletes them
            sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(n), "ReceiptHandle": handle}
                                                            for n, handle in enumerate(done)])
    result.wall_s = time.perf_counter() - wall
    units = _units(job, stack)
    result.units = len(units)
    result.failed = unfinished(units, started["job"], started["period"])
    return result


def unfinished(units: list[str], job: str, period: str) -> list[str]:
    """The units (villages, or ``kabupaten:<name>``) whose run of the job for the period is not recorded
    done with its result: the job runs' records are what says a village's run finished."""
    from kabar.services import services

    store = services().store
    missing = []
    for unit in units:
        run = store.job_run(unit, job, period) or {}
        if run.get("status") != "done" or "result" not in run or not run.get("done_at"):
            missing.append(unit)
    return missing


class Emulator:
    """moto's server in a process of its own (``--serve-moto``): the jobs' memory is this process's, the
    emulator's is that one's. Its DynamoDB answers by partition (``moto_partitions``) unless ``plain``."""

    def __init__(self, plain: bool = False) -> None:
        command = [sys.executable, "-m", "kabar_local.bench_scale", "--serve-moto"]
        command += ["--plain-moto"] if plain else []
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # noqa: S603
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http://"):
            self.stop()
            raise RuntimeError("the moto server did not start")

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()  # it stops when its stdin closes
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def serve_moto(plain: bool) -> int:
    """The emulator's process: moto's server until stdin closes; its URL is the first line printed."""
    from .moto_server import MotoServer

    if not plain:
        from . import moto_partitions

        moto_partitions.install()
    with MotoServer(enforce_post_policy=False) as server:
        print(server.url, flush=True)
        sys.stdin.read()
    return 0


def _status(pid: int, field_name: str) -> int:
    """A field of /proc/<pid>/status in bytes (VmHWM: the peak resident set since the last reset)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _reset_peak(pid: int) -> None:
    """Start the process's peak resident set (VmHWM) again from its current size (Linux: clear_refs 5)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        pass  # the peak then counts from the process's start: still an upper bound


@dataclass
class Measured:
    runs: list[JobRun]
    seeded_s: float
    items: int
    seed_runner_peak: int
    seed_moto_peak: int


def measure(villages: int, activities: int, plain: bool = False) -> Measured:
    """A fresh local stack with ``villages`` villages (moto in its own process); every job run for all."""
    import os

    from kabar.domain.clock import WIB, now, previous_month

    from .stack import LocalStack

    at = now().astimezone(WIB)
    month = previous_month(at)
    quiet = {"POWERTOOLS_LOG_LEVEL": "ERROR"}
    emulator = Emulator(plain)
    me = os.getpid()
    try:
        with tempfile.TemporaryDirectory() as tmp, LocalStack(port=0, seed_villages=False, env=quiet,
                                                              state_file=f"{tmp}/local.json",
                                                              moto_url=emulator.url) as stack:
            assert stack.dispatcher is not None
            stack.dispatcher.stop()  # the bench delivers each job's messages itself, one village at a time
            for pid in (me, emulator.pid):
                _reset_peak(pid)
            t = time.perf_counter()
            _seed(stack, 0, villages, month, activities, at)
            seeded = time.perf_counter() - t
            seed_peaks = (_status(me, "VmHWM"), _status(emulator.pid, "VmHWM"))
            import boto3

            items = int(boto3.client("dynamodb").describe_table(TableName=stack.settings.table)["Table"]["ItemCount"])
            runs = []
            for job, starter, queue, worker in JOBS:
                event: dict[str, Any] = {"at": at.isoformat()}
                if job == "report":
                    event = {"month": month}
                elif job == "regency-report":
                    event = {"month": month, "regency": True}
                elif job == "metrics":
                    event = {"day": (at.date() - timedelta(days=1)).isoformat()}
                gc.collect()
                for pid in (me, emulator.pid):
                    _reset_peak(pid)
                run = run_job(stack, job, starter, queue, worker, event)
                run.runner_peak, run.moto_peak = _status(me, "VmHWM"), _status(emulator.pid, "VmHWM")
                runs.append(run)
                print(f"  ... {villages} villages: {job} done ({len(run.times)} runs timed, {run.wall_s:.0f} s)",
                      file=sys.stderr, flush=True)
    finally:
        emulator.stop()
    return Measured(runs, seeded, items, *seed_peaks)


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


#: the flatness bound: a job's time per village at N may be at most this many times its time at the
#: baseline. DynamoDB's cost per village does not depend on the table's size, and neither do the AWS
#: requests a run makes (checked apart: at most CALLS_BOUND); what remains is the emulator's (moto's
#: scans, its SQS queue of N messages, its Python dicts N times larger) and the machine's noise.
FLAT_BOUND = 1.5
CALLS_BOUND = 1.05
MIB = 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench-scale")
    parser.add_argument("--villages", type=int, default=1000)
    parser.add_argument("--baseline", type=int, default=100)
    parser.add_argument("--activities", type=int, default=3, help="published activities per village in the month")
    parser.add_argument("--plain-moto", action="store_true",
                        help="moto as it is (every query walks the whole table): to see the emulator's own cost")
    parser.add_argument("--serve-moto", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_moto:
        return serve_moto(args.plain_moto)
    logging.getLogger().setLevel(logging.ERROR)
    _Calls.hook()
    from kabar.domain.fanout import SPREAD_SECONDS
    from kabar.usecases.fanout import PAGE_SIZE

    total_t = time.perf_counter()
    big, base = args.villages, args.baseline
    results = {count: measure(count, args.activities, args.plain_moto) for count in (base, big)}
    caps_by_queue = {queue: _cap_from_source(worker, queue) for _, _, queue, worker in JOBS}
    print(f"\nScheduled jobs on the local stack: {big:,} villages (and {base:,} as the baseline, same run), "
          f"{args.activities} published activities per village and month, Facebook + website, 3 comments, "
          "a hand-over still receiving. moto in its own process "
          f"({'as it is' if args.plain_moto else 'answering by partition'}).\n"
          f"Table items after seeding: {results[base].items:,} at {base:,}, {results[big].items:,} at {big:,}; "
          f"seeding (setup, not measured) {results[base].seeded_s:.0f} s and {results[big].seeded_s:.0f} s.\n"
          "Per village: the time of its run (one invocation), mean; the AWS requests it made; peak resident memory "
          "(RSS) during the job of the job runner's process and of moto's; peak Python memory of one village's run "
          f"(tracemalloc, {TRACE_SAMPLES} runs or more a job). Ratio = per-village figure at {big:,} / at {base:,}.\n")
    print(f"  {'job':<15} {'units':>6} {'sched s':>8} {'ms@' + str(base):>9} {'ms@' + str(big):>9} {'ratio':>6}"
          f" {'p95 ms':>7} {'calls':>6} {'ratio':>6} {'runner MiB':>15} {'moto MiB':>15} {'run MiB':>8}  finished")
    ok, flat = True, True
    missing: list[str] = []
    time_ratios, call_ratios = [], []
    for r, b in zip(results[big].runs, results[base].runs, strict=True):
        ratio = r.mean / b.mean if b.mean else float("nan")
        call_ratio = r.calls_mean / b.calls_mean if b.calls_mean else float("nan")
        if r.job != "regency-report":  # a kabupaten's report grows with its villages: not a per-village figure
            time_ratios.append(ratio)
            call_ratios.append(call_ratio)
            flat &= ratio <= FLAT_BOUND and call_ratio <= CALLS_BOUND
        finished = not r.failed and r.units > 0 and not b.failed and b.units > 0
        ok &= finished
        for run, count in ((b, base), (r, big)):
            missing += [f"{run.job} at {count:,}: {unit}" for unit in run.failed]
            if run.units == 0:
                missing.append(f"{run.job} at {count:,}: no village in the directory")
        print(f"  {r.job:<15} {r.units:>6} {r.scheduler_s:>8.2f} {b.mean * 1000:>9.1f} {r.mean * 1000:>9.1f}"
              f" {ratio:>6.2f} {r.p95 * 1000:>7.1f} {r.calls_mean:>6.1f} {call_ratio:>6.2f}"
              f" {b.runner_peak / MIB:>7.0f}/{r.runner_peak / MIB:<7.0f}"
              f" {b.moto_peak / MIB:>7.0f}/{r.moto_peak / MIB:<7.0f}"
              f" {r.peak / MIB:>8.2f}  " + ("yes" if finished else f"NO: {len(r.failed) + len(b.failed)} not done"))
    whole = {n: sum(r.scheduler_s + sum(r.times) for r in results[n].runs) for n in (base, big)}
    per = {n: whole[n] / n for n in (base, big)}
    print(f"\n  all jobs, per village: {per[base] * 1000:.1f} ms at {base:,}, {per[big] * 1000:.1f} ms at {big:,}: "
          f"ratio {per[big] / per[base]:.2f} (per job {min(time_ratios):.2f} to {max(time_ratios):.2f}); "
          f"AWS requests per village run: ratio {min(call_ratios):.2f} to {max(call_ratios):.2f}")
    print(f"  flat from {base:,} to {big:,}: {'PASS' if flat else 'FAIL'} (bound: time per village <= {FLAT_BOUND}x "
          f"and requests per village <= {CALLS_BOUND}x the baseline's, for every per-village job)")
    print(f"  peak RSS, seeding {big:,}: runner {results[big].seed_runner_peak / MIB:.0f} MiB, "
          f"moto {results[big].seed_moto_peak / MIB:.0f} MiB")
    print(f"  total: {whole[big]:.1f} s of job runs for {big:,} villages ({whole[base]:.1f} s for {base:,}); "
          f"bench wall time {time.perf_counter() - total_t:.0f} s")

    print(f"\nModelled for {NATIONAL:,} villages on AWS with the template's caps (per-village times as measured "
          f"here; the scheduler's {PAGE_SIZE}-village pages in 16 parallel chains; the job's spread window):\n")
    print(f"  {'job':<15} {'cap':>4} {'scheduler':>10} {'spread':>7} {'workers':>9} {'modelled':>9}")
    modelled_total = 0.0
    for r in results[big].runs:
        queue = next(q for j, _, q, _ in JOBS if j == r.job)
        cap = caps_by_queue[queue]
        units = r.units if r.job == "regency-report" else NATIONAL
        scale = units / max(1, r.units)
        # the first hand-on splits the directory's 16 partitions into chains paged in parallel
        sched = r.scheduler_s * scale / min(16, cap) if r.job != "regency-report" else r.scheduler_s
        workers = units * r.mean / cap
        spread = SPREAD_SECONDS.get(r.job, 0)
        modelled = max(sched, spread, workers) + r.p95
        modelled_total += modelled
        print(f"  {r.job:<15} {cap:>4} {sched:>9.0f}s {spread:>6}s {workers:>8.0f}s {modelled / 60:>8.1f}m")
    print(f"  {'every job once':<15} {'':>4} {'':>10} {'':>7} {'':>9} {modelled_total / 60:>8.1f}m")
    print("  (workers = villages x mean time / cap; the schedule's next run comes after it: sla-watch every 15 min,"
          " intake-watch hourly)")
    if not ok:
        print("\nNOT every job finished for every village:", file=sys.stderr)
        for line in missing[:50]:
            print(f"  {line}", file=sys.stderr)
        if len(missing) > 50:
            print(f"  ... and {len(missing) - 50} more", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
