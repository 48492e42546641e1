"""`make cost`: what one village costs a month on AWS, line by line (issue 15: under US$0.50).

Computed from three things kept in the repository, so the figure moves when any of them does:
- `template.yaml`: each function's memory and the architecture, the S3 lifecycle rules and their
  periods, log retention, tracing, the alarms and dashboards;
- the durations `make bench` measured (`.kabar/bench/results.json`, or the checked-in
  `bench_defaults.json`): intake's photo path and video pass, drafting, the video step, the monthly
  report, each handler's cold start;
- a dated price table with its sources (`aws_prices.json`).

What is not measured is assumed, in one place below (PROFILES, ASSUMED), and printed as such.
Deployment-wide costs (dashboard, alarms, metrics, the KMS key, the two deployment secrets) are shared
by every village of the deployment: one deployment for all 84,000 villages is the design (issue 15).
Channel credentials are stored in the table under that one KMS key (the design on branch `connect`),
not one Secrets Manager secret per channel.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .bench_results import load as load_figures
from .template import load_model, load_yaml

#: the widest a line's label is printed (longer ones wrap), so the figures fit a terminal
LABEL_WIDTH = 78

ROOT = Path(__file__).resolve().parents[2]
PRICES = Path(__file__).resolve().parent / "aws_prices.json"
DAYS_IN_MONTH = 30  # storage is simulated day by day in 30-day months
MB = 1 / 1024  # GB per MB


@dataclass(frozen=True)
class Village:
    name: str
    activities: int  # activities documented a month
    photos: int  # per activity
    photo_mb: float  # an original photo from a phone
    video_share: float  # activities with a video
    video_mb: float  # an original video
    social: tuple[str, ...]  # social channels; the website is always there
    reviewers: int
    visits: int  # website article views a month (clicks through the counter and direct)
    comments: int  # comments and direct messages a month
    workspace_pages: int  # pages the village's staff open in the workspace a month

    def describe(self) -> str:
        video = f"a {self.video_mb:.0f} MB video" + ("" if self.video_share >= 1 else f" in {self.video_share:.0%}")
        return (f"{self.activities} activities, {self.photos} photos of {self.photo_mb:.0f} MB and {video}, "
                f"{' + '.join(self.social)} + website, {self.visits:,} visits, {self.comments} comments")


#: aws-scale-notes.md's typical village, and a small and a large one around it.
PROFILES = {
    "typical": Village("typical", 30, 8, 4.0, 1.0, 100.0, ("facebook", "instagram"), 2, 1000, 300, 300),
    "small": Village("small", 8, 5, 3.0, 0.25, 60.0, ("facebook",), 1, 200, 40, 80),
    "large": Village("large", 90, 12, 4.0, 1.0, 200.0, ("facebook", "instagram", "youtube"), 3, 6000, 1500, 900),
}
DEPLOYMENT_VILLAGES = 84_000

#: Not measured by `make bench`; each is a judgement, printed with the result.
ASSUMED = {
    "sanitized_photo_mb": 0.8,  # intake's 2048 px JPEG of a phone photo
    "carousel_frame_mb": 0.35,  # drafting's 1080 px frames and cover
    "phone_video_mbit_s": 16.0,  # a phone's 1080p recording; the published copy is capped (domain/video.py)
    "site_photo_mb": 0.55,  # one photo on the website in every size and format (responsive WebP + JPEG)
    "site_view_mb": 0.35,  # what one visit downloads: the page and the photos a phone shows (960w WebP)
    "report_mb": 1.5,  # a month's report: HTML, PDF, XLSX
    "api_seconds": 0.08,  # an HTTP API request past its cold start (a few DynamoDB calls)
    "event_seconds": 0.15,  # a queue consumer's message (notices, review emails, outbox relay)
    "site_publish_seconds": 2.5,  # copy and resize the photos, render the page, index and feeds
    "social_publish_seconds": 1.5,  # a Graph API post; Instagram's container waits via the queue's delay
    "channel_status_checks": 3,  # Instagram/YouTube processing checked by re-delivery, not by polling
    "graph_call_seconds": 0.6,  # the daily metrics and token checks per village
    "sla_check_seconds": 0.03,  # the SLA watch's per-village pass (every 15 minutes)
    "cold_share": 0.1,  # invocations that start a new environment (INIT billed since 1 August 2025)
    "log_kb_per_invocation": 1.2,  # START/END/REPORT and two or three structured lines; ids only
    "xray_sampled_share": 0.05,  # Lambda's active tracing: the first request each second, then 5 %
    "dynamo_writes_per_activity": 160,  # transactional writes (x2) of submission, assets, drafts, audit, outbox
    "dynamo_reads_per_activity": 500,
    "deployment_secrets": 2,  # the Meta webhook's and the file links' keys
    "record_reads_share": 0.002,  # of the originals in Glacier IR, read back a month (information requests, audits)
}


@dataclass
class Line:
    group: str
    what: str
    quantity: str
    usd: float


@dataclass
class Breakdown:
    village: Village
    month: int
    lines: list[Line] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(line.usd for line in self.lines)

    def add(self, group: str, what: str, quantity: str, usd: float) -> None:
        self.lines.append(Line(group, what, quantity, usd))


@dataclass(frozen=True)
class Settings:
    """What the template decides about cost."""

    memory_mb: dict[str, int]
    arm64: bool
    tracing: bool
    log_days: int
    originals_archive_days: int | None  # None: originals stay in S3 Standard
    videos_deep_archive_days: int | None  # None: original videos stay where the archive rule put them
    originals_days: int
    media_days: int | None
    video_copy_days: int | None
    site_tiering: bool
    alarm_metrics: int
    dashboards: int


def template_settings(template: Path) -> Settings:
    raw = load_yaml(template.read_text(encoding="utf-8"))
    model = load_model(template, parameters={"MailFrom": "kabar@example.org"})
    params = {k: int(v) for k, v in model.parameters.items() if str(v).isdigit()}
    glob = raw.get("Globals", {}).get("Function", {})
    resources = raw["Resources"]

    def rules(bucket: str) -> dict[str, dict[str, Any]]:
        config = resources[bucket]["Properties"].get("LifecycleConfiguration") or {}
        return {r["Id"]: r for r in config.get("Rules", []) if r.get("Status") == "Enabled"}

    def days(value: Any) -> int:
        return params[value["Ref"]] if isinstance(value, dict) else int(value)

    archive = deep = None
    for rule in rules("UploadsBucket").values():
        for step in rule.get("Transitions", []):
            if step["StorageClass"] == "GLACIER_IR" and not rule.get("TagFilters"):
                archive = days(step["TransitionInDays"])
            if step["StorageClass"] == "DEEP_ARCHIVE" and int(rule.get("ObjectSizeGreaterThan", 0)) >= 8 << 20:
                deep = days(step["TransitionInDays"])
    uploads = rules("UploadsBucket")
    originals_days = days(uploads["expire-originals"]["ExpirationInDays"]) if "expire-originals" in uploads else 10**6
    media = rules("MediaBucket")
    media_days = min((days(r["ExpirationInDays"]) for r in media.values()
                      if "ExpirationInDays" in r and "ObjectSizeGreaterThan" not in r), default=None)
    video_days = min((days(r["ExpirationInDays"]) for r in media.values()
                      if "ExpirationInDays" in r and "ObjectSizeGreaterThan" in r), default=media_days)
    site_tiering = any(step["StorageClass"] == "INTELLIGENT_TIERING" for r in rules("SiteBucket").values()
                       for step in r.get("Transitions", []))
    alarm_metrics = 0
    for resource in resources.values():
        if resource["Type"] == "AWS::CloudWatch::Alarm":
            metrics = resource["Properties"].get("Metrics")
            alarm_metrics += sum(1 for m in metrics if "MetricStat" in m) if metrics else 1
    return Settings(
        memory_mb={fn.logical_id: fn.memory_size for fn in model.functions},
        arm64=glob.get("Architectures", ["x86_64"]) == ["arm64"],
        tracing=glob.get("Tracing") == "Active",
        log_days=params.get("LogRetentionDays", 90),
        originals_archive_days=archive, videos_deep_archive_days=deep, originals_days=originals_days,
        media_days=media_days,
        video_copy_days=video_days, site_tiering=site_tiering, alarm_metrics=alarm_metrics,
        dashboards=sum(1 for r in resources.values() if r["Type"] == "AWS::CloudWatch::Dashboard"))


def load_prices(path: Path = PRICES) -> tuple[dict[str, float], dict[str, Any]]:
    table = json.loads(path.read_text(encoding="utf-8"))
    return {k: v["usd"] for k, v in table["prices"].items()}, table


# --- storage, simulated day by day ----------------------------------------------------------------

def _gb_months(month: int, daily_gb: float, price_at_age) -> float:  # noqa: ANN001 - (age in days) -> US$/GB-month
    """US$ for month ``month`` (1-based) of objects arriving ``daily_gb`` a day since day 0."""
    start, end = (month - 1) * DAYS_IN_MONTH, month * DAYS_IN_MONTH
    usd = 0.0
    for day in range(start, end):
        for upload in range(day + 1):
            usd += daily_gb * price_at_age(day - upload)
    return usd / DAYS_IN_MONTH


def _video_published_mb(v: Village) -> float:
    from kabar.domain.video import AUDIO_BITRATE, MAX_VIDEO_BITRATE

    return min(v.video_mb, v.video_mb * (MAX_VIDEO_BITRATE + AUDIO_BITRATE) / 1e6 / ASSUMED["phone_video_mbit_s"])


def storage_lines(b: Breakdown, s: Settings, p: dict[str, float]) -> None:
    v, m = b.village, b.month
    per_day = v.activities / DAYS_IN_MONTH
    photo_gb = per_day * v.photos * v.photo_mb * MB
    video_gb = per_day * v.video_share * v.video_mb * MB
    archive, deep = s.originals_archive_days, s.videos_deep_archive_days
    standard, ir, da = p["s3_standard_gb_month"], p["s3_glacier_ir_gb_month"], p["s3_deep_archive_gb_month"]

    def photo_class(age: int) -> float:
        if age >= s.originals_days:
            return 0.0
        return ir if archive is not None and age >= archive else standard

    def video_class(age: int) -> float:
        if age >= s.originals_days:
            return 0.0
        if deep is not None and age >= deep:
            return da
        return photo_class(age)

    def of(price: float):  # noqa: ANN202
        return lambda cls: lambda age: price if cls(age) == price else 0.0

    where = f" (first {archive} days)" if archive else " (no Glacier IR rule in the template)"
    usd = _gb_months(m, photo_gb, of(standard)(photo_class)) + _gb_months(m, video_gb, of(standard)(video_class))
    b.add("S3", "originals, Standard" + where, f"{usd / standard:.2f} GB-mo", usd)
    if archive is not None:
        usd = _gb_months(m, photo_gb, of(ir)(photo_class)) + _gb_months(m, video_gb, of(ir)(video_class))
        b.add("S3", f"originals, Glacier Instant Retrieval (after {archive} days)", f"{usd / ir:.2f} GB-mo", usd)
        objects = v.activities * (v.photos + v.video_share)
        b.add("S3", "lifecycle transitions into Glacier IR", f"{objects:.0f} objects",
              objects * p["s3_transition_glacier_ir_request"])
        read_gb = (usd / ir) * ASSUMED["record_reads_share"]
        b.add("S3", "Glacier IR retrievals (the record read on request)", f"{read_gb:.2f} GB",
              read_gb * p["s3_glacier_ir_retrieval_gb"])
    if deep is not None:
        usd = _gb_months(m, video_gb, of(da)(video_class))
        videos = v.activities * v.video_share
        b.add("S3", f"original videos, Deep Archive (after {deep} days)", f"{usd / da:.2f} GB-mo",
              usd + (videos * p["s3_transition_deep_archive_request"] if m * DAYS_IN_MONTH > deep else 0.0))

    photos_gb = per_day * (v.photos * ASSUMED["sanitized_photo_mb"]
                           + (min(v.photos, 9) + 1) * ASSUMED["carousel_frame_mb"]) * MB
    media_days = s.media_days or 10**6
    media = _gb_months(m, photos_gb, lambda a: p["s3_standard_gb_month"] if a < media_days else 0.0)
    b.add("S3", f"sanitized photos, carousel, cover ({s.media_days or 'never'} days)",
          f"{media / p['s3_standard_gb_month']:.2f} GB-mo", media)
    copies_mb = v.video_mb + 2 * _video_published_mb(v)  # the clean copy, the published and the 9:16 copies
    video_days = s.video_copy_days or 10**6
    videos = _gb_months(m, per_day * v.video_share * copies_mb * MB,
                        lambda a: p["s3_standard_gb_month"] if a < video_days else 0.0)
    b.add("S3", f"video copies for the channels ({s.video_copy_days or 'never'} days)",
          f"{videos / p['s3_standard_gb_month']:.2f} GB-mo", videos)

    site_gb = per_day * v.photos * ASSUMED["site_photo_mb"] * MB

    def site(age: int) -> float:
        if not s.site_tiering or age < 30:
            return p["s3_standard_gb_month"]
        return p["s3_it_infrequent_gb_month"] if age < 90 else p["s3_it_archive_instant_gb_month"]

    site_usd = _gb_months(m, site_gb, site)
    b.add("S3", "website photos" + (" (Intelligent-Tiering)" if s.site_tiering else " (Standard)"),
          f"{site_gb * DAYS_IN_MONTH * m:.2f} GB stored", site_usd)
    if s.site_tiering:
        objects = v.activities * v.photos * 2 * m  # the renditions over 128 KB are monitored
        b.add("S3", "Intelligent-Tiering monitoring", f"{objects:,} objects",
              objects * p["s3_it_monitoring_object_month"])
    reports = ASSUMED["report_mb"] * MB * m * p["s3_standard_gb_month"]
    b.add("S3", "monthly reports (kept)", f"{ASSUMED['report_mb'] * m:.1f} MB", reports)
    puts = v.activities * (v.photos * 3 + 8 + v.photos * 4 + 6)
    gets = v.activities * (v.photos * 4 + 6) + v.visits * 0.2  # CloudFront caches most visits
    b.add("S3", "requests", f"{puts:,.0f} PUT, {gets:,.0f} GET",
          puts * p["s3_put_request"] + gets * p["s3_get_request"])


# --- compute --------------------------------------------------------------------------------------

def _interpolate_drafting(f: dict[str, Any], photos: int) -> float:
    four, thirty = f["drafting_seconds_4_photos"], f["drafting_seconds_30_photos"]
    return four + (thirty - four) * (photos - 4) / 26


def workload(v: Village, f: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """Function -> (invocations a month, seconds each) for one village."""
    a, drafts = v.activities, v.activities * 2.4  # social + website, and some corrections
    videos = a * v.video_share
    channels = len(v.social) + 1
    waits = ASSUMED["channel_status_checks"] * sum(1 for c in v.social if c in ("instagram", "youtube"))
    publish_seconds = ASSUMED["site_publish_seconds"] + ASSUMED["social_publish_seconds"] * len(v.social)
    video_seconds = v.video_mb * 8 / ASSUMED["phone_video_mbit_s"]
    intake_seconds = (a * v.photos * f["intake_photo_seconds"]
                      + videos * f["intake_video_seconds_per_gb"] * v.video_mb / 1024)
    emails = a * (2 * v.reviewers + 3) + 30 + 3
    api, event = ASSUMED["api_seconds"], ASSUMED["event_seconds"]
    return {
        "SubmissionsApiFunction": (a * (v.photos + 14), api),
        "IntakeFunction": (a * (v.photos + 1), intake_seconds / max(a * (v.photos + 1), 1)),
        "DraftingFunction": (a * 3, (_interpolate_drafting(f, v.photos) + 0.3) / 3),
        "VideoDraftingFunction": (videos, f["video_lambda_seconds_per_source_second"] * video_seconds),
        "ReviewNotificationFunction": (drafts, event),
        "ReviewApiFunction": (drafts * 3, api * 2),
        "NoticeSenderFunction": (emails, event),
        "OutboxRelayFunction": (a * 15, event),
        "PublicationFunction": (a * (channels + waits) * 1.1,
                                publish_seconds / (channels + waits)),
        "MetricsCollectorFunction": (30, ASSUMED["graph_call_seconds"] * (1 + len(v.social))),
        "MonthlyReportFunction": (1, f["report_seconds_2000_items"] * max(a * channels / 2000, 0.05) + 1.0),
        "SlaWatchFunction": (96 * 30 / 10, ASSUMED["sla_check_seconds"] * 10),
        "IntakeWatchFunction": (30 / 10, 0.05 * 10),
        "InboxDigestFunction": (30 / 10, 0.2 * 10),
        "TokenWatchFunction": (30 / 10, ASSUMED["graph_call_seconds"] * len(v.social) * 10),
        "ReportSchedulerFunction": (1 / 1000, 1.0),
        "MetricsSchedulerFunction": (30 / 1000, 1.0),
        "ClicksFunction": (v.visits, 0.02),
        "FilesFunction": (20, 0.05),
        "MetaWebhookFunction": (v.comments * 1.3, 0.05),
        "WorkspaceFunction": (v.workspace_pages, api * 1.5),
    }


def compute_lines(b: Breakdown, s: Settings, p: dict[str, float], f: dict[str, Any]) -> float:
    """Lambda per function, with the INIT of a cold start; returns the invocations (for logs and traces)."""
    v = b.village
    gb_s_price = p["lambda_arm64_gb_second"] if s.arm64 else p["lambda_x86_gb_second"]
    invocations_total, rows = 0.0, []
    for fn, (invocations, seconds) in workload(v, f).items():
        memory = s.memory_mb[fn] / 1024
        init = f["cold_start_ms"].get(fn, 120) / 1000 + f["cold_start_ms"].get("boto3", 80) / 1000
        billed = invocations * (seconds + ASSUMED["cold_share"] * init)
        usd = billed * memory * gb_s_price + invocations * p["lambda_request"]
        invocations_total += invocations
        rows.append((usd, fn, invocations, billed * memory))
    heavy = sorted(rows, reverse=True)[:4]
    for usd, fn, invocations, gb_s in heavy:
        b.add("Lambda", f"{fn} ({s.memory_mb[fn]} MB)", f"{invocations:,.0f} x, {gb_s:,.0f} GB-s", usd)
    rest = [row for row in rows if row not in heavy]
    b.add("Lambda", f"the other {len(rest)} functions", f"{sum(r[2] for r in rest):,.0f} x, "
          f"{sum(r[3] for r in rest):,.0f} GB-s", sum(r[0] for r in rest))
    return invocations_total


def traffic_lines(b: Breakdown, s: Settings, p: dict[str, float], invocations: float) -> None:
    v = b.village
    videos = v.activities * v.video_share
    published = _video_published_mb(v)
    pulls = {"facebook": v.photos * ASSUMED["sanitized_photo_mb"] + published,
             "instagram": (min(v.photos, 10) + 1) * ASSUMED["carousel_frame_mb"] + published,
             "youtube": published}
    egress_mb = sum(pulls[c] for c in v.social) * v.activities - (0 if v.video_share >= 1 else
                                                                  published * (v.activities - videos) * len(v.social))
    b.add("Transfer", f"to the channels ({', '.join(v.social)} fetch photos and the {published:.0f} MB video copy)",
          f"{egress_mb / 1024:.2f} GB", egress_mb * MB * p["internet_egress_gb"])
    view_gb = v.visits * ASSUMED["site_view_mb"] * MB
    b.add("Transfer", f"website through CloudFront ({v.visits:,} visits, responsive WebP)",
          f"{view_gb:.2f} GB", view_gb * p["cloudfront_asia_gb"] + v.visits * 4 * p["cloudfront_https_request"])
    api_requests = v.activities * (v.photos + 14) + v.activities * 7 + v.visits + 20 + v.comments * 1.3 \
        + v.workspace_pages
    b.add("Requests", "HTTP API", f"{api_requests:,.0f}", api_requests * p["http_api_request"])
    messages = v.activities * 25 + 96 * 30 + 30 * 4
    b.add("Requests", "SQS (send, receive, delete)", f"{messages * 3:,.0f}", messages * 3 * p["sqs_request"])
    b.add("Requests", "EventBridge events", f"{v.activities * 8:,}", v.activities * 8 * p["eventbridge_event"])
    emails = v.activities * (2 * v.reviewers + 3) + 33
    b.add("Requests", "SES emails", f"{emails:,}", emails * p["ses_email"])
    writes = v.activities * ASSUMED["dynamo_writes_per_activity"] + v.comments * 4 + v.visits * 2 + 30 * 60
    reads = v.activities * ASSUMED["dynamo_reads_per_activity"] + v.comments * 6 + v.visits + 96 * 30 * 2
    stored_gb = v.activities * 0.06 * MB * b.month + v.comments * 0.001 * MB * min(b.month, 13)
    b.add("DynamoDB", "on-demand writes, reads, storage", f"{writes:,.0f} W, {reads:,.0f} R",
          writes * p["dynamodb_write"] + reads * p["dynamodb_read"] + stored_gb * p["dynamodb_gb_month"])
    kms = (v.activities * 1.1 + 30 * 2) * len(v.social)
    b.add("Credentials", "KMS decrypts (channel credentials in the table)", f"{kms:,.0f}", kms * p["kms_request"])
    log_gb = invocations * ASSUMED["log_kb_per_invocation"] / 1024**2
    b.add("CloudWatch", f"logs ({ASSUMED['log_kb_per_invocation']} KB an invocation, kept {s.log_days} days)",
          f"{log_gb * 1024:.1f} MB", log_gb * (p["cloudwatch_logs_ingest_gb"]
                                                + p["cloudwatch_logs_gb_month"] * s.log_days / 30))
    if s.tracing:
        traces = invocations * ASSUMED["xray_sampled_share"]
        b.add("CloudWatch", "X-Ray traces (Lambda's active tracing, sampled)", f"{traces:,.0f}",
              traces * p["xray_trace"])


def shared_lines(b: Breakdown, s: Settings, p: dict[str, float], villages: int) -> None:
    from kabar.domain import sop_metrics

    metrics = 1 + 2 + 3 + len(sop_metrics.CHANNELS) * (1 + len(sop_metrics.ERROR_KINDS)) + len(sop_metrics.CLOCKS)
    fixed = {
        f"{s.dashboards} dashboard(s), {s.alarm_metrics} alarm metrics":
            s.dashboards * p["cloudwatch_dashboard_month"] + s.alarm_metrics * p["cloudwatch_alarm_metric_month"],
        f"{metrics} SOP metrics (no village dimension)": metrics * p["cloudwatch_metric_month"],
        "one KMS key for every channel credential": p["kms_key_month"],
        f"{ASSUMED['deployment_secrets']} deployment secrets": ASSUMED["deployment_secrets"] * p["secret_month"],
    }
    total = sum(fixed.values())
    b.add("Shared", f"deployment-wide (US${total:.2f} a month over {villages:,} villages): "
          + "; ".join(fixed), f"1/{villages:,}", total / villages)


def model(village: Village, month: int, template: Path = ROOT / "template.yaml", figures: dict[str, Any] | None = None,
          prices: dict[str, float] | None = None, villages: int = DEPLOYMENT_VILLAGES) -> Breakdown:
    settings = template_settings(template)
    figures = figures if figures is not None else load_figures()[0]
    prices = prices if prices is not None else load_prices()[0]
    b = Breakdown(village, month)
    storage_lines(b, settings, prices)
    invocations = compute_lines(b, settings, prices, figures)
    traffic_lines(b, settings, prices, invocations)
    shared_lines(b, settings, prices, villages)
    return b


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make cost", description=__doc__.splitlines()[0])
    parser.add_argument("--month", type=int, default=12)
    parser.add_argument("--villages", type=int, default=DEPLOYMENT_VILLAGES, help="villages sharing the deployment")
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml")
    args = parser.parse_args(argv)
    figures, figures_from = load_figures()
    prices, table = load_prices()
    settings = template_settings(args.template)
    print(f"Kabar: cost per village-month on AWS, month 1 and month {args.month}\n")
    print(f"  template : {args.template.name}: {'arm64' if settings.arm64 else 'x86_64'}, memory per function; "
          f"originals to Glacier IR after {settings.originals_archive_days} days (videos to Deep Archive after "
          f"{settings.videos_deep_archive_days}), kept {settings.originals_days}; "
          f"derived photos {settings.media_days} days, video copies {settings.video_copy_days} days; "
          f"logs {settings.log_days} days; tracing {'on' if settings.tracing else 'off'}")
    print(f"  prices   : {PRICES.relative_to(ROOT)} (as of {table['as_of']}; {table['region']})")
    print(f"  durations: {figures_from}: intake {figures['intake_photo_seconds']:.2f} s a photo, drafting "
          f"{figures['drafting_seconds_4_photos']:.1f}-{figures['drafting_seconds_30_photos']:.1f} s (4-30 photos), "
          f"video {figures['video_lambda_seconds_per_source_second']:.2f} s a source second, cold starts per handler")
    print("  assumed  : " + ", ".join(f"{k}={v}" for k, v in ASSUMED.items()))
    result = None
    for key in ("small", "large", "typical"):  # the typical village last: its figure is the last line
        village = PROFILES[key]
        first = model(village, 1, args.template, figures, prices, args.villages)
        result = model(village, args.month, args.template, figures, prices, args.villages)
        print(f"\n{village.name.capitalize()} village: {village.describe()}; month {args.month}")
        width = min(LABEL_WIDTH, max(len(f"{line.group}: {line.what}") for line in result.lines))
        for line in result.lines:
            *above, last = textwrap.wrap(f"{line.group}: {line.what}", width, subsequent_indent="    ")
            for part in above:  # a long label is wrapped; its figures stand on its last line
                print(f"  {part}")
            print(f"  {last:<{width}}  {line.quantity:>24}  US${line.usd:8.4f}")
        print(f"  {'total, month 1':<{width}}  {'':>24}  US${first.total:8.4f}")
        print(f"  {f'total, month {args.month}':<{width}}  {'':>24}  US${result.total:8.4f}")
        if key == "typical":  # the record keeps growing: what the same village costs in year 5
            later = model(village, 60, args.template, figures, prices, args.villages)
            print(f"  {'total, month 60 (the record of five years)':<{width}}  {'':>24}  US${later.total:8.4f}")
    assert result is not None
    print(f"\ncost per village-month (month {args.month}): US${result.total:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
