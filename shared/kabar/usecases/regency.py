"""The regency's monthly report (for the kabupaten's supervisor), built after the village reports.

One job per kabupaten (``regency_jobs``) goes onto the report queue from the second monthly
schedule, three hours after the village reports. ``build_regency_report`` waits (the job is
retried) while a village's own report of the month is not made yet, unless told not to; it stores
HTML, PDF and XLSX in the reports bucket under the regency's prefix (``_kabupaten/<slug>/``),
writes the OPML of every village's news feed to the website, and returns the documents, so a
read-only page of the workspace can show them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from aws_lambda_powertools import Logger

from ..domain import feeds
from ..domain.clock import now, previous_month
from ..domain.regency import (
    kabupaten_slug,
    regency_figures,
    regency_issued_on,
    regency_prefix,
    render_regency_html,
    render_regency_pdf,
    render_regency_xlsx,
    village_row,
)
from ..services import Services
from .reporting import FORMATS, month_figures

logger = Logger(child=True)


class VillageReportsPending(Exception):  # noqa: N818 - a state, not a failure: the job is retried
    """Some village of the regency has no report of the month yet: try again later."""

    def __init__(self, kabupaten: str, month: str, pending: list[str]) -> None:
        super().__init__(f"{kabupaten} {month}: village reports not made yet: {', '.join(pending)}")
        self.pending = pending


@dataclass
class RegencyReport:
    kabupaten: str
    month: str
    documents: dict[str, bytes]  # html, pdf, xlsx
    keys: dict[str, str] = field(default_factory=dict)  # where each lies in the reports bucket
    opml_key: str = ""  # the villages' feeds, on the website


def regency_jobs(*, month: str | None = None, svc: Services, at: datetime | None = None) -> list[dict]:
    """One job per kabupaten that has villages (by name, as the village profiles spell it)."""
    month = month or previous_month(at or now())
    names: dict[str, str] = {}
    for village in svc.store.list_villages():
        if village.kabupaten.strip():
            names.setdefault(kabupaten_slug(village.kabupaten), village.kabupaten.strip())
    return [{"kabupaten": names[slug], "month": month} for slug in sorted(names)]


def regency_key(kabupaten: str, month: str, ext: str) -> str:
    return f"{regency_prefix(kabupaten)}{month}/laporan-kabupaten-{kabupaten_slug(kabupaten)}-{month}.{ext}"


def opml_key(kabupaten: str) -> str:
    return f"{regency_prefix(kabupaten)}berita-kalurahan.opml"


def build_regency_report(kabupaten: str, month: str, svc: Services, *,
                         wait_for_villages: bool = False) -> RegencyReport:
    slug = kabupaten_slug(kabupaten)
    villages = sorted((v for v in svc.store.list_villages() if v.kabupaten.strip()
                       and kabupaten_slug(v.kabupaten) == slug), key=lambda v: v.id)
    records = {v.id: svc.store.report_record(v.id, month) for v in villages}
    pending = [v.id for v in villages if records[v.id] is None]
    if pending and wait_for_villages:
        raise VillageReportsPending(kabupaten, month, pending)
    rows = [village_row(v, month_figures(v, month, svc), report_made=records[v.id] is not None) for v in villages]
    # Dated by the latest village report it rests on: rebuilt from the same reports, the same bytes.
    issued = [datetime.fromisoformat(r["issued_at"]) for r in records.values() if r and r.get("issued_at")]
    figures = regency_figures(kabupaten, month, rows, issued_at=max(issued) if issued else None)
    documents = {"html": render_regency_html(figures).encode(), "pdf": render_regency_pdf(figures),
                 "xlsx": render_regency_xlsx(figures)}
    report = RegencyReport(kabupaten=kabupaten, month=month, documents=documents)
    for fmt, data in documents.items():
        report.keys[fmt] = regency_key(kabupaten, month, fmt)
        svc.reports.put(report.keys[fmt], data, FORMATS[fmt])
    outline = feeds.opml(f"Berita kalurahan Kabupaten {kabupaten}",
                         [feeds.village_feed(v.id, feeds.bare_name(v), svc.settings.site_url, []) for v in villages],
                         regency_issued_on(figures))
    report.opml_key = opml_key(kabupaten)
    svc.site.put(report.opml_key, outline, feeds.OPML_TYPE, "public, max-age=300")
    logger.info("regency report built", extra={"kabupaten": kabupaten, "month": month, "villages": len(rows),
                                                "need_help": len(figures.needing_help)})
    return report


def regency_documents(kabupaten: str, month: str, svc: Services) -> dict[str, bytes] | None:
    """The stored documents of a regency's month (for a read-only page), or None when not built yet."""
    keys = {fmt: regency_key(kabupaten, month, fmt) for fmt in FORMATS}
    if any(svc.reports.head(key) is None for key in keys.values()):
        return None
    return {fmt: svc.reports.get(key) for fmt, key in keys.items()}
