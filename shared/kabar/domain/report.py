"""SOP step 6 (social) / step 5 (website): the monthly report, from the register's records.

``aggregate`` is pure and deterministic: the same records give the same figures, in the same
order, and ``render_report_html`` turns them into the same bytes (no build time in the page).
What belongs to a month: a submission by its ``created_at`` (Jakarta time), with its drafts,
decisions and SOP clocks; a publication by its ``published_at``; a click by its day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel

from . import sop
from .clock import long_date_id, month_bounds, month_name_id, month_of, to_wib
from .inbox import AnswerTimes, Inquiry, answer_times
from .metrics import ITEM_METRICS, AccountMonth, AccountSnapshot, ItemSnapshot, account_month, engagement_at_month_end
from .models import (
    Draft,
    DraftStatus,
    Procedure,
    Publication,
    PublicationStatus,
    Submission,
    SubmissionStatus,
    Village,
)
from .sop import BATAS_WAKTU
from .text import Bilingual, t
from .wording import channel_name
from .wording import when_id as moment_id  # the one date style (domain/wording.py)

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
    activity_date: date | None = None
    #: The draft's cover graphic or first photo (media bucket): the best posts show it small.
    thumbnail_key: str | None = None

    @property
    def score(self) -> int:
        """Engagement as the report ranks it: reactions, comments and shares, plus readers' clicks."""
        return sum(self.engagement.get(k, 0) for k in ("reactions", "comments", "shares")) + (self.clicks or 0)


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


#: The SOP step each time standard is (the same number in procedure A and B).
STEP_NUMBER = {"penyerahan": 1, "draf": 2, "keputusan": 3, "unggah": 4, "kelengkapan": 1}


class LateItem(BaseModel):
    """One activity that missed an SOP time limit, or whose documentation is still incomplete."""

    submission_id: str
    title: str  # told apart from another activity of the same title (see ``_tell_apart``)
    step: str  # a key of STANDARDS, or "kelengkapan" (documentation incomplete)
    procedure: Procedure | None = None  # None: the hand-over, common to both procedures
    procedures: list[Procedure] = []
    due: datetime | None = None
    done_at: datetime | None = None  # None: still not done

    @property
    def sop_step(self) -> str:
        """``A2``, ``B4``, ``A1/B1``: the step as the SOP numbers it."""
        letters = [PROCEDURE_LETTER[self.procedure]] if self.procedure else [PROCEDURE_LETTER[p] for p in
                                                                              self.procedures]
        return "/".join(f"{letter}{STEP_NUMBER[self.step]}" for letter in letters)


PROCEDURE_LETTER = {Procedure.SOCIAL: "A", Procedure.WEBSITE: "B"}


class MonthSummary(BaseModel):
    """The few figures a month is compared by (this month against the one before)."""

    month: str
    month_name: str
    submissions: int = 0
    published: int = 0  # activities online (per procedure), by their first channel
    published_on_time: int = 0
    publications: int = 0  # posts on every channel
    website_clicks: int = 0
    engagement: int = 0
    on_time_rate: int | None = None  # all SOP time standards together, of the steps that happened


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
    published: int = 0  # activities online this month (per procedure), by their first channel
    published_on_time: int = 0
    late_items: list[LateItem] = []
    #: Names people know instead of ids: channel accounts (a Page's name) by (channel, account id).
    account_names: dict[str, str] = {}
    previous: MonthSummary | None = None
    #: When these figures were first made into documents (the use case keeps it across rebuilds of
    #: the same figures); None: the documents are dated ``report_moment``.
    issued_at: datetime | None = None
    #: Small JPEGs of the best posts by their ``thumbnail_key`` (filled by the use case).
    thumbnails: dict[str, bytes] = {}

    @property
    def best(self) -> list[KpiRow]:
        """The month's best posts by engagement (reactions, comments, shares and clicks), up to five."""
        ranked = sorted((r for r in self.kpi if r.score > 0), key=lambda r: (-r.score, r.published_at, r.title))
        return ranked[:5]

    @property
    def on_time_rate(self) -> int | None:
        met = sum(c.met for c in self.compliance)
        done = met + sum(c.missed for c in self.compliance)
        return round(100 * met / done) if done else None

    @property
    def summary(self) -> MonthSummary:
        return MonthSummary(month=self.month, month_name=self.month_name, submissions=self.submissions,
                            published=self.published, published_on_time=self.published_on_time,
                            publications=self.publications_total, website_clicks=self.website_clicks_total,
                            engagement=sum(r.score - (r.clicks or 0) for r in self.kpi),
                            on_time_rate=self.on_time_rate)

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


def _tally(item: Compliance, late: bool | None, deadline: datetime, as_of: datetime | None) -> bool:
    """Count one step; True when it missed its limit."""
    if late is None:
        # Not happened yet: once its limit has passed at ``as_of``, it can only be late.
        if as_of is not None and to_wib(as_of) > deadline:
            item.missed += 1
            return True
        item.pending += 1
    elif late:
        item.missed += 1
        return True
    else:
        item.met += 1
    return False


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
                publications: list[Publication], as_of: datetime | None,
                late: list[LateItem] | None = None) -> list[Compliance]:
    """Each SOP time standard met, missed or pending; every miss (and every incomplete hand-over)
    is named in ``late`` when given."""
    result = {key: Compliance(key=key, label=label) for key, label in STANDARDS.items()}
    late = late if late is not None else []

    def note(sub: Submission, step: str, procedure: Procedure | None, due: datetime | None,
             done: datetime | None) -> None:
        late.append(LateItem(submission_id=sub.submission_id, title=sub.activity.title.strip(), step=step,
                             procedure=procedure, procedures=list(dict.fromkeys(sub.procedures)), due=due,
                             done_at=done))

    published: dict[tuple[str, Procedure], list[datetime]] = defaultdict(list)
    for pub in publications:
        if pub.status is PublicationStatus.PUBLISHED and pub.published_at is not None:
            published[(pub.submission_id, pub.procedure)].append(pub.published_at)
    for sub in submissions:
        # Step 1: the hand-over is registered by the end of day H (as the register's "late" says).
        due = sop.batas_penyerahan(sub.activity.date)
        if _tally(result["penyerahan"], sop.diserahkan_terlambat(sub.created_at, sub.activity.date), due, as_of):
            note(sub, "penyerahan", None, due, sub.created_at)
        if sub.completed_at is None and sub.status is not SubmissionStatus.REJECTED:
            note(sub, "kelengkapan", None, due, None)
        for procedure in dict.fromkeys(sub.procedures):
            versions = drafts.get((sub.submission_id, procedure), [])
            # Step 2: the clock starts when the documentation is complete.
            if sub.completed_at is not None:
                due = sop.batas_draf(sub.completed_at)
                first = versions[0].created_at if versions else None
                if _tally(result["draf"], sop.is_late(first, due), due, as_of):
                    note(sub, "draf", procedure, due, first)
            # Step 3: every version put to the reviewer is decided within the hour.
            for draft in versions:
                if draft.decided_at is None and draft.status is not DraftStatus.IN_REVIEW:
                    continue  # replaced before anyone decided on it
                due = sop.batas_keputusan(draft.created_at)
                if _tally(result["keputusan"], sop.is_late(draft.decided_at, due), due, as_of):
                    note(sub, "keputusan", procedure, due, draft.decided_at)
            # Step 4: approved content is online by the end of H+1 (its first channel counts).
            if any(d.status in _APPROVED for d in versions):
                due = sop.batas_unggah(sub.activity.date)
                online = min(published.get((sub.submission_id, procedure), []), default=None)
                if _tally(result["unggah"], sop.is_late(online, due), due, as_of):
                    note(sub, "unggah", procedure, due, online)
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

    # Activities online this month (per procedure), judged by their first channel (SOP step 4).
    first_online: dict[tuple[str, Procedure], datetime] = {}
    for pub in publications:
        if (pub.tenant_id == village.id and pub.status is PublicationStatus.PUBLISHED
                and pub.published_at is not None):
            key = (pub.submission_id, pub.procedure)
            first_online[key] = min(first_online.get(key, pub.published_at), pub.published_at)
    online = [(key, at) for key, at in first_online.items() if _in_month(at, month)]
    on_time = sum(1 for (sid, _), at in online
                  if sid in all_subs and not sop.is_late(at, sop.batas_unggah(all_subs[sid].activity.date)))

    late: list[LateItem] = []
    compliance = _compliance(subs, versions, publications, as_of, late)
    # An item handed over in an earlier month and published late in this one is named here too (its
    # steps are counted with its own month): every late publication the narrative counts has a name.
    for (sid, procedure), at in online:
        owner = all_subs.get(sid)
        if owner is not None and sid not in by_id:
            due = sop.batas_unggah(owner.activity.date)
            if sop.is_late(at, due):
                late.append(LateItem(submission_id=sid, title=owner.activity.title.strip(), step="unggah",
                                     procedure=procedure, procedures=list(owner.procedures), due=due, done_at=at))
    versions_online = {(p.submission_id, p.procedure, p.channel): p.version for p in month_pubs}
    for row in kpi:
        owner = all_subs.get(row.submission_id)
        row.activity_date = owner.activity.date if owner else None
        shown = by_version.get((row.submission_id, row.procedure,
                                versions_online.get((row.submission_id, row.procedure, row.channel), 1)))
        if shown is not None:
            row.thumbnail_key = shown.graphic_key or (shown.photo_keys[0] if shown.photo_keys else None)
    named = _tell_apart([(r.title, r.submission_id) for r in kpi]
                        + [(i.title, i.submission_id) for i in late]
                        + [(i.title or "", titles.get("#" + i.item, i.item)) for i in item_rows if i.title],
                        {sid: s.activity.date for sid, s in all_subs.items()})
    for row in kpi:
        row.title = named.get((row.title, row.submission_id), row.title)
    for item in late:
        item.title = named.get((item.title, item.submission_id), item.title)
    for clicked in item_rows:
        if clicked.title:
            clicked.title = named.get((clicked.title, titles.get("#" + clicked.item, clicked.item)), clicked.title)
    late.sort(key=lambda i: (STEP_NUMBER[i.step], i.due or datetime.min.replace(tzinfo=UTC), i.title,
                             i.procedure or ""))

    return MonthlyFigures(
        month=month, month_name=month_name_id(month), village_id=village.id, village_name=village.name,
        submissions=len(subs),
        complete=sum(1 for s in subs if s.completed_at is not None),
        late_submissions=sum(1 for s in subs if sop.diserahkan_terlambat(s.created_at, s.activity.date)),
        drafts_made=drafts_made, decisions=decisions,
        publications_per_channel=dict(sorted(per_channel.items())),
        kpi=kpi, website_clicks_total=sum(c.count for c in month_clicks), clicks_per_item=item_rows,
        clicks_per_day=_per_day(month, month_clicks),
        compliance=compliance,
        accounts=account_month([a for a in accounts if a.tenant_id == village.id], month),
        answers=answer_times([i for i in inquiries if i.tenant_id == village.id], month, as_of),
        published=len(online), published_on_time=on_time, late_items=late,
        account_names=account_names(village))


# --- words -----------------------------------------------------------------------------------


def duration_id(hours: float | None) -> Bilingual | None:
    """A time span as people say it: minutes under an hour, hours under two days, else days."""
    if hours is None:
        return None
    minutes = round(hours * 60)
    if minutes < 1:
        return t("kurang dari 1 menit", "under 1 minute")
    if minutes < 60:
        return t(f"{minutes} menit", f"{minutes} minutes")
    if hours < 48:
        text = f"{hours:.1f}".replace(".0", "")
        return t(f"{text.replace('.', ',')} jam", f"{text} hours")
    days = f"{hours / 24:.1f}".replace(".0", "")
    return t(f"{days.replace('.', ',')} hari", f"{days} days")


STEP_WORDS: dict[str, Bilingual] = {
    "penyerahan": t("dokumentasi diserahkan terlambat", "documentation handed over late"),
    "kelengkapan": t("dokumentasi belum lengkap", "documentation still incomplete"),
    "draf": t("draf terlambat", "draft late"),
    "keputusan": t("keputusan PPID terlambat", "reviewer's decision late"),
    "unggah": t("terbit terlambat", "published late"),
}


STEP_NOUNS: dict[str, Bilingual] = {
    "penyerahan": t("penyerahan dokumentasi", "hand-over"),
    "draf": t("draf", "draft"),
    "keputusan": t("keputusan PPID", "reviewer's decision"),
    "unggah": t("penerbitan", "publication"),
}


def _kelengkapan(procedures: list[Procedure]) -> Bilingual:
    """What step 1 requires of these procedures, from the SOP's own list."""
    need = [sop.KELENGKAPAN[p] for p in procedures] or list(sop.KELENGKAPAN.values())
    photos = max(k.min_photos for k in need)
    parts = [f"minimal {photos} foto"] + (["narasi"] if any(k.narrative for k in need) else []) + (
        ["video"] if any(k.video for k in need) else [])
    parts_en = [f"at least {photos} photos"] + (["narrative"] if any(k.narrative for k in need) else []) + (
        ["video"] if any(k.video for k in need) else [])
    return t(", ".join(parts), ", ".join(parts_en))


def late_what(item: LateItem) -> Bilingual:
    """``draf website terlambat``, ``keputusan PPID media sosial belum dilakukan``, ``dokumentasi belum lengkap``."""
    if item.step == "kelengkapan":
        need = _kelengkapan(item.procedures)
        return t(f"dokumentasi belum lengkap (wajib: {need.id})", f"documentation incomplete (required: {need.en})")
    noun = STEP_NOUNS[item.step]
    proc = f" {sop.PROCEDURE_NAME[item.procedure].id}" if item.procedure else ""
    proc_en = f" ({sop.PROCEDURE_NAME[item.procedure].en})" if item.procedure else ""
    if item.done_at is None:
        return t(f"{noun.id}{proc} belum dilakukan", f"{noun.en}{proc_en} not done yet")
    return t(f"{noun.id}{proc} terlambat", f"{noun.en}{proc_en} late")


def late_text(item: LateItem) -> Bilingual:
    """One late or incomplete item in a sentence: what, which SOP step, the limit, what happened."""
    what = late_what(item)
    if item.step == "kelengkapan":
        return t(f"{item.title}: {what.id} — langkah {item.sop_step}",
                 f"{item.title}: {what.en}, step {item.sop_step}")
    due = moment_id(item.due) if item.due else "–"
    done = f", dilakukan {moment_id(item.done_at)}" if item.done_at else ""
    done_en = f", done {moment_id(item.done_at)}" if item.done_at else ""
    return t(f"{item.title}: {what.id} — langkah {item.sop_step}, batas {due}{done}",
             f"{item.title}: {what.en}, step {item.sop_step}, due {due}{done_en}")


def _change(now_: int, before: int) -> tuple[str, str]:
    if now_ == before:
        return f"tetap {_number(now_)}", f"unchanged at {now_}"
    word, word_en = ("naik", "up") if now_ > before else ("turun", "down")
    return (f"{word} dari {_number(before)} menjadi {_number(now_)}",
            f"{word_en} from {before} to {now_}")


def narrative(f: MonthlyFigures) -> list[Bilingual]:
    """The report's opening in plain words, made from the figures alone (Indonesian, English beneath)."""
    out: list[Bilingual] = []
    if not f.submissions and not f.published and not f.answers.received:
        out.append(t("Bulan ini tidak ada dokumentasi kegiatan yang diserahkan dan tidak ada konten yang terbit.",
                     "This month no activity documentation was handed over and nothing was published."))
    else:
        if f.published:
            late = f.published - f.published_on_time
            tail = (f", {_number(f.published_on_time)} tepat waktu (paling lambat H+1)" if late else
                    ", semuanya tepat waktu (paling lambat H+1)")
            tail_en = f", {f.published_on_time} on time (by H+1)" if late else ", all on time (by H+1)"
            out.append(t(f"Bulan ini {_number(f.published)} konten terbit{tail}; "
                         f"{_number(f.submissions)} dokumentasi kegiatan diserahkan.",
                         f"This month {f.published} items were published{tail_en}; "
                         f"{f.submissions} activities' documentation was handed over."))
        else:
            out.append(t(f"Bulan ini belum ada konten yang terbit; {_number(f.submissions)} dokumentasi kegiatan "
                         "diserahkan.", f"Nothing was published this month; {f.submissions} activities' "
                         "documentation was handed over."))
        groups: dict[str, list[LateItem]] = defaultdict(list)
        for item in f.late_items:
            groups[item.step].append(item)
        for step, items in groups.items():
            names = "; ".join(_quote(i) for i in items[:3]) + ("; dan lainnya" if len(items) > 3 else "")
            names_en = "; ".join(_quote(i, en=True) for i in items[:3]) + ("; and more" if len(items) > 3 else "")
            out.append(t(f"{len(items)} {STEP_WORDS[step].id}: {names}.",
                         f"{len(items)} {STEP_WORDS[step].en}: {names_en}."))
        if not f.late_items and f.submissions:
            out.append(t("Semua langkah SOP yang sudah berjalan tepat waktu.",
                         "Every SOP step taken so far was on time."))
    a = f.answers
    if a.received:
        open_ = a.pending + a.unanswered
        out.append(t(f"{_number(a.received)} komentar/pesan diterima, {_number(a.met)} dijawab dalam 1 hari"
                     + (f", {_number(open_)} belum dijawab" if open_ else "") + ".",
                     f"{a.received} comments/messages received, {a.met} answered within 1 day"
                     + (f", {open_} not answered yet" if open_ else "") + "."))
    for acc in f.accounts:
        if acc.growth is not None and acc.followers_end is not None:
            name = account_name(f, acc.channel, acc.account_id)
            if acc.growth:
                word, word_en = ("bertambah", "gained") if acc.growth > 0 else ("berkurang", "lost")
                out.append(t(f"Pengikut {name} {word} {_number(abs(acc.growth))} menjadi {_number(acc.followers_end)}.",
                             f"{name} {word_en} {abs(acc.growth)} followers, now {acc.followers_end}."))
            else:
                out.append(t(f"Pengikut {name} tetap {_number(acc.followers_end)}.",
                             f"{name} stayed at {acc.followers_end} followers."))
    p = f.previous
    if p is None:
        out.append(t("Belum ada data bulan sebelumnya untuk dibandingkan.", "No earlier month to compare with."))
    else:
        parts = [("konten terbit", "items published", f.published, p.published),
                 ("dokumentasi diserahkan", "hand-overs", f.submissions, p.submissions),
                 ("klik website", "website clicks", f.website_clicks_total, p.website_clicks)]
        said = [(_change(n, b), w, e) for w, e, n, b in parts if n or b]
        if said:
            out.append(t(f"Dibanding {p.month_name}: " + "; ".join(f"{w} {c[0]}" for c, w, _ in said) + ".",
                         f"Against {p.month_name}: " + "; ".join(f"{e} {c[1]}" for c, _, e in said) + "."))
        else:
            out.append(t(f"{p.month_name} juga tanpa kegiatan.", f"{p.month_name} had no activity either."))
    return out


def _quote(item: LateItem, en: bool = False) -> str:
    if item.step == "penyerahan" and item.due and item.done_at:
        day, done = long_date_id(to_wib(item.due).date()), moment_id(item.done_at)
        return f"{item.title} (activity {day}, handed over {done})" if en else \
            f"{item.title} (kegiatan {day}, diserahkan {done})"
    return f"{item.title} ({'step' if en else 'langkah'} {item.sop_step})"


def days_of(month: str) -> list[date]:
    """Every Jakarta calendar day of a ``YYYY-MM`` month, in order."""
    start, end = month_bounds(month)
    return [start.date() + timedelta(days=n) for n in range((end - start).days)]


def report_moment(month: str) -> datetime:
    """The first instant after the month: the report's figures are "as of" this moment (a step
    whose limit passed before it and that has not happened counts as missed), and documents whose
    figures were never issued before are dated by it."""
    return month_bounds(month)[1]


def issued_on(figures: MonthlyFigures) -> datetime:
    """The date the documents carry (creation date, the sign-off's date): when these very figures
    were first made into a report (``issued_at``, kept by the use case), so a rebuild of unchanged
    figures is byte-identical and a report remade from changed records says when it was remade."""
    return to_wib(figures.issued_at) if figures.issued_at else report_moment(figures.month)


_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


def report_number(month: str, kind: str = "LAP-KONTEN") -> str:
    """``480/XI/LAP-KONTEN/2026``: 480 (public relations and the press, where the SOP itself is
    filed), the month in Roman numerals, the kind and the year, as an office letter is numbered."""
    year, mon = month.split("-")
    return f"480/{_ROMAN[int(mon) - 1]}/{kind}/{year}"


def figures_digest(figures: MonthlyFigures) -> str:
    """What the documents say, as one hash (without the date they carry and the thumbnails' bytes)."""
    import hashlib

    data = figures.model_dump_json(exclude={"issued_at", "thumbnails"})
    return hashlib.sha256(data.encode()).hexdigest()


def thumbnail(data: bytes, size: tuple[int, int] = (240, 180)) -> bytes | None:
    """A small JPEG (4:3, centred crop) of a post's picture; None when it cannot be read."""
    import io

    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (size[0] * 2, size[1] * 2))
            small = ImageOps.fit(ImageOps.exif_transpose(image).convert("RGB"), size)
    except Exception:  # noqa: BLE001 - a picture we cannot read is simply not shown
        return None
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80, optimize=True)
    return out.getvalue()


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
            titles["#" + draft.slug] = draft.submission_id  # whose item a slug is
    return titles


def _tell_apart(named: list[tuple[str, str]], activity_dates: dict[str, date]) -> dict[tuple[str, str], str]:
    """Activities of the same title told apart: by their activity's date, and by the register number
    when that is the same day too. ``named``: (title, submission id) pairs."""
    owners: dict[str, set[str]] = defaultdict(set)
    for title, sid in named:
        owners[title.casefold()].add(sid)
    result: dict[tuple[str, str], str] = {}
    for title, sid in named:
        others = owners[title.casefold()] - {sid}
        if not others:
            continue
        day = activity_dates.get(sid)
        same_day = any(activity_dates.get(o) == day for o in others)
        parts = [long_date_id(day)] if day else []
        if same_day or not day:
            parts.append(f"No. reg. {sid}")
        result[(title, sid)] = f"{title} ({', '.join(parts)})"
    return result


#: Channels as a village office names them.
def account_names(village: Village) -> dict[str, str]:
    """Each social account's name by ``channel:account id``: the channel entry's ``name`` when the
    village configured one (the Page's name), else the channel and the village."""
    names = {}
    for entries in village.channels.values():
        for entry in entries:
            account = entry.page_id or getattr(entry, "ig_user_id", None) or getattr(entry, "channel_id", None)
            if not account:
                continue
            given = getattr(entry, "name", None)
            fallback = f"{channel_name(entry.type)} Kalurahan {village.name}"
            names[f"{entry.type}:{account}"] = str(given) if given else fallback
    return names


def account_name(figures: MonthlyFigures, channel: str, account_id: str) -> str:
    known = figures.account_names.get(f"{channel}:{account_id}")
    return known or f"{channel_name(channel)} Kalurahan {figures.village_name}"


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
def _environment():  # noqa: ANN202 - jinja2 is loaded when a report is rendered, not at import
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(tanggal=long_date_id, angka=_number, http_url=_http_url, kanal=channel_name,
                       durasi=duration_id, metrik=lambda v: "t.t." if v is None else _number(v))
    env.globals["batas"] = BATAS_WAKTU  # the SOP's limits in words, never a literal in a template
    return env


def _data_uri(data: bytes | None) -> str | None:
    import base64

    return "data:image/jpeg;base64," + base64.b64encode(data).decode() if data else None


def render_report_html(village: Village, figures: MonthlyFigures, anchor: object = None) -> str:
    """The report as one printable HTML page: Indonesian first, English beneath; dated ``issued_on``."""
    template = _environment().get_template("report.html")
    issued = issued_on(figures)
    return template.render(village=village, f=figures, procedure_name=sop.PROCEDURE_NAME,
                           procedure_letter=PROCEDURE_LETTER, narrative=narrative(figures),
                           late=[late_text(i) for i in figures.late_items],
                           number=report_number(figures.month), issued=long_date_id(issued.date()),
                           thumbs={k: _data_uri(v) for k, v in figures.thumbnails.items()},
                           account=lambda a: account_name(figures, a.channel, a.account_id),
                           deadline=long_date_id(sop.batas_laporan(figures.month)), anchor=anchor)
