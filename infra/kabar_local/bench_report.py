"""`make bench`, monthly report section: one village with 2,000 published items in a month, a year
of daily account snapshots and a daily engagement snapshot of each social item.

Measures aggregation and each format (time and peak Python memory by tracemalloc), as ratios
against the HTML render of the same figures, measured in the same run.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from kabar.domain.clock import WIB
from kabar.domain.metrics import AccountSnapshot, ItemSnapshot
from kabar.domain.models import (
    Activity,
    Draft,
    DraftStatus,
    Procedure,
    Publication,
    PublicationStatus,
    Submission,
    Village,
)
from kabar.domain.report import ClickCount, aggregate, days_of, render_report_html
from kabar.domain.report_pdf import render_report_pdf
from kabar.domain.report_xlsx import render_report_xlsx
from kabar.services import services

ITEMS = 2000
MONTH = "2026-10"


def _snapshots(village: Village, pubs: list) -> tuple[list, list]:
    """A year of daily account snapshots, and a daily engagement snapshot of every social item in the month."""
    end = days_of(MONTH)[-1]
    accounts = [AccountSnapshot(tenant_id=village.id, channel="facebook", account_id="1234567890",
                                day=end - timedelta(days=n), values={"followers": 5000 - n * 3, "views": 200 + n % 50},
                                collected_at=datetime(2026, 11, 1, 6, tzinfo=WIB)) for n in range(365)]
    items = [ItemSnapshot(tenant_id=village.id, channel="facebook", remote_id=p.remote_id, day=day,
                          values={"reactions": d, "comments": d // 3, "shares": d // 5, "views": 40 * d},
                          collected_at=datetime(2026, 11, 1, 6, tzinfo=WIB))
             for p in pubs if p.channel == "facebook" for d, day in enumerate(days_of(MONTH))]
    return accounts, items


def _records() -> tuple[Village, list, list, list, list]:
    village = Village(id="purwobinangun", name="Purwobinangun", kapanewon="Pakem", kabupaten="Sleman",
                      reviewers=[{"name": "PPID", "email": "ppid@example.org"}],
                      admins=[{"name": "Admin", "email": "admin@example.org"}])
    days = days_of(MONTH)
    subs, drafts, pubs, clicks = [], [], [], []
    for n in range(ITEMS):
        day = days[n % len(days)]
        at = datetime(day.year, day.month, day.day, 8, tzinfo=WIB) + timedelta(minutes=n % 600)
        sid, slug = f"s{n:019d}", f"{day}-kegiatan-warga-{n:05d}"
        procedure = Procedure.WEBSITE if n % 2 else Procedure.SOCIAL
        subs.append(Submission(tenant_id=village.id, submission_id=sid, submitter_id="st", submitter_name="Sari",
                               submitter_email="sari@example.org", procedures=[procedure], created_at=at,
                               completed_at=at + timedelta(minutes=20),
                               activity=Activity(title=f"Kegiatan warga nomor {n}", date=day, location="Balai"),
                               narrative="Warga berkumpul di balai kalurahan untuk bermusyawarah bersama."))
        drafts.append(Draft(tenant_id=village.id, submission_id=sid, procedure=procedure, version=1,
                            status=DraftStatus.PUBLISHED, title=f"Kegiatan warga nomor {n} di Dusun Ngepring",
                            slug=slug, created_at=at + timedelta(hours=1), decided_at=at + timedelta(hours=1.5)))
        channel = "static_site" if procedure is Procedure.WEBSITE else "facebook"
        pubs.append(Publication(tenant_id=village.id, submission_id=sid, procedure=procedure, version=1,
                                channel=channel, status=PublicationStatus.PUBLISHED, marker=f"kabar-{sid}",
                                remote_id=f"1234567890_{n:08d}" if channel == "facebook" else None,
                                url=f"https://kabar.example/{village.id}/berita/{slug}/",
                                published_at=at + timedelta(hours=3)))
        for k in range(3):
            clicks.append(ClickCount(item=slug, channel=("direct", "facebook", "whatsapp")[k],
                                     day=min(day + timedelta(days=k), days[-1]), count=1 + (n + k) % 7))
    return village, subs, drafts, pubs, clicks


def _measure(fn: Callable[[], Any]) -> tuple[float, int, Any]:
    """Time of a plain run, then peak memory of a second run under tracemalloc (which slows it down)."""
    gc.collect()
    t = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - t
    gc.collect()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak, out


def report_formats() -> list[tuple[str, float, int, int]]:
    """(name, seconds, peak bytes, output bytes) per step; the HTML render is the baseline."""
    village, subs, drafts, pubs, clicks = _records()
    render_report_pdf(village, aggregate(village, "2026-02", [], [], [], []))  # imports and font metrics once
    render_report_xlsx(village, aggregate(village, "2026-02", [], [], [], []))
    accounts, engagement = _snapshots(village, pubs)
    seconds, peak, figures = _measure(lambda: aggregate(village, MONTH, subs, drafts, pubs, clicks,
                                                        accounts=accounts, engagement=engagement))
    rows = [("aggregate", seconds, peak, 0)]
    renderers: list[tuple[str, Callable[..., Any]]] = [
        ("HTML (baseline)", render_report_html), ("PDF", render_report_pdf), ("XLSX", render_report_xlsx)]
    for name, render in renderers:
        seconds, peak, out = _measure(partial(render, village, figures))
        rows.append((name, seconds, peak, len(out)))
    return rows


def print_report_formats() -> None:
    rows = report_formats()
    base_s, base_m = rows[1][1], rows[1][2]
    print(f"\nMonthly report: one village, {ITEMS:,} published items, {ITEMS * 3:,} click counters, a year of daily"
          f" account snapshots and {ITEMS // 2 * 31:,} daily engagement snapshots;\n"
          "time and peak Python memory (tracemalloc), ratio to the HTML render of the same figures\n")
    for name, seconds, peak, size in rows:
        print(f"  {name:<16} {seconds * 1000:8.1f} ms  x{seconds / base_s:6.2f}   peak {peak / 2**20:6.1f} MiB"
              f"  x{peak / base_m:6.2f}   {size / 1024:8.1f} KiB")
    print("  (measured in-process, after one warm-up render of each format)")
    from .bench_results import record

    record("report_seconds_2000_items", round(sum(seconds for _, seconds, _, _ in rows), 3))


if __name__ == "__main__":
    print_report_formats()


FANOUT_VILLAGES = 86  # the kalurahan of Sleman


def fanout() -> tuple[float, float, float, int]:
    """The monthly report for 86 villages on the local stack: the schedule's one job per village
    through the report queue to the report function, as the dispatcher delivers them.

    Returns (seconds for all, seconds of the first village's job, peak RSS growth in MiB, reports made).
    """
    import resource
    import tempfile

    from kabar.domain.models import Village
    from kabar.usecases.villages import put_village

    from .stack import LocalStack

    quiet = {"POWERTOOLS_LOG_LEVEL": "WARNING"}
    with tempfile.TemporaryDirectory() as tmp, LocalStack(port=0, seed_villages=False, env=quiet,
                                                          state_file=f"{tmp}/local.json") as stack:
        for n in range(FANOUT_VILLAGES):
            put_village(Village(id=f"desa-{n:02d}", name=f"Desa {n:02d}", kabupaten="Sleman",
                                reviewers=[{"name": "PPID", "email": f"ppid@desa-{n:02d}.desa.id"}],
                                admins=[{"name": "Admin", "email": f"admin@desa-{n:02d}.desa.id"}]), svc=services())
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        stack.invoke("ReportSchedulerFunction", {"month": MONTH})
        deadline = start + 600
        done: list = []
        assert stack.dispatcher is not None
        while time.perf_counter() < deadline:
            done = [r for r in stack.dispatcher.history if r.function_id == "MonthlyReportFunction" and not r.error]
            if sum(r.records for r in done) >= FANOUT_VILLAGES:
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - start
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) / 1024
        first = done[0].duration if done else float("nan")
        return seconds, first, grown, sum(r.records for r in done)


def print_fanout() -> None:
    seconds, first, grown, made = fanout()
    print(f"\nMonthly report fan-out on the local stack: {FANOUT_VILLAGES} villages, schedule -> report queue ->"
          " report function (HTML + PDF + XLSX + email each); ratio to the first village's job\n")
    print(f"  first village's job  {first * 1000:8.1f} ms  x{1:6.2f}")
    print(f"  all {made} villages     {seconds * 1000:8.1f} ms  x{seconds / first:6.2f}"
          f"   ({seconds / max(made, 1) * 1000:.0f} ms per village; peak RSS grew {grown:.0f} MiB)")
