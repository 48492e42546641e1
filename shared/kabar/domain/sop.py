"""The SOP (Purwobinangun 480/01), one rule per function, named as the SOP names it.

Procedure A is social media, procedure B the website. Each rule here is the only place it lives;
the API, intake, the SLA watch and the report all call these.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from pydantic import BaseModel

from .clock import end_of_day, to_wib
from .models import DeclaredFile, FileKind, Procedure
from .text import Bilingual, t


class Kelengkapan(BaseModel):
    """Required items ("kelengkapan") of step 1 of a procedure."""

    min_photos: int
    narrative: bool
    video: bool


#: Step 1, "kelengkapan": A needs at least 4 photos, the narrative and a video;
#: B needs at least 4 photos and the narrative.
KELENGKAPAN: dict[Procedure, Kelengkapan] = {
    Procedure.SOCIAL: Kelengkapan(min_photos=4, narrative=True, video=True),
    Procedure.WEBSITE: Kelengkapan(min_photos=4, narrative=True, video=False),
}

#: The shortest narrative that still tells what happened (one or two real sentences).
MIN_NARRATIVE_CHARS = 40

PROCEDURE_NAME = {
    Procedure.SOCIAL: t("media sosial", "social media"),
    Procedure.WEBSITE: t("website", "website"),
}


class Shortfall(BaseModel):
    """One missing required item, with the field it concerns and a bilingual message."""

    field: str
    code: str
    message: Bilingual


def check_kelengkapan(
    procedures: Iterable[Procedure], narrative: str, files: Iterable[DeclaredFile]
) -> list[Shortfall]:
    """Step 1: does the hand-over hold every required item of each chosen procedure?"""
    files = list(files)
    photos = sum(1 for f in files if f.kind is FileKind.PHOTO)
    videos = sum(1 for f in files if f.kind is FileKind.VIDEO)
    shortfalls: list[Shortfall] = []
    chosen = list(dict.fromkeys(procedures))
    if not chosen:
        shortfalls.append(Shortfall(field="channels", code="no_procedure", message=t(
            "Pilih minimal satu tujuan: media sosial dan/atau website.",
            "Choose at least one target: social media and/or website.")))
        return shortfalls
    need_photos = max(KELENGKAPAN[p].min_photos for p in chosen)
    if photos < need_photos:
        missing = need_photos - photos
        shortfalls.append(Shortfall(field="files", code="photos_missing", message=t(
            f"Kurang {missing} foto: SOP mewajibkan minimal {need_photos} foto kegiatan.",
            f"{missing} photo(s) missing: the SOP requires at least {need_photos} photos.")))
    if any(KELENGKAPAN[p].narrative for p in chosen) and len(narrative.strip()) < MIN_NARRATIVE_CHARS:
        shortfalls.append(Shortfall(field="narrative", code="narrative_missing", message=t(
            f"Narasi kegiatan wajib diisi (minimal {MIN_NARRATIVE_CHARS} karakter).",
            f"The activity narrative is required (at least {MIN_NARRATIVE_CHARS} characters).")))
    if any(KELENGKAPAN[p].video for p in chosen) and videos < 1:
        shortfalls.append(Shortfall(field="files", code="video_missing", message=t(
            "Video wajib untuk media sosial.", "A video is required for social media.")))
    return shortfalls


# --- Time limits ("waktu") -------------------------------------------------------------------

#: Step 2: documentation is processed into drafts within 2 hours.
WAKTU_PROSES_DRAF = timedelta(hours=2)
#: Step 3: the reviewer (PPID) corrects, weighs and decides within 1 hour.
WAKTU_KEPUTUSAN = timedelta(hours=1)
#: Step 5 (social): comments and direct messages are answered within 1 day.
WAKTU_JAWABAN = timedelta(days=1)
#: Step 4: approved content is online by the end of day H plus this many days (H+1).
HARI_UNGGAH = 1
#: Step 6 (social) / 5 (website): the monthly report, in week 1 of the month.
HARI_LAPORAN = 7


def lama(span: timedelta) -> Bilingual:
    """A time limit in a village office's words: ``2 jam`` / ``2 hours``, ``1 hari`` / ``1 day``."""
    seconds = int(span.total_seconds())
    for size, id_unit, en_unit in ((86400, "hari", "day"), (3600, "jam", "hour"), (60, "menit", "minute")):
        if seconds >= size and seconds % size == 0:
            n = seconds // size
            return t(f"{n} {id_unit}", f"{n} {en_unit}{'s' if n != 1 else ''}")
    return t(f"{seconds} detik", f"{seconds} seconds")


#: The SOP's time limits as people read them (pages, emails, the report), made from the rules above,
#: so that a text never says a limit the rules do not keep.
BATAS_WAKTU: dict[str, Bilingual] = {
    "penyerahan": t("hari H", "day H"),
    "draf": lama(WAKTU_PROSES_DRAF),
    "keputusan": lama(WAKTU_KEPUTUSAN),
    "unggah": t(f"H+{HARI_UNGGAH}", f"H+{HARI_UNGGAH}"),
    "jawaban": lama(WAKTU_JAWABAN),
}


def batas_penyerahan(activity_date: date) -> datetime:
    """Step 1: documentation is handed over on day H, the day of the activity."""
    return end_of_day(activity_date)


def diserahkan_terlambat(handed_over_at: datetime, activity_date: date) -> bool:
    """Step 1: a hand-over registered after the end of day H is accepted but late."""
    return to_wib(handed_over_at) > batas_penyerahan(activity_date)


#: Step 1: an activity is documented on day H; a late hand-over is accepted, but an activity date more
#: than this many days back (or after today) is a typing mistake, not a late hand-over: the monthly
#: report of that month is already made.
HARI_TERLAMBAT_MAKS = 31


def tanggal_kegiatan_wajar(activity_date: date, handed_over_at: datetime) -> bool:
    """Step 1: the activity happened on day H, not after the hand-over's day and at most
    ``HARI_TERLAMBAT_MAKS`` days before it (its day taken in WIB)."""
    today = to_wib(handed_over_at).date()
    return today - timedelta(days=HARI_TERLAMBAT_MAKS) <= activity_date <= today


def batas_draf(completed_at: datetime) -> datetime:
    """Step 2: drafts are due 2 hours after the documentation is complete."""
    return to_wib(completed_at) + WAKTU_PROSES_DRAF


def batas_keputusan(draft_ready_at: datetime) -> datetime:
    """Step 3: the decision is due 1 hour after the draft is ready."""
    return to_wib(draft_ready_at) + WAKTU_KEPUTUSAN


def batas_unggah(activity_date: date) -> datetime:
    """Step 4: approved content is online by the end of H+1."""
    return end_of_day(activity_date + timedelta(days=HARI_UNGGAH))


#: Step 3 -> 4: a TERIMA can be taken back (urungkan) for a short while, and publication waits until
#: then: by default a few minutes, per village at most ``JENDELA_URUNGKAN_MAKS``, so an approved item is
#: still online long before H+1.
JENDELA_URUNGKAN_BAKU = timedelta(minutes=5)
JENDELA_URUNGKAN_MAKS = timedelta(minutes=30)


def jendela_urungkan(jendela: timedelta | None) -> timedelta:
    """Step 3 -> 4: the undo window of a TERIMA: the one asked for (``None``: the default), kept within
    0 and ``JENDELA_URUNGKAN_MAKS``."""
    wanted = JENDELA_URUNGKAN_BAKU if jendela is None else jendela
    return min(max(wanted, timedelta(0)), JENDELA_URUNGKAN_MAKS)


def batas_urungkan(decided_at: datetime, jendela: timedelta | None, activity_date: date) -> datetime:
    """Step 3 -> 4: until when a TERIMA may be undone (publication waits until then): the window after
    the decision, never past step 4's limit (``batas_unggah``, the end of H+1)."""
    return min(to_wib(decided_at) + jendela_urungkan(jendela), batas_unggah(activity_date))


def batas_jawaban(received_at: datetime) -> datetime:
    """Step 5 (social): a comment or message is answered within 1 day."""
    return to_wib(received_at) + WAKTU_JAWABAN


def batas_laporan(month: str) -> date:
    """Step 6/5: the report on ``month`` is due by the end of week 1 of the month after."""
    year, mon = (int(x) for x in month.split("-"))
    year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return date(year, mon, HARI_LAPORAN)


# --- TOLAK on one procedure of an activity that feeds both ------------------------------------

#: the one TOLAK reason that is about the activity itself, not about one draft's content
ALASAN_KEGIATAN_DITOLAK = "not_for_publication"


def tolak_seluruh_kegiatan(reason: str | None) -> bool:
    """Step 3: "kegiatan tidak untuk dipublikasikan" closes the whole activity: the other procedure's
    draft, decided or not, is withdrawn with it (what is already online stays, and the admin is told).
    Any other reason (exempt information, personal data, another) is about that draft's content: the
    other procedure goes on and is decided on its own."""
    return reason == ALASAN_KEGIATAN_DITOLAK


def pengajuan_ditutup(procedures: list[str], rejected: set[str]) -> bool:
    """The register entry is closed as rejected once every procedure it feeds was refused (TOLAK)."""
    return bool(procedures) and set(procedures) <= rejected


def is_late(moment: datetime | None, deadline: datetime) -> bool | None:
    """True when a step finished after its limit; None while it has not happened."""
    if moment is None:
        return None
    return to_wib(moment) > deadline


# --- step 3 for an activity that feeds both procedures ------------------------------------------

def draf_untuk_ppid(procedures: list[str], drafts: dict[str, str]) -> list[str] | None:
    """Step 3 as one decision page: the PPID weighs an activity's drafts together, in one email and on
    one page, each still decided on its own. ``drafts`` is each procedure's newest draft state
    (``in_review``, or ``waiting_admin`` while the admin looks first). Returns the procedures to decide
    now, or None while a procedure of the hand-over has no draft yet (the PPID is asked once it has)."""
    if any(p not in drafts for p in procedures):
        return None
    return [p for p in procedures if drafts[p] == "in_review"]
