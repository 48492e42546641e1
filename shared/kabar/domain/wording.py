"""The words people read: one date and time style, and names instead of codes.

Every page and email says a moment as ``2 Desember 2026, 09.44 WIB`` (Asia/Jakarta), a day as
``2 Desember 2026``, a channel, a procedure or a state by its name, never by the code the system
keeps (``social``, ``static_site``, ``published``, an ISO time). Templates reach these as Jinja
filters (``web.py``): ``waktu``, ``tanggal``, ``kanal``, ``prosedur``, ``keputusan``.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from html import unescape

from .clock import MONTHS_ID, long_date_id, to_wib
from .text import Bilingual, t


def when_id(moment: datetime | str | None) -> str:
    """``2 Desember 2026, 09.44 WIB``: the one way people read a date and time."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    local = to_wib(moment)
    return f"{local.day} {MONTHS_ID[local.month - 1]} {local.year}, {local:%H.%M} WIB"


def day_id(day: date | datetime | str | None) -> str:
    """``2 Desember 2026``."""
    if day is None or day == "":
        return ""
    if isinstance(day, str):
        day = date.fromisoformat(day[:10])
    if isinstance(day, datetime):
        day = to_wib(day).date()
    return long_date_id(day)


#: channels as a village office names them
CHANNELS = {"facebook": "Facebook", "instagram": "Instagram", "youtube": "YouTube",
            "static_site": "Situs web kalurahan", "wordpress": "Situs web (WordPress)",
            "direct": "langsung", "whatsapp": "WhatsApp", "x": "X (Twitter)"}

#: the SOP's two procedures
PROCEDURES = {"social": t("Media sosial", "Social media"), "website": t("Website", "Website")}

#: what a PPID decision is called (the SOP's own words first)
DECISIONS = {"approve": t("TERIMA", "approved"), "reject": t("TOLAK", "rejected"),
             "revise": t("KOREKSI", "correction asked")}

#: a draft's state in words
DRAFT_STATES = {
    "in_review": t("menunggu keputusan PPID", "waiting for the PPID's decision"),
    "approved": t("TERIMA, menunggu terbit", "approved, to be published"),
    "rejected": t("TOLAK", "rejected"),
    "revision_requested": t("KOREKSI, diperbaiki admin", "correction asked, the admin is revising"),
    "superseded": t("diganti versi baru", "replaced by a newer version"),
    "published": t("TERIMA, sudah terbit", "approved, online"),
}


def channel_name(channel: str) -> str:
    return CHANNELS.get(channel, channel.replace("_", " ").capitalize())


def procedure_name(procedure: object) -> str:
    code = getattr(procedure, "value", procedure)
    return PROCEDURES[str(code)].id if str(code) in PROCEDURES else str(code).replace("_", " ")


def draft_state(status: object) -> Bilingual:
    code = str(getattr(status, "value", status))
    return DRAFT_STATES.get(code, t(code.replace("_", " "), code.replace("_", " ")))


def filters() -> dict:
    """The Jinja filters every template may use."""
    return {"waktu": when_id, "tanggal": day_id, "kanal": channel_name, "prosedur": procedure_name,
            "keadaan": draft_state}


# --- what must never reach a reader -----------------------------------------------------------

_SCRIPT = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]*>")
_URL = re.compile(r"\b(?:https?|mailto)://\S+|\bwww\.\S+|/[\w./%~?=&#-]*[\w/]")
#: an ISO date-time, or a bare ISO date (a reader gets "2 Desember 2026")
ISO_TIME = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?\b")
#: the codes the system keeps, seen as words: a snake_case identifier, a code standing alone
#: (``published`` in a badge, "(social, versi 1)", "social: terbit"), a template's leftovers
def _system_codes() -> set[str]:
    """Every code of the system's own vocabularies with an underscore (states, kinds, channels, reasons)."""
    from enum import StrEnum

    from . import models

    codes = {str(m.value) for v in vars(models).values()
             if isinstance(v, type) and issubclass(v, StrEnum) and v is not StrEnum for m in v}
    codes |= set(CHANNELS) | {"type_unknown", "not_for_publication", "personal_data", "waiting_admin"}
    return {c for c in codes if "_" in c}


SNAKE = re.compile(r"\b(?:" + "|".join(sorted(_system_codes(), key=len, reverse=True)) + r")\b")
CODE_WORDS = ("social", "website", "static_site", "published", "approved", "rejected", "pending", "failed",
              "superseded", "in_review", "revision_requested", "expected", "received", "refused", "complete")
#: a code as the whole text of an element (a badge, a cell): ``<strong>published</strong>``
ALONE = re.compile(r"^[ \t]*(" + "|".join(CODE_WORDS) + r")[ \t]*[.,]?[ \t]*$", re.M)
#: a procedure's code in a sentence: "(social, versi 1)", "social: terbit", "Media sosial \u00b7 website"
PROCEDURE_CODE = re.compile(r"(?:^|[(\u00b7\u2013,]\s*)(social|website|static_site)(?=\s*[,:)\u00b7])", re.M)
LEFTOVERS = re.compile(r"\{\{|\}\}|\bNone\b|\bTrue\b|\bFalse\b")


def visible_text(markup: str) -> str:
    """What a person reads of a page or an email: no scripts, styles, tags, attributes or links."""
    text = _SCRIPT.sub(" ", markup)
    text = _TAG.sub("\n", text)  # each element's text on its own line: a code alone is seen alone
    return _URL.sub(" ", unescape(text))


#: an English alternative beside the Indonesian (``tr()`` in the workspace, ``<span class="en">``): its
#: words may be the English of a state ("published"), which is no code there
_ENGLISH = re.compile(r"<(\w+)\b[^>]*(?:data-l=\"en\"|class=\"en\"|lang=\"en\")[^>]*>.*?</\1>", re.S)


def raw_codes(markup: str) -> list[str]:
    """The codes and ISO times a reader would see in ``markup`` (a page, an email's text or HTML)."""
    text = visible_text(markup)
    words = visible_text(_ENGLISH.sub(" ", markup))
    found = [m.group(0) for m in ISO_TIME.finditer(text)]
    found += [m.group(0) for m in SNAKE.finditer(text)]
    found += [m.group(1) for m in ALONE.finditer(words)]
    found += [m.group(1) for m in PROCEDURE_CODE.finditer(words)]
    found += [m.group(0) for m in LEFTOVERS.finditer(text)]
    return found
