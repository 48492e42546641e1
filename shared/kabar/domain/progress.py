"""One state per hand-over, as the submitter reads it: derived here once from the register entry, its
files, each procedure's newest draft and what is online, so no page shows "ditolak" beside "terbit"
or "lengkap, diproses admin" after publication."""

from __future__ import annotations

from pydantic import BaseModel

from .wording import procedure_name


class Progress(BaseModel):
    code: str  # for pages and tests to tell states apart; never shown
    id: str
    en: str


def keadaan_pengajuan(status: str, files_accepted: int, files_total: int, procedures: list[str],
                      drafts: dict[str, str], online: set[str]) -> Progress:
    """The one state of a submission. ``status`` is the register entry's (receiving, complete, rejected),
    ``drafts`` each procedure's newest draft state, ``online`` the procedures with something published."""
    names = {p: procedure_name(p) for p in procedures}
    if status == "receiving":
        return Progress(code="waiting_files", id="menunggu berkas", en="waiting for files")
    if online:
        live = [p for p in procedures if p in online]
        rest = [p for p in procedures if p not in online]
        if not rest:
            return Progress(code="online", id="sudah terbit", en="online")
        refused = [p for p in rest if drafts.get(p) == "rejected" or status == "rejected"]
        pending = [p for p in rest if p not in refused]
        live_id = ", ".join(names[p] for p in live)
        parts_id = [f"terbit: {live_id}"]
        parts_en = [f"online: {live_id}"]
        if refused:
            parts_id.append(", ".join(names[p] for p in refused) + " tidak diterbitkan")
            parts_en.append(", ".join(names[p] for p in refused) + " not published")
        if pending:
            parts_id.append(", ".join(names[p] for p in pending) + " masih diproses")
            parts_en.append(", ".join(names[p] for p in pending) + " still in progress")
        return Progress(code="partly_online", id="; ".join(parts_id), en="; ".join(parts_en))
    if status == "rejected" or (drafts and all(drafts.get(p) == "rejected" for p in procedures)):
        return Progress(code="refused", id="ditolak PPID, tidak diterbitkan", en="refused by the PPID, not published")
    open_states = [drafts.get(p) for p in procedures if drafts.get(p) != "rejected"]
    if any(s is None for s in open_states):
        return Progress(code="drafting", id="lengkap, draf sedang dibuat", en="complete, drafts being made")
    if "revision_requested" in open_states or "superseded" in open_states:
        return Progress(code="revising", id="diperbaiki admin atas koreksi PPID",
                        en="the admin is correcting it for the PPID")
    if "in_review" in open_states:
        return Progress(code="with_ppid", id="diperiksa PPID", en="with the PPID")
    return Progress(code="approved", id="disetujui PPID, menunggu terbit", en="approved, to be published")
