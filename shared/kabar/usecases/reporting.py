"""SOP step 6 (social) / 5 (website): the monthly report, built per village in week 1.

The same month rebuilt gives the same objects: the content carries no build time.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from aws_lambda_powertools import Logger

from .. import web
from ..domain.clock import month_name_id, now, previous_month
from ..domain.report import aggregate, render_report_html
from ..ports import Mail
from ..services import Services, services

logger = Logger(child=True)

LINK_SECONDS = 7 * 24 * 3600  # presigned links live at most 7 days


def report_jobs(month: str | None = None, svc: Services | None = None, at: datetime | None = None) -> list[dict]:
    """One job per village: the fan-out lets a regency or a province run the same way."""
    svc = svc or services()
    month = month or previous_month(at or now())
    return [{"tenant_id": v.id, "month": month} for v in svc.store.list_villages()]


def report_key(tenant_id: str, month: str, ext: str) -> str:
    return f"{tenant_id}/{month}/laporan-{tenant_id}-{month}.{ext}"


def build_report(tenant_id: str, month: str, svc: Services | None = None,
                 send: bool = True) -> dict[str, str]:
    svc = svc or services()
    store = svc.store
    village = store.get_village(tenant_id)
    submissions = store.submissions_in_month(tenant_id, month)
    drafts, publications = [], []
    for sub in submissions:
        items = store.submission_items(tenant_id, sub.submission_id)
        drafts += items["draft"]
        publications += items["publication"]
    figures = aggregate(village, month, submissions, drafts, publications, store.clicks_in_month(tenant_id, month))
    html = render_report_html(village, figures)
    key = report_key(tenant_id, month, "html")
    svc.reports.put(key, html.encode(), "text/html; charset=utf-8")
    keys = {"html": key}
    digest = hashlib.sha256(json.dumps(keys, sort_keys=True).encode() + html.encode()).hexdigest()
    is_new = store.put_report_record(tenant_id, month, keys, digest)
    logger.info("report built", extra={"tenant_id": tenant_id, "month": month, "new": is_new})
    if send and is_new:
        _send(village, month, keys, svc)
    return keys


def _send(village, month: str, keys: dict[str, str], svc: Services) -> None:  # noqa: ANN001
    recipients = village.report_recipients or village.admins
    links = {fmt: svc.reports.presign_get(k, LINK_SECONDS) for fmt, k in keys.items()}
    context = {"village": village, "month": month_name_id(month), "links": links}
    svc.mailer.send(Mail(
        to=tuple(str(r.email) for r in recipients),
        subject=f"[Kabar {village.name}] Laporan bulanan {month_name_id(month)}",
        text=web.render("email/report.txt", **context), html=web.render("email/report.html", **context),
        tags={"kind": "report"}))


