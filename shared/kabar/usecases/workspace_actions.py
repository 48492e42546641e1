"""What the admin does from the workspace. Each action goes through the use case that already owns it
(the correction through ``revision``, publishing again through ``publication.republish``) and is
written to the audit trail with who did it. Only a village's own admin acts; everyone else is refused.
"""

from __future__ import annotations

import re
from datetime import datetime

from aws_lambda_powertools import Logger

from ..domain import sop
from ..domain.clock import long_date_id, now
from ..domain.errors import Conflict, InvalidInput, NotFound
from ..domain.models import Contact, Procedure, Role, Staff, Village
from ..domain.text import t
from ..domain.tokens import new_token, token_hash
from ..domain.workspace import may_act
from ..services import Services
from .notices import promised
from .sessions import audit, sign_in_notice

logger = Logger(child=True)


class NotAllowed(Conflict):
    """Reading is fine, acting is not (the regency supervisor, a reviewer, a submitter)."""

    status = 403
    code = "forbidden"

    def __init__(self) -> None:
        super().__init__(t("Peran Anda hanya dapat melihat, tidak dapat mengubah.",
                           "Your role can read but not change anything."))


def require_actor(staff: Staff, village: Village) -> None:
    """Only the village's own admin acts; another village's admin never reaches here (404 before)."""
    if not may_act(staff.role) or staff.tenant_id != village.id:
        raise NotAllowed()


def _procedure(value: str) -> Procedure:
    if value not in {p.value for p in Procedure}:
        raise NotFound("draft")
    return Procedure(value)


# --- the draft ------------------------------------------------------------------------------------

def edit_draft(staff: Staff, village: Village, submission_id: str, procedure: str, form: dict[str, list[str]],
               svc: Services, at: datetime | None = None) -> dict:
    """The admin's edit, stored as the next version and sent to the PPID (the existing revision use case)."""
    at = at or now()
    require_actor(staff, village)
    proc = _procedure(procedure)
    from . import revision  # the correction path only: not at every workspace page's cold start

    latest = svc.store.get_draft(village.id, submission_id, proc)

    def one(name: str) -> str | None:
        values = form.get(name)
        return values[0].replace("\r\n", "\n") if values else None

    fields: dict = {"version": int(one("version") or 0), "note": (one("note") or "").strip() or None}
    for name in ("title", "lead", "caption", "article"):
        value = one(name)
        if value is None:
            continue
        current = {"title": latest.title, "lead": latest.lead, "caption": latest.caption,
                   "article": revision.plain(latest.article_html)}[name]
        if value.strip() != current.strip():
            fields[name] = value
    if proc is Procedure.SOCIAL:
        from .workspace_pages import photo_choices

        shown = [k for k, _ in photo_choices(latest, svc.store.list_assets(village.id, submission_id))]
        chosen = _photo_order(form, shown)
        if chosen is not None and chosen != latest.photo_keys:
            fields["photo_keys"] = chosen
        cover = one("cover")
        if cover and cover != "keep":
            fields["graphic_key"] = _draw_cover(village, submission_id, latest, cover, svc)
    request = revision.RevisionRequest.model_validate(fields)
    result = revision.revise_draft(staff, submission_id, proc.value, request, svc, at)
    audit(svc, staff, village.id, "correction_sent", f"draft:{proc.value}:v{result['version']}", at,
          note=", ".join(result["changed"]), submission_id=submission_id)
    return result


def _photo_order(form: dict[str, list[str]], current: list[str]) -> list[str] | None:
    """Checked photos, by the position typed beside each (ties keep the current order)."""
    keys = form.get("photo")
    if keys is None:
        return None
    def position(key: str) -> tuple[float, int]:
        index = current.index(key) if key in current else len(current)
        raw = (form.get(f"pos-{index}") or [""])[0].strip()
        return (float(raw) if re.fullmatch(r"\d{1,2}", raw) else index + 1, index)
    return sorted(dict.fromkeys(keys), key=position)


def _draw_cover(village: Village, submission_id: str, latest, photo_key: str, svc: Services) -> str:  # noqa: ANN001
    """A new cover graphic drawn on the chosen photo, stored beside the draft's other files."""
    from ..domain.graphic import make_cover

    if photo_key not in latest.photo_keys and not photo_key.startswith(f"{village.id}/{submission_id}/"):
        raise InvalidInput(t("Sampul harus salah satu foto draf.", "The cover must be one of the draft's photos."))
    submission = svc.store.get_submission(village.id, submission_id)
    from .village_logo import village_logo

    logo = village_logo(village, svc)
    cover = make_cover(svc.media.get(photo_key), latest.title, village.name, long_date_id(submission.activity.date),
                       logo=logo)
    key = f"{village.id}/{submission_id}/drafts/social-v{latest.version + 1}-cover.jpg"
    svc.media.put(key, cover, "image/jpeg")
    return key


def publish_again(staff: Staff, village: Village, submission_id: str, procedure: str,
                  svc: Services, at: datetime | None = None) -> list[str]:
    """After a failed channel was fixed: the existing ``kabar publish retry`` logic."""
    from .publication import republish

    require_actor(staff, village)
    proc = _procedure(procedure)
    svc.store.get_submission(village.id, submission_id)  # NotFound for a foreign or unknown id
    return republish(village.id, submission_id, proc, f"admin:{staff.email}", channel=None, svc=svc, at=at)


def ask_for_file(staff: Staff, village: Village, submission_id: str, names: list[str], message: str,
                 svc: Services, at: datetime | None = None) -> str:
    """Email the submitter for a missing or replacement file."""
    at = at or now()
    require_actor(staff, village)
    submission = svc.store.get_submission(village.id, submission_id)
    known = {a.name for a in svc.store.list_assets(village.id, submission_id)}
    files = [n for n in names if n in known] or [t("Berkas tambahan", "An additional file").id]
    message = message.strip()[:2000]
    context = {"village": village, "submission": submission, "admin": staff, "files": files, "message": message,
               "activity_date": long_date_id(submission.activity.date)}
    notices = promised(village.id, "file_request", f"files:{at.isoformat()}", [submission.submitter_email],
                       f"[Kabar {village.name}] Mohon kirim berkas: {submission.activity.title}",
                       "email/file_request", context,
                       submission_id=submission_id, reply_to=(str(staff.email),))
    audit(svc, staff, village.id, "file_requested", f"submission:{submission_id}", at, note="; ".join(files),
          submission_id=submission_id, notices=notices)
    return submission.submitter_email


# --- people ---------------------------------------------------------------------------------------

def add_person(staff: Staff, village: Village, role: str, name: str, email: str,
               svc: Services, at: datetime | None = None) -> Staff:
    """A new person of this village; their personal sign-in link is emailed (made when it is sent)."""
    from .staff import add_staff

    at = at or now()
    require_actor(staff, village)
    if role not in (Role.SUBMITTER.value, Role.ADMIN.value, Role.REVIEWER.value):
        raise InvalidInput(t("Peran tidak dikenal.", "Unknown role."))
    contact = Contact(name=name.strip()[:120] or "-", email=email.strip())
    person, _token = add_staff(village.id, role, contact.name, str(contact.email), svc)
    audit(svc, staff, village.id, "person_added", f"staff:{person.staff_id}", at, note=f"{role} {contact.email}",
          notices=[sign_in_notice(person, at)])
    return person


def _person(village: Village, staff_id: str, svc: Services) -> Staff:
    if not re.fullmatch(r"[0-9a-f]{12}", staff_id or ""):
        raise NotFound("staff")
    person = svc.store.get_staff(village.id, staff_id)
    if person is None:
        raise NotFound("staff")
    return person


def revoke_person(staff: Staff, village: Village, staff_id: str, svc: Services,
                  at: datetime | None = None) -> Staff:
    at = at or now()
    require_actor(staff, village)
    person = _person(village, staff_id, svc)
    if person.staff_id == staff.staff_id:
        raise InvalidInput(t("Anda tidak dapat mencabut akses Anda sendiri.", "You cannot revoke yourself."))
    svc.store.revoke_staff(person, at)
    audit(svc, staff, village.id, "person_revoked", f"staff:{person.staff_id}", at, note=str(person.email))
    return person


def rotate_person(staff: Staff, village: Village, staff_id: str, svc: Services,
                  at: datetime | None = None) -> Staff:
    """Everything issued to the person before stops working; a fresh sign-in link is emailed."""
    at = at or now()
    require_actor(staff, village)
    person = _person(village, staff_id, svc)
    if person.revoked_at is not None:
        raise InvalidInput(t("Akses orang ini sudah dicabut.", "This person's access is revoked."))
    rotated = svc.store.rotate_staff(person, token_hash(new_token(village.id)))
    audit(svc, staff, village.id, "person_rotated", f"staff:{person.staff_id}", at, note=str(person.email),
          notices=[sign_in_notice(rotated, at)])
    return rotated


def add_deputy(staff: Staff, village: Village, name: str, email: str, svc: Services,
               at: datetime | None = None) -> Village:
    """A deputy reviewer: gets the review link when the PPID's hour is over (the SLA watch)."""
    at = at or now()
    require_actor(staff, village)
    deputy = Contact(name=name.strip()[:120] or "-", email=email.strip())
    if any(str(d.email).lower() == str(deputy.email).lower() for d in village.deputy_reviewers):
        return village
    updated = village.model_copy(update={"deputy_reviewers": [*village.deputy_reviewers, deputy]})
    svc.store.put_village(updated)
    audit(svc, staff, village.id, "deputy_added", "village:deputy_reviewers", at, note=str(deputy.email))
    return updated


def send_draft_to_ppid(staff: Staff, village: Village, submission_id: str, procedure: str,
                       svc: Services, at: datetime | None = None) -> int:
    """Admin review before the PPID: the admin sends the newest version on."""
    from .admin_review import send_to_ppid

    require_actor(staff, village)
    return send_to_ppid(staff, village, submission_id, _procedure(procedure), svc, at)


def set_admin_review(staff: Staff, village: Village, on: bool, svc: Services,
                     at: datetime | None = None) -> Village:
    """The village's option "admin review before the PPID" (SOP step 2)."""
    at = at or now()
    require_actor(staff, village)
    if village.admin_review_first == on:
        return village
    updated = village.model_copy(update={"admin_review_first": on})
    svc.store.put_village(updated)
    audit(svc, staff, village.id, "setting_changed", "village:admin_review_first", at,
          from_state=str(village.admin_review_first).lower(), to_state=str(on).lower())
    return updated


#: the marker of the read-only probe "test connection" asks each channel for (never a real post)
PROBE_MARKER = "kabar-connection-test"


def test_connection(staff: Staff, village: Village, procedure: str, index: int, svc: Services,
                    at: datetime | None = None) -> tuple[bool, str]:
    """Ask one channel, read-only, for a post that does not exist: it proves the credentials and the
    address work without publishing anything. Returns (ok, what the channel said)."""
    from ..ports import ChannelPost

    at = at or now()
    require_actor(staff, village)
    configs = village.channels.get(_procedure(procedure)) or []
    if not 0 <= index < len(configs):
        raise NotFound("channel")
    config = configs[index]
    probe = ChannelPost(tenant_id=village.id, marker=PROBE_MARKER, title="-", text="-", lead="-", photo_urls=(),
                        photo_keys=(), graphic_key=None, video_key=None, link=None,
                        activity_date=at.date().isoformat(), location="-", slug=PROBE_MARKER)
    try:
        channel = svc.channels.build(config, village)
        # Meta's channels can only be asked for a post they can name; the token inspecting itself reaches
        # the API with the same credentials (a refused token raises), so it is the read-only probe there
        debug_token = getattr(channel, "debug_token", None)
        upload_check = getattr(channel, "upload_check", None)
        whoami = getattr(channel, "whoami", None)
        said = ""
        if callable(debug_token):
            debug_token()
        elif callable(upload_check):
            said = upload_check()  # YouTube: an upload session opened, nothing uploaded
        elif callable(whoami):
            said = _wordpress_may_publish(whoami())  # WordPress: upload media, create the category, publish
        else:
            channel.find(probe)
        ok = True
    except Exception as err:  # noqa: BLE001 - every failure is what the admin needs to see
        ok, said = False, str(err)[:500]
    audit(svc, staff, village.id, "connection_tested", f"channel:{config.type}", at,
          to_state="ok" if ok else "failed", note=said or None)
    return ok, said


def _wordpress_may_publish(me: dict) -> str:
    """What the WordPress account may do, in words; raises naming what is missing."""
    from .wordpress_connect import REQUIRED, ConnectRefused, _explain_missing

    capabilities = me.get("capabilities") or {}
    missing = [c for c in REQUIRED if not capabilities.get(c[0])]
    if missing:
        raise ConnectRefused(_explain_missing(str(me.get("username") or me.get("slug") or "-"),
                                              tuple(me.get("roles") or []), missing))
    return str(t("Akun dapat mengunggah foto, membuat kategori, dan menerbitkan berita.",
                 "The account may upload photos, create categories and publish posts."))


def rebuild_report(staff: Staff, village: Village, month: str, svc: Services,
                   at: datetime | None = None) -> None:
    """One report job for this village and month on the report queue (the monthly-report function builds
    HTML, PDF and XLSX again and emails the recipients when the content changed)."""
    at = at or now()
    require_actor(staff, village)
    if not re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", month or ""):
        raise NotFound("report")
    svc.report_queue.send_all([{"tenant_id": village.id, "month": month}])
    audit(svc, staff, village.id, "report_rebuilt", f"report:{month}", at)


def _contacts(text: str) -> list[Contact]:
    """One person a line: ``Name <email>`` or ``email``."""
    out = []
    for line in text.replace("\r\n", "\n").split("\n"):
        line = line.strip()
        if not line:
            continue
        match = re.fullmatch(r"(.*?)\s*<([^<>\s]+)>", line)
        name, email = (match.group(1).strip(), match.group(2)) if match else ("", line)
        out.append(Contact(name=name or email.split("@")[0], email=email))
    return out


def update_settings(staff: Staff, village: Village, form: dict[str, list[str]], svc: Services,
                    at: datetime | None = None) -> Village:
    """Hashtags, publication time, reviewers, report recipients and the undo window of a TERIMA; what
    changed goes on the audit trail."""
    from datetime import time

    at = at or now()
    require_actor(staff, village)

    def one(name: str) -> str:
        return (form.get(name) or [""])[0].strip()

    raw_time = one("publish_time")
    if raw_time and not re.fullmatch(r"([01]\d|2[0-3])[.:][0-5]\d", raw_time):
        raise InvalidInput(t("Jam terbit harus berbentuk JJ.MM, misalnya 08.00, atau kosong.",
                             "The publication time must look like HH.MM, e.g. 08.00, or be empty."))
    publish_time = time(int(raw_time[:2]), int(raw_time[3:])) if raw_time else None
    reviewers = _contacts(one("reviewers"))
    if not reviewers:
        raise InvalidInput(t("Minimal satu PPID.", "At least one reviewer (PPID)."))
    undo_minutes = _undo_minutes(one("undo_minutes"))
    updated = Village.model_validate({**village.model_dump(), "hashtags": one("hashtags").split(),
                                      "publish_time": publish_time, "reviewers": reviewers,
                                      "report_recipients": _contacts(one("report_recipients")),
                                      "undo_minutes": undo_minutes})
    changed = [k for k in ("hashtags", "publish_time", "reviewers", "report_recipients")
               if getattr(updated, k) != getattr(village, k)]
    undo_changed = updated.undo_minutes != village.undo_minutes
    if not changed and not undo_changed:
        return village
    svc.store.put_village(updated)
    if changed:
        audit(svc, staff, village.id, "setting_changed", "village:" + ",".join(changed), at, note=", ".join(changed))
    if undo_changed:  # its own entry, as the admin-review switch: from and to (minutes; none = the default)
        audit(svc, staff, village.id, "setting_changed", "village:undo_minutes", at,
              from_state=None if village.undo_minutes is None else str(village.undo_minutes),
              to_state=None if undo_minutes is None else str(undo_minutes))
    return updated


#: the undo window of a TERIMA in whole minutes, as the settings page offers it: the SOP's default and most
UNDO_MINUTES_DEFAULT = int(sop.JENDELA_URUNGKAN_BAKU.total_seconds() // 60)
UNDO_MINUTES_MOST = int(sop.JENDELA_URUNGKAN_MAKS.total_seconds() // 60)


def _undo_minutes(raw: str) -> int | None:
    """A TERIMA's undo window as the admin wrote it: whole minutes up to ``sop.JENDELA_URUNGKAN_MAKS``, or
    empty for the default (``sop.jendela_urungkan``; publication never waits past H+1 either way)."""
    if not raw:
        return None
    if not re.fullmatch(r"\d{1,3}", raw) or int(raw) > UNDO_MINUTES_MOST:
        raise InvalidInput(t(f"Jendela urungkan harus bilangan bulat 0 sampai {UNDO_MINUTES_MOST} menit, atau "
                             f"kosong (bawaan {UNDO_MINUTES_DEFAULT} menit).",
                             f"The undo window must be a whole number of minutes from 0 to {UNDO_MINUTES_MOST}, "
                             f"or empty (the default, {UNDO_MINUTES_DEFAULT} minutes)."))
    return int(raw)
