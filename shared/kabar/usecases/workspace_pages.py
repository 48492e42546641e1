"""What the workspace's pages show: Beranda, Register, Submission, Calendar, Reports, People, Settings.

Reading only. Who may read which village is decided once (``village_for``): one's own village, or for
the regency supervisor every village of the kabupaten; anything else is "not found".
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..domain import sop
from ..domain.cells import formula_like
from ..domain.clock import long_date_id, month_bounds, month_name_id, month_of, now, to_wib
from ..domain.errors import NotFound
from ..domain.models import (
    Asset,
    AssetStatus,
    Draft,
    DraftStatus,
    Procedure,
    Publication,
    PublicationStatus,
    Role,
    Staff,
    Submission,
    SubmissionStatus,
    Village,
)
from ..domain.publishing import publish_moment
from ..domain.workspace import ROLE_LABEL, Clock, ClockState, may_read_village, read_clock, when_id
from ..services import Services
from . import register

SID_RE = re.compile(r"[0-9a-f]{20}")
MONTH_RE = re.compile(r"20\d\d-(0[1-9]|1[0-2])")
#: how long the page's image links work (durable signed links, like the review page's)
IMAGE_LINK_HOURS = 12

PROCEDURE_WORDS = {Procedure.SOCIAL: ("Media sosial", "Social media"), Procedure.WEBSITE: ("Website", "Website")}
DRAFT_WORDS = {
    DraftStatus.IN_REVIEW: ("Menunggu keputusan PPID", "Waiting for the PPID"),
    DraftStatus.APPROVED: ("Disetujui, menunggu terbit", "Approved, waiting to go online"),
    DraftStatus.REJECTED: ("Ditolak", "Rejected"),
    DraftStatus.REVISION_REQUESTED: ("Perlu koreksi admin", "Correction asked of the admin"),
    DraftStatus.SUPERSEDED: ("Diganti versi baru", "Replaced by a newer version"),
    DraftStatus.PUBLISHED: ("Sudah terbit", "Online"),
}
SUBMISSION_WORDS = {
    SubmissionStatus.RECEIVING: ("Berkas sedang diterima", "Files arriving"),
    SubmissionStatus.COMPLETE: ("Berkas lengkap", "Files complete"),
    SubmissionStatus.REJECTED: ("Ditolak PPID", "Rejected by the PPID"),
}
PUB_WORDS = {
    PublicationStatus.PENDING: ("Sedang diterbitkan", "Being published"),
    PublicationStatus.PUBLISHED: ("Terbit", "Online"),
    PublicationStatus.FAILED: ("Gagal terbit", "Failed"),
}
CHANNEL_WORDS = {"static_site": "Website desa", "facebook": "Facebook", "instagram": "Instagram",
                 "youtube": "YouTube", "wordpress": "WordPress"}
_LIMIT = sop.BATAS_WAKTU  # each step's limit as the SOP's rules keep it
STEP_WORDS = {
    "penyerahan": (f"Penyerahan dokumentasi ({_LIMIT['penyerahan'].id})", f"Hand-over ({_LIMIT['penyerahan'].en})"),
    "draf": (f"Draf dibuat ({_LIMIT['draf'].id})", f"Draft made ({_LIMIT['draf'].en})"),
    "koreksi": (f"Koreksi admin ({_LIMIT['draf'].id})", f"Admin's correction ({_LIMIT['draf'].en})"),
    "keputusan": (f"Keputusan PPID ({_LIMIT['keputusan'].id})", f"PPID decision ({_LIMIT['keputusan'].en})"),
    "unggah": (f"Terbit ({_LIMIT['unggah'].id})", f"Online ({_LIMIT['unggah'].en})"),
    "jawaban": (f"Jawaban komentar/pesan ({_LIMIT['jawaban'].id})",
                f"Answer to a comment/message ({_LIMIT['jawaban'].en})"),
    "periksa": (f"Periksa draf lalu kirim ke PPID ({_LIMIT['draf'].id})",
                f"Check the draft, then send it to the PPID ({_LIMIT['draf'].en})"),
}


AUDIT_WORDS = {
    "submitted": ("Diserahkan", "Handed over"), "file_accepted": ("Berkas diterima", "File accepted"),
    "file_rejected": ("Berkas ditolak", "File refused"), "completed": ("Berkas lengkap", "Files complete"),
    "marked_incomplete": ("Berkas belum lengkap", "Files incomplete"), "drafted": ("Draf dibuat", "Draft made"),
    "revised": ("Versi baru dari admin", "New version by the admin"),
    "decision_approve": ("TERIMA oleh PPID", "Approved by the PPID"),
    "decision_reject": ("TOLAK oleh PPID", "Rejected by the PPID"),
    "decision_revise": ("Koreksi diminta PPID", "Correction asked by the PPID"),
    "published": ("Terbit", "Published"), "republish": ("Diterbitkan ulang", "Published again"),
    "correction_sent": ("Koreksi dikirim ke PPID", "Correction sent to the PPID"),
    "file_requested": ("Berkas diminta dari pelaksana", "File asked of the officer"),
    "signed_in": ("Masuk", "Signed in"), "signed_out": ("Keluar", "Signed out"),
    "person_added": ("Orang ditambahkan", "Person added"), "person_revoked": ("Akses dicabut", "Access revoked"),
    "person_rotated": ("Tautan baru dikirim", "New link sent"),
    "deputy_added": ("Wakil PPID ditambahkan", "Deputy added"),
    "sent_to_ppid": ("Dikirim admin ke PPID", "Sent to the PPID by the admin"),
    "setting_changed": ("Pengaturan diubah", "Setting changed"),
    "connection_tested": ("Koneksi kanal diuji", "Channel connection tested"),
    "report_rebuilt": ("Laporan dibuat ulang", "Report rebuilt"),
    "inbox_answered": ("Dijawab dari kotak masuk", "Answered from the inbox"),
    "inbox_private_reply": ("Balasan pribadi dikirim", "Private reply sent"),
    "inbox_no_answer": ("Ditandai tidak perlu dijawab", "Marked as needing no answer"),
    "inbox_hidden": ("Komentar disembunyikan", "Comment hidden"),
    "inbox_assigned": ("Percakapan diserahkan", "Thread assigned"),
}
#: a village setting's name in a setting_changed entry's subject (``village:hashtags,publish_time``), in words
SETTING_WORDS = {"hashtags": "tagar", "publish_time": "jam terbit", "reviewers": "PPID",
                 "report_recipients": "penerima laporan", "admin_review_first": "pemeriksaan admin",
                 "deputy_reviewers": "wakil PPID", "undo_minutes": "jendela urungkan"}
SYSTEM_ACTORS = {"intake": "Sistem penerimaan berkas", "drafting": "Sistem pembuat draf",
                 "publication": "Sistem penerbitan", "sla-watch": "Pengawas waktu SOP",
                 "intake-watch": "Pengawas berkas"}


@dataclass
class HistoryLine:
    at: datetime
    what: tuple[str, str]
    who: str
    detail: str
    note: str


def history_lines(entries: list, people: dict[str, str]) -> list[HistoryLine]:
    """Audit entries in words: who (a name or the system part), what, on which draft and channel."""
    out = []
    for e in sorted(entries, key=lambda e: e.at):
        who = SYSTEM_ACTORS.get(e.actor) or people.get(e.actor) or e.actor.split(":", 1)[-1]
        parts = (e.subject or "").split(":")
        detail = ""
        if parts[0] == "draft" and len(parts) >= 3:
            detail = f"{PROCEDURE_WORDS.get(Procedure(parts[1]), (parts[1],))[0]} · versi {parts[2].lstrip('v')}"
            if len(parts) > 3:
                detail += f" · {channel_word(parts[3])}"
        note = e.note or ""
        if e.action == "setting_changed" and parts[0] == "village" and len(parts) == 2:
            detail, note = _setting_detail(parts[1].split(","), e.from_state, e.to_state), ""
        elif e.action == "person_added" and note.split(" ", 1)[0] in set(Role):  # "<role> <email>"
            role, _, rest = note.partition(" ")
            note = f"{ROLE_LABEL[Role(role)][0]} {rest}".strip()
        out.append(HistoryLine(e.at, AUDIT_WORDS.get(e.action, (e.action.replace("_", " "),) * 2), who, detail,
                               note))
    return out


def _setting_detail(keys: list[str], before: str | None, after: str | None) -> str:
    """Which settings changed, in words; the admin-review switch and the undo window with from and to."""
    names = ", ".join(SETTING_WORDS.get(k, k.replace("_", " ")) for k in keys)
    if keys == ["undo_minutes"]:
        def minutes(v: str | None) -> str:
            return "bawaan" if v is None else f"{v} menit"
        return f"{names}: {minutes(before)} \u2192 {minutes(after)}"
    if keys == ["admin_review_first"] and after in ("true", "false"):
        return f"{names}: {'aktif' if after == 'true' else 'tidak aktif'}"
    return names


def village_for(staff: Staff, village_id: str, svc: Services) -> Village:
    """The village a person may read, or NotFound (also for one that exists but is not theirs)."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,40}", village_id or ""):
        raise NotFound("village")
    try:
        target = svc.store.get_village(village_id)
        home = target if village_id == staff.tenant_id else svc.store.get_village(staff.tenant_id)
    except NotFound:
        raise NotFound("village") from None
    if not may_read_village(staff, home, target):
        raise NotFound("village")
    return target


def check_month(month: str | None, at: datetime) -> str:
    return month if month and MONTH_RE.fullmatch(month) else month_of(at)


def shift_month(month: str, delta: int) -> str:
    year, mon = (int(x) for x in month.split("-"))
    index = year * 12 + mon - 1 + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def channel_word(name: str) -> str:
    return CHANNEL_WORDS.get(name, name.replace("_", " ").title())


# --- Beranda --------------------------------------------------------------------------------------

@dataclass
class Task:
    clock: Clock
    submission: Submission | None
    procedure: Procedure | None
    what: tuple[str, str]
    link: str


@dataclass
class Dashboard:
    tasks: list[Task]
    failures: list[tuple[Submission, Publication]]
    counts: dict[str, int]
    month: str


def _latest(drafts: list[Draft]) -> dict[Procedure, Draft]:
    out: dict[Procedure, Draft] = {}
    for draft in sorted(drafts, key=lambda d: d.version):
        out[draft.procedure] = draft
    return out


def submission_clocks(sub: Submission, drafts: list[Draft], pubs: list[Publication], at: datetime) -> list[tuple]:
    """The clocks still running for one submission: (step, procedure, Clock). Each limit from ``sop``."""
    out: list[tuple] = []
    day_h = datetime.combine(sub.activity.date, datetime.min.time(), to_wib(at).tzinfo)
    if sub.status is SubmissionStatus.REJECTED:
        return out
    if sub.status is SubmissionStatus.RECEIVING:
        out.append(("penyerahan", None, read_clock("penyerahan", min(day_h, to_wib(sub.created_at)),
                                                   sop.batas_penyerahan(sub.activity.date), at)))
        return out
    latest = _latest(drafts)
    for procedure in sub.procedures:
        draft = latest.get(procedure)
        if draft is None and sub.completed_at:
            out.append(("draf", procedure, read_clock("draf", sub.completed_at, sop.batas_draf(sub.completed_at), at)))
        elif draft is None:
            continue
        elif draft.status is DraftStatus.IN_REVIEW:
            out.append(("keputusan", procedure,
                        read_clock("keputusan", draft.created_at, sop.batas_keputusan(draft.created_at), at)))
        elif draft.status is DraftStatus.REVISION_REQUESTED and draft.decided_at:
            out.append(("koreksi", procedure,
                        read_clock("koreksi", draft.decided_at, sop.batas_draf(draft.decided_at), at)))
        elif draft.status is DraftStatus.APPROVED and draft.decided_at:
            out.append(("unggah", procedure, read_clock("unggah", draft.decided_at,
                                                        sop.batas_unggah(sub.activity.date), at)))
    return out


def dashboard(village: Village, svc: Services, at: datetime | None = None) -> Dashboard:
    at = to_wib(at or now())
    month = month_of(at)
    subs = svc.store.submissions_in_month(village.id, month) + svc.store.submissions_in_month(
        village.id, shift_month(month, -1))
    tasks: list[Task] = []
    failures: list[tuple[Submission, Publication]] = []
    counts = {"submissions": 0, "published": 0, "late": 0, "in_review": 0}
    for sub in subs:
        items = svc.store.submission_items(village.id, sub.submission_id)
        if month_of(sub.created_at) == month:
            counts["submissions"] += 1
        link = f"/app/{village.id}/s/{sub.submission_id}"
        for step, procedure, clock in submission_clocks(sub, items["draft"], items["publication"], at):
            if step == "keputusan" and village.admin_review_first and procedure is not None:
                draft = _latest(items["draft"])[procedure]
                from .admin_review import waits_for_admin  # with the PPID's review code: when a page needs it

                if waits_for_admin(village, sub.submission_id, procedure, draft.version, svc):
                    # the admin's own 2 hours (step 2) run until it goes to the PPID
                    start = sub.completed_at or draft.created_at
                    step, clock = "periksa", read_clock("periksa", start, sop.batas_draf(start), at)
            tasks.append(Task(clock, sub, procedure, STEP_WORDS[step], link))
            counts["late"] += clock.state is ClockState.LATE
            counts["in_review"] += step == "keputusan"
        latest = _latest(items["draft"])
        for pub in items["publication"]:
            shown = latest.get(pub.procedure)
            if pub.status is PublicationStatus.FAILED and shown and shown.version == pub.version:
                failures.append((sub, pub))
            if pub.status is PublicationStatus.PUBLISHED and pub.published_at and month_of(pub.published_at) == month:
                counts["published"] += 1
    for inq in svc.store.inquiries_in_month(village.id, month):
        if inq.open:  # its thread in the inbox (Kotak masuk)
            clock = read_clock("jawaban", inq.received_at, sop.batas_jawaban(inq.received_at), at)
            tasks.append(Task(clock, None, None, STEP_WORDS["jawaban"],
                              f"/app/{village.id}/kotak-masuk/{inq.thread_key}"))
            counts["late"] += clock.state is ClockState.LATE
    order = {ClockState.LATE: 0, ClockState.NEAR: 1, ClockState.ON_TIME: 2}
    tasks.sort(key=lambda t: (order.get(t.clock.state, 3), t.clock.due))
    return Dashboard(tasks=tasks, failures=failures, counts=counts, month=month)


# --- Register -------------------------------------------------------------------------------------

@dataclass
class RegisterRow:
    submission: Submission
    states: list[tuple[str, tuple[str, str]]]  # (procedure words, state words)


def register_page(village: Village, month: str, query: str, svc: Services) -> list[RegisterRow]:
    q = query.strip().casefold()
    rows = []
    for sub in sorted(svc.store.submissions_in_month(village.id, month), key=lambda s: s.created_at, reverse=True):
        hay = " ".join([sub.activity.title, sub.activity.location, sub.submitter_name, sub.narrative]).casefold()
        if q and q not in hay:
            continue
        latest = _latest(svc.store.submission_items(village.id, sub.submission_id)["draft"])
        states = [(PROCEDURE_WORDS[p][0],
                   DRAFT_WORDS[latest[p].status] if p in latest else SUBMISSION_WORDS[sub.status])
                  for p in sub.procedures]
        rows.append(RegisterRow(sub, states))
    return rows


def register_export_rows(staff: Staff, village: Village, month: str, svc: Services) -> list[dict]:
    """The register's export: the same columns as ``GET /register`` (one rule for what a row holds)."""
    reader = staff.model_copy(update={"tenant_id": village.id})
    return register.register_rows(reader, month, svc)


def register_xlsx(rows: list[dict]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Register"
    sheet.append(register.COLUMNS)
    for row in rows:
        sheet.append([row.get(col, "") for col in register.COLUMNS])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str) and formula_like(cell.value):
                cell.data_type = "s"  # a typed string, never a formula (domain/cells.py)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- one submission -------------------------------------------------------------------------------

@dataclass
class SubmissionView:
    submission: Submission
    files: list[dict]
    drafts: list[dict] = field(default_factory=list)
    history: list = field(default_factory=list)
    publications: list[dict] = field(default_factory=list)


def _image(village_id: str, svc: Services, until: datetime):  # noqa: ANN202
    from .files import file_link

    def image(key: str) -> str:
        return file_link("media", village_id, key, until, svc)

    return image


def submission_view(village: Village, submission_id: str, svc: Services,
                    at: datetime | None = None) -> SubmissionView:
    from .review import _preview as review_preview

    at = to_wib(at or now())
    if not SID_RE.fullmatch(submission_id or ""):
        raise NotFound("submission")
    items = svc.store.submission_items(village.id, submission_id)
    if not items["submission"]:
        raise NotFound("submission")
    sub: Submission = items["submission"][0]
    until = at + timedelta(hours=IMAGE_LINK_HOURS)
    image = _image(village.id, svc, until)
    files = []
    asset: Asset
    for asset in sorted(items["asset"], key=lambda a: a.name):
        files.append({"asset": asset, "thumb": image(asset.clean_key) if asset.clean_key and asset.kind.value == "photo"
                      else None, "refused": asset.status is AssetStatus.REJECTED})
    from .admin_review import waits_for_admin

    view = SubmissionView(submission=sub, files=files)
    latest = _latest(items["draft"])
    for procedure in sub.procedures:
        draft = latest.get(procedure)
        if draft is None:
            continue
        versions = sorted((d for d in items["draft"] if d.procedure is procedure), key=lambda d: d.version)
        notes = [d for d in versions if d.decision_note]
        pubs = sorted((p for p in items["publication"] if p.procedure is procedure and p.version == draft.version),
                      key=lambda p: p.channel)
        view.drafts.append({"draft": draft, "words": DRAFT_WORDS[draft.status],
                            "preview": review_preview(draft, svc, until),
                            "notes": notes, "versions": versions, "pubs": pubs,
                            "can_edit": draft.status in (DraftStatus.IN_REVIEW, DraftStatus.REVISION_REQUESTED),
                            "waits_for_admin": draft.status is DraftStatus.IN_REVIEW
                            and waits_for_admin(village, submission_id, procedure, draft.version, svc),
                            "can_republish": draft.status is DraftStatus.APPROVED
                            and any(p.status is PublicationStatus.FAILED for p in pubs),
                            "photos": [{"key": k, "url": image(k), "chosen": chosen}
                                       for k, chosen in photo_choices(draft, items["asset"])]})
    people = {p.staff_id: p.name for p in svc.store.people(village.id)}
    people.update({f"{p.role.value}:{p.email}": p.name for p in svc.store.people(village.id)})
    view.history = history_lines(items["audit"], people)
    return view


def photo_choices(draft: Draft, assets: list[Asset]) -> list[tuple[str, bool]]:
    """What the admin may publish: the draft's photos in order (chosen), then the hand-over's other
    accepted photos (not chosen)."""
    extra = [a.clean_key for a in sorted(assets, key=lambda a: a.name)
             if a.status is AssetStatus.ACCEPTED and a.kind.value == "photo" and a.clean_key
             and a.clean_key not in draft.photo_keys]
    return [(k, True) for k in draft.photo_keys] + [(k, False) for k in extra]


# --- Calendar -------------------------------------------------------------------------------------

def calendar(village: Village, month: str, svc: Services) -> dict:
    """Each day of the month: what went online (per channel) and what is scheduled to."""
    start, end = month_bounds(month)
    days: dict[int, list[dict]] = {}
    for pub in svc.store.publications_in_month(village.id, month):
        if pub.published_at:
            sub = svc.store.get_submission(village.id, pub.submission_id)
            days.setdefault(to_wib(pub.published_at).day, []).append(
                {"kind": "published", "channel": channel_word(pub.channel), "title": sub.activity.title,
                 "url": pub.url, "link": f"/app/{village.id}/s/{pub.submission_id}", "at": to_wib(pub.published_at)})
    for m in (shift_month(month, -1), month):
        for sub in svc.store.submissions_in_month(village.id, m):
            for draft in _latest(svc.store.submission_items(village.id, sub.submission_id)["draft"]).values():
                if draft.status is DraftStatus.APPROVED and draft.decided_at:
                    when = publish_moment(draft.decided_at, village.publish_time, sop.batas_unggah(sub.activity.date))
                    if start <= when < end:
                        for channel in village.channels.get(draft.procedure, []):
                            days.setdefault(when.day, []).append(
                                {"kind": "scheduled", "channel": channel_word(channel.type),
                                 "title": sub.activity.title, "url": None,
                                 "link": f"/app/{village.id}/s/{sub.submission_id}", "at": when})
    weeks: list[list[int | None]] = []
    first_weekday = start.weekday()  # Monday first
    n_days = (end - start).days
    cells: list[int | None] = [None] * first_weekday + list(range(1, n_days + 1))
    while len(cells) % 7:
        cells.append(None)
    for i in range(0, len(cells), 7):
        weeks.append(cells[i:i + 7])
    return {"month": month, "name": month_name_id(month), "weeks": weeks, "days": days,
            "prev": shift_month(month, -1), "next": shift_month(month, 1)}


# --- Village settings: each channel's last publication and last error ---------------------------------

def channel_status(village: Village, svc: Services, at: datetime | None = None) -> dict[str, dict]:
    """Per channel name: the last publication online and the last failure, over this month and the last."""
    month = month_of(to_wib(at or now()))
    out: dict[str, dict] = {}
    for m in (shift_month(month, -1), month):
        for sub in svc.store.submissions_in_month(village.id, m):
            for pub in svc.store.submission_items(village.id, sub.submission_id)["publication"]:
                entry = out.setdefault(pub.channel, {"last": None, "error": None})
                if pub.status is PublicationStatus.PUBLISHED and pub.published_at and (
                        entry["last"] is None or pub.published_at > entry["last"].published_at):
                    entry["last"] = pub
                if pub.status is PublicationStatus.FAILED:
                    entry["error"] = pub
    return out


# --- Reports --------------------------------------------------------------------------------------

def reports(village: Village, svc: Services, at: datetime | None = None) -> list[dict]:
    from .files import file_link

    until = to_wib(at or now()) + timedelta(hours=IMAGE_LINK_HOURS)
    out = []
    for record in svc.store.reports(village.id):
        out.append({"month": record["month"], "name": month_name_id(record["month"]),
                    "due": long_date_id(sop.batas_laporan(record["month"])),
                    "links": {fmt: file_link("reports", village.id, key, until, svc)
                              for fmt, key in sorted(record["keys"].items())}})
    return out


__all__ = ["when_id"]


def staff_tokens(people: list[Staff], at: datetime | None = None) -> dict[str, dict]:
    """Each person's API token expiry for the People page: until when, and whether it ends soon."""
    from ..domain.workspace import staff_token_state

    at = at or now()
    return {p.staff_id: {"until": when_id(p.token_expires_at), "state": staff_token_state(p.token_expires_at, at)}
            for p in people if p.token_expires_at is not None}
