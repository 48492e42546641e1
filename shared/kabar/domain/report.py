"""SOP step 6 (social) / step 5 (website): the monthly report, from the register's records.

``aggregate`` is pure and deterministic: the same records give the same figures, in the same
order, and ``render_report_html`` turns them into the same bytes (no build time in the page).
What belongs to a month: a submission by its ``created_at`` (Jakarta time), with its drafts,
decisions and SOP clocks; a publication by its ``published_at``; a click by its day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pydantic import BaseModel

from . import sop
from .clock import long_date_id, month_bounds, month_name_id, month_of, to_wib
from .inbox import AnswerTimes, Inquiry, answer_times
from .metrics import ITEM_METRICS, AccountMonth, AccountSnapshot, ItemSnapshot, account_month, engagement_at_month_end
from .models import Draft, DraftStatus, Procedure, Publication, PublicationStatus, Submission, Village
from .text import Bilingual, t

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

_APPROVED = {DraftStatus.APPROVED, DraftStatus.PUBLISHED}


class ClickCount(BaseModel):
    """Readers' clicks on one website item (its slug) from one channel ("direct", "facebook") on one day."""

    item: str
    channel: str
    day: date
    count: int


class DecisionCounts(BaseModel):
    approved: int = 0
    rejected: int = 0
    revision_requested: int = 0

    @property
    def total(self) -> int:
        return self.approved + self.rejected + self.revision_requested


class KpiRow(BaseModel):
    """One published item on one channel, with its clicks (None where the channel is not measured)."""

    title: str
    submission_id: str
    procedure: Procedure
    channel: str
    url: str | None
    published_at: datetime
    published_date: date
    clicks: int | None
    #: Engagement so far (reactions, comments, shares, views) from the latest daily snapshot of the
    #: month; a metric absent here was not measured or not available (see ``unavailable``).
    engagement: dict[str, int] = {}
    unavailable: list[str] = []


class DayCount(BaseModel):
    """One figure on one Jakarta calendar day (a point of a chart)."""

    day: date
    count: int


class ItemClicks(BaseModel):
    item: str
    title: str | None
    clicks: int
    by_channel: dict[str, int]


class Compliance(BaseModel):
    """How often one time standard of the SOP was met; ``pending`` while a step has not happened."""

    key: str
    label: Bilingual
    met: int = 0
    missed: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        return self.met + self.missed + self.pending

    @property
    def rate(self) -> int | None:
        """Percent met of the steps that happened (pending ones are not judged yet)."""
        done = self.met + self.missed
        return round(100 * self.met / done) if done else None


class MonthlyFigures(BaseModel):
    month: str
    month_name: str
    village_id: str
    village_name: str
    submissions: int
    complete: int
    late_submissions: int
    drafts_made: dict[Procedure, int]
    decisions: dict[Procedure, DecisionCounts]
    publications_per_channel: dict[str, int]
    kpi: list[KpiRow]
    website_clicks_total: int
    clicks_per_item: list[ItemClicks]
    clicks_per_day: list[DayCount] = []
    compliance: list[Compliance]
    accounts: list[AccountMonth] = []
    answers: AnswerTimes = AnswerTimes()

    @property
    def decisions_total(self) -> DecisionCounts:
        return DecisionCounts(
            approved=sum(d.approved for d in self.decisions.values()),
            rejected=sum(d.rejected for d in self.decisions.values()),
            revision_requested=sum(d.revision_requested for d in self.decisions.values()))

    @property
    def publications_total(self) -> int:
        return sum(self.publications_per_channel.values())


#: The SOP's time standards, in the SOP's order.
STANDARDS: dict[str, Bilingual] = {
    "penyerahan": t("Penyerahan dokumentasi hari H", "Documentation handed over on day H"),
    "draf": t("Draf selesai ≤ 2 jam", "Draft ready within 2 hours"),
    "keputusan": t("Keputusan PPID ≤ 1 jam", "Reviewer's decision within 1 hour"),
    "unggah": t("Unggah paling lambat H+1", "Online by the end of H+1"),
}


def _tally(item: Compliance, late: bool | None, deadline: datetime, as_of: datetime | None) -> None:
    if late is None:
        # Not happened yet: once its limit has passed at ``as_of``, it can only be late.
        if as_of is not None and to_wib(as_of) > deadline:
            item.missed += 1
        else:
            item.pending += 1
    elif late:
        item.missed += 1
    else:
        item.met += 1


def _decision_of(draft: Draft) -> str | None:
    if draft.decided_at is None:
        return None
    if draft.status in _APPROVED:
        return "approved"
    if draft.status is DraftStatus.REJECTED:
        return "rejected"
    if draft.status in (DraftStatus.REVISION_REQUESTED, DraftStatus.SUPERSEDED):
        return "revision_requested"
    return None


def _compliance(submissions: list[Submission], drafts: dict[tuple[str, Procedure], list[Draft]],
                publications: list[Publication], as_of: datetime | None) -> list[Compliance]:
    result = {key: Compliance(key=key, label=label) for key, label in STANDARDS.items()}
    published: dict[tuple[str, Procedure], list[datetime]] = defaultdict(list)
    for pub in publications:
        if pub.status is PublicationStatus.PUBLISHED and pub.published_at is not None:
            published[(pub.submission_id, pub.procedure)].append(pub.published_at)
    for sub in submissions:
        # Step 1: the hand-over is registered by the end of day H (as the register's "late" says).
        _tally(result["penyerahan"], sop.diserahkan_terlambat(sub.created_at, sub.activity.date),
               sop.batas_penyerahan(sub.activity.date), as_of)
        for procedure in dict.fromkeys(sub.procedures):
            versions = drafts.get((sub.submission_id, procedure), [])
            # Step 2: the clock starts when the documentation is complete.
            if sub.completed_at is not None:
                due = sop.batas_draf(sub.completed_at)
                first = versions[0].created_at if versions else None
                _tally(result["draf"], sop.is_late(first, due), due, as_of)
            # Step 3: every version put to the reviewer is decided within the hour.
            for draft in versions:
                if draft.decided_at is None and draft.status is not DraftStatus.IN_REVIEW:
                    continue  # replaced before anyone decided on it
                due = sop.batas_keputusan(draft.created_at)
                _tally(result["keputusan"], sop.is_late(draft.decided_at, due), due, as_of)
            # Step 4: approved content is online by the end of H+1 (its first channel counts).
            if any(d.status in _APPROVED for d in versions):
                due = sop.batas_unggah(sub.activity.date)
                online = min(published.get((sub.submission_id, procedure), []), default=None)
                _tally(result["unggah"], sop.is_late(online, due), due, as_of)
    return list(result.values())


def _in_month(moment: datetime | None, month: str) -> bool:
    return moment is not None and month_of(moment) == month


def aggregate(village: Village, month: str, submissions: list[Submission], drafts: list[Draft],
              publications: list[Publication], clicks: list[ClickCount], *,
              as_of: datetime | None = None, accounts: Iterable[AccountSnapshot] = (),
              engagement: Iterable[ItemSnapshot] = (), inquiries: Iterable[Inquiry] = ()) -> MonthlyFigures:
    """The month's figures for one village. Records of other months or villages are left out.

    ``as_of`` (optional) is the moment the report is made: a step still open after its limit
    then counts as missed instead of pending. Without it the figures depend on the records only.
    """
    subs = sorted((s for s in submissions if s.tenant_id == village.id and _in_month(s.created_at, month)),
                  key=lambda s: (s.created_at, s.submission_id))
    by_id = {s.submission_id: s for s in subs}
    all_subs = {s.submission_id: s for s in submissions if s.tenant_id == village.id}
    village_drafts = [d for d in drafts if d.tenant_id == village.id]
    versions: dict[tuple[str, Procedure], list[Draft]] = defaultdict(list)
    for draft in sorted(village_drafts, key=lambda d: (d.submission_id, d.procedure, d.version)):
        if draft.submission_id in by_id:
            versions[(draft.submission_id, draft.procedure)].append(draft)

    drafts_made = {p: 0 for p in Procedure}
    decisions = {p: DecisionCounts() for p in Procedure}
    for (_, procedure), group in versions.items():
        drafts_made[procedure] += len(group)
        for draft in group:
            outcome = _decision_of(draft)
            if outcome:
                counts = decisions[procedure]
                setattr(counts, outcome, getattr(counts, outcome) + 1)

    titles = _titles(all_subs.values(), village_drafts)
    month_pubs = [p for p in publications if p.tenant_id == village.id
                  and p.status is PublicationStatus.PUBLISHED and _in_month(p.published_at, month)]
    month_clicks = [c for c in clicks if f"{c.day:%Y-%m}" == month]
    per_channel: dict[str, int] = defaultdict(int)
    for pub in month_pubs:
        per_channel[pub.channel] += 1

    by_version = {(d.submission_id, d.procedure, d.version): d for d in village_drafts}
    slugs: dict[str, set[str]] = defaultdict(set)
    for d in village_drafts:
        if d.slug:
            slugs[d.submission_id].add(d.slug)
    clicks_by_item: dict[str, list[ClickCount]] = defaultdict(list)
    for click in month_clicks:
        clicks_by_item[click.item].append(click)
    measured = {c.channel for c in month_clicks}
    kpi = [_kpi_row(pub, pub.published_at, titles, by_version, slugs, clicks_by_item, measured)
           for pub in month_pubs if pub.published_at is not None]
    kpi.sort(key=lambda r: (r.published_at, r.procedure.value, r.channel, r.title, r.submission_id))
    latest = engagement_at_month_end([e for e in engagement if e.tenant_id == village.id], month)
    remote = {(p.submission_id, p.procedure, p.channel): p.remote_id for p in month_pubs}
    for row in kpi:
        snap = latest.get((row.channel, remote.get((row.submission_id, row.procedure, row.channel)) or ""))
        if snap is not None:
            row.engagement = {k: snap.values[k] for k in ITEM_METRICS if k in snap.values}
            row.unavailable = sorted(snap.unavailable)

    per_item: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for click in month_clicks:
        per_item[click.item][click.channel] += click.count
    item_rows = [ItemClicks(item=item, title=titles.get(item), clicks=sum(chans.values()),
                            by_channel=dict(sorted(chans.items())))
                 for item, chans in per_item.items()]
    item_rows.sort(key=lambda r: (-r.clicks, r.item))

    return MonthlyFigures(
        month=month, month_name=month_name_id(month), village_id=village.id, village_name=village.name,
        submissions=len(subs),
        complete=sum(1 for s in subs if s.completed_at is not None),
        late_submissions=sum(1 for s in subs if sop.diserahkan_terlambat(s.created_at, s.activity.date)),
        drafts_made=drafts_made, decisions=decisions,
        publications_per_channel=dict(sorted(per_channel.items())),
        kpi=kpi, website_clicks_total=sum(c.count for c in month_clicks), clicks_per_item=item_rows,
        clicks_per_day=_per_day(month, month_clicks),
        compliance=_compliance(subs, versions, publications, as_of),
        accounts=account_month([a for a in accounts if a.tenant_id == village.id], month),
        answers=answer_times([i for i in inquiries if i.tenant_id == village.id], month, as_of))


def days_of(month: str) -> list[date]:
    """Every Jakarta calendar day of a ``YYYY-MM`` month, in order."""
    start, end = month_bounds(month)
    return [start.date() + timedelta(days=n) for n in range((end - start).days)]


def report_moment(month: str) -> datetime:
    """The instant a month's report documents are dated: the first instant after the month.

    PDF and XLSX carry a creation date; using this one (never the build time) keeps a rebuilt
    month byte-identical.
    """
    return month_bounds(month)[1]


def _per_day(month: str, clicks: list[ClickCount]) -> list[DayCount]:
    totals: dict[date, int] = defaultdict(int)
    for click in clicks:
        totals[click.day] += click.count
    return [DayCount(day=day, count=totals.get(day, 0)) for day in days_of(month)]


def _titles(submissions: Iterable[Submission], drafts: list[Draft]) -> dict[str, str]:
    """Title by submission id and by slug (the click counter's item), the latest version's winning."""
    titles = {s.submission_id: s.activity.title.strip() for s in submissions}
    for draft in sorted(drafts, key=lambda d: (d.submission_id, d.procedure, d.version)):
        titles[draft.submission_id] = titles.get(draft.submission_id) or draft.title
        if draft.slug:
            titles[draft.slug] = draft.title
    return titles


def _kpi_row(pub: Publication, published_at: datetime, titles: dict[str, str],
             drafts: dict[tuple[str, Procedure, int], Draft], slugs: dict[str, set[str]],
             clicks: dict[str, list[ClickCount]], measured: set[str]) -> KpiRow:
    draft = drafts.get((pub.submission_id, pub.procedure, pub.version))
    title = draft.title if draft else titles.get(pub.submission_id, pub.submission_id)
    keys = slugs.get(pub.submission_id, set()) | {pub.submission_id, pub.marker} | {
        k for k in (pub.url, pub.remote_id) if k}
    mine = [c for key in sorted(keys) for c in clicks.get(key, [])]
    if pub.procedure is Procedure.WEBSITE:
        count: int | None = sum(c.count for c in mine)  # every reader of the news item
    else:
        via = [c for c in mine if c.channel == pub.channel]  # readers who came from this post
        count = sum(c.count for c in via) if via or pub.channel in measured else None
    local = to_wib(published_at)
    return KpiRow(title=title, submission_id=pub.submission_id, procedure=pub.procedure, channel=pub.channel,
                  url=pub.url, published_at=local, published_date=local.date(), clicks=count)


# --- HTML ------------------------------------------------------------------------------------


def _number(value: int | None) -> str:
    return "–" if value is None else f"{value:,}".replace(",", ".")


def _http_url(value: str | None) -> str | None:
    """Only web addresses become links (never ``javascript:`` or ``data:``)."""
    return value if value and value.lower().startswith(("https://", "http://")) else None


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(tanggal=long_date_id, angka=_number, http_url=_http_url,
                       metrik=lambda v: "t.t." if v is None else _number(v))
    return env


def render_report_html(village: Village, figures: MonthlyFigures) -> str:
    """The report as one printable HTML page: Indonesian first, English beneath; no build time."""
    template = _environment().get_template("report.html")
    return template.render(village=village, f=figures, procedure_name=sop.PROCEDURE_NAME,
                           procedure_letter={Procedure.SOCIAL: "A", Procedure.WEBSITE: "B"},
                           deadline=long_date_id(sop.batas_laporan(figures.month)))
