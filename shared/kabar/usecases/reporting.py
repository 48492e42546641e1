"""SOP step 6 (social) / 5 (website): the monthly report, built per village in week 1.

The same month rebuilt gives the same objects: the content carries no build time.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from ..domain.clock import iso, month_bounds, now, previous_month
from ..domain.outbox import Change
from ..domain.report import aggregate, figures_digest, render_report_html, report_moment, thumbnail
from ..services import Services
from .anchor import anchor_audit_chain
from .files import file_link
from .notices import promised

logger = Logger(child=True)

#: how long the report email's links open (durable signed links, not presigned URLs: see usecases/files.py)
LINK_DAYS = 30


def report_jobs(*, month: str | None = None, svc: Services, at: datetime | None = None) -> list[dict]:
    """One job per village: the fan-out lets a regency or a province run the same way."""
    month = month or previous_month(at or now())
    return [{"tenant_id": v.id, "month": month} for v in svc.store.list_villages()]


def report_key(tenant_id: str, month: str, ext: str) -> str:
    return f"{tenant_id}/{month}/laporan-{tenant_id}-{month}.{ext}"


#: The report's formats: HTML for the email and the browser, PDF as the printable softcopy record,
#: XLSX with the tables and native charts.
FORMATS = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def load_month(tenant_id: str, month: str, svc: Services) -> tuple[list, list, list, list]:
    """The records a month's report needs: the month's submissions, and publications and clicks by
    their own date (an item handed over in October and published in November is November's).
    """
    store = svc.store
    submissions = store.submissions_in_month(tenant_id, month)
    month_pubs = store.publications_in_month(tenant_id, month)
    known = {s.submission_id for s in submissions}
    drafts: list = []
    publications: dict[tuple, object] = {}
    for sid in sorted(known | {p.submission_id for p in month_pubs}):
        items = store.submission_items(tenant_id, sid)
        drafts += items["draft"]
        for pub in items["publication"]:
            publications[(pub.submission_id, pub.procedure, pub.version, pub.channel)] = pub
        if sid not in known:
            submissions += items["submission"]  # for titles; aggregate counts it in its own month
    return submissions, drafts, list(publications.values()), store.clicks_in_month(tenant_id, month)


def load_metrics(tenant_id: str, month: str, svc: Services) -> dict[str, list]:
    """The month's daily snapshots (and the account snapshots of the month before: follower growth
    starts from the last known count), and the comments and messages that arrived in the month."""
    store = svc.store
    start = month_bounds(month)[0]
    before = previous_month(start)
    return {"accounts": store.account_snapshots(tenant_id, before) + store.account_snapshots(tenant_id, month),
            "engagement": store.item_snapshots(tenant_id, month),
            "inquiries": store.inquiries_in_month(tenant_id, month)}


def month_figures(village, month: str, svc: Services, *, with_previous: bool = True):  # noqa: ANN001
    """One village's figures of a month, as of the month's end (a step whose limit passed by then
    and has not happened is missed, whenever the report is built), compared with the month before."""
    figures = aggregate(village, month, *load_month(village.id, month, svc), as_of=report_moment(month),
                        **load_metrics(village.id, month, svc))
    if with_previous:
        before = previous_month(month_bounds(month)[0])
        prev = aggregate(village, before, *load_month(village.id, before, svc), as_of=report_moment(before),
                         **load_metrics(village.id, before, svc))
        figures.previous = prev.summary
    return figures


def _thumbnails(tenant_id: str, figures, svc: Services) -> dict[str, bytes]:  # noqa: ANN001
    """Small pictures of the best posts, from the media bucket (the village's own objects only)."""
    out: dict[str, bytes] = {}
    for row in figures.best:
        key = row.thumbnail_key
        if not key or key in out or not key.startswith(f"{tenant_id}/"):
            continue
        try:
            small = thumbnail(svc.media.get(key))
        except Exception:  # noqa: BLE001 - a missing picture leaves an empty frame, not a failed report
            logger.warning("thumbnail not available", extra={"tenant_id": tenant_id})
            continue
        if small:
            out[key] = small
    return out


def build_report(tenant_id: str, month: str, svc: Services,
                 send: bool = True) -> dict[str, str]:
    from ..domain.report_pdf import render_report_pdf
    from ..domain.report_xlsx import render_report_xlsx

    village = svc.store.get_village(tenant_id)
    figures = month_figures(village, month, svc)
    figures.thumbnails = _thumbnails(tenant_id, figures, svc)
    # Dated when these figures were first issued (kept before anything is rendered): a rebuild or a
    # retry of the same figures is byte-identical, so its notices are the same notices; a report
    # remade from changed records carries the day it was remade.
    said = figures_digest(figures)
    figures.issued_at = datetime.fromisoformat(
        svc.store.report_issued_at(tenant_id, month, said, iso(now().replace(microsecond=0))))
    anchor = anchor_audit_chain(tenant_id, month, svc)  # the audit trail's head, outside the table (issue 16)
    documents = {"html": render_report_html(village, figures, anchor=anchor).encode(),
                 "pdf": render_report_pdf(village, figures, anchor=anchor),
                 "xlsx": render_report_xlsx(village, figures)}
    keys: dict[str, str] = {}
    digest = hashlib.sha256()
    for fmt, data in documents.items():
        keys[fmt] = report_key(tenant_id, month, fmt)
        svc.reports.put(keys[fmt], data, FORMATS[fmt])
        digest.update(fmt.encode() + b"\0" + hashlib.sha256(data).digest())
    if send:
        # promised before the report is recorded: a retry after a failure here promises the same notices
        # again (one notice per content and recipient), so the email is neither lost nor doubled
        _send(village, figures, keys, digest.hexdigest(), svc, anchor)
    is_new = svc.store.put_report_record(tenant_id, month, keys, digest.hexdigest(), figures_digest=said,
                                         issued_at=iso(figures.issued_at))
    logger.info("report built", extra={"tenant_id": tenant_id, "month": month, "new": is_new})
    return keys


def _send(village, figures, keys: dict[str, str], digest: str, svc: Services, anchor=None) -> None:  # noqa: ANN001
    recipients = village.report_recipients or village.admins
    expires_at = now() + timedelta(days=LINK_DAYS)
    links = {fmt: file_link("reports", village.id, k, expires_at, svc) for fmt, k in keys.items()}
    # the figures the email tells, as issued (the documents hold the rest)
    told = {name: getattr(figures, name) for name in ("submissions", "publications_total", "website_clicks_total",
                                                       "accounts", "answers", "compliance")}
    context = {"village": village, "month": figures.month_name, "links": links, "f": told,
               "days": LINK_DAYS, "anchor": anchor}
    svc.store.enqueue(Change(notices=promised(
        village.id, "report", f"report:{figures.month}:{digest[:16]}", [str(r.email) for r in recipients],
        f"[Kabar {village.name}] Laporan bulanan {figures.month_name}",
        "email/report", context)))
