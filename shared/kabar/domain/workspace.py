"""The admin's workspace (/app/): who may do what, how long a sign-in lasts, and how an SOP clock reads.

Pure rules: no clock of its own, no AWS. The limits themselves stay in ``sop.py``; here is only how
the workspace shows them (on time, near the limit, late).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .clock import to_wib
from .models import Role, Staff, Village
from .wording import when_id  # noqa: F401 - the one date style (wording.py), named here for the workspace

#: a personal sign-in link (sent or printed) works once, within this time
SIGN_IN_LINK_TTL = timedelta(hours=72)
#: a session ends after this long without a request ...
SESSION_IDLE = timedelta(hours=12)
#: ... and in any case this long after signing in
SESSION_ABSOLUTE = timedelta(days=7)
#: the session's "last seen" is written at most this often (one write per request would be wasteful)
SESSION_TOUCH_EVERY = timedelta(minutes=5)
#: a clock is "near the limit" when this share of its time or less is left
NEAR_SHARE = 0.25

#: roles that may sign in to the workspace, and those that may act there (the supervisor only reads)
WORKSPACE_ROLES = frozenset({Role.ADMIN, Role.REVIEWER, Role.SUPERVISOR, Role.SUBMITTER})
ACTING_ROLES = frozenset({Role.ADMIN})

ROLE_LABEL = {
    Role.SUBMITTER: ("Pelaksana kegiatan", "Activity officer"),
    Role.ADMIN: ("Admin media sosial / website", "Social media / website admin"),
    Role.REVIEWER: ("PPID", "PPID (reviewer)"),
    Role.SUPERVISOR: ("Pengawas kabupaten", "Regency supervisor"),
}


def may_act(role: Role) -> bool:
    """Only the village's admin changes anything from the workspace; everyone else reads."""
    return role in ACTING_ROLES


def may_read_village(staff: Staff, home: Village, target: Village) -> bool:
    """A person reads their own village; the regency supervisor every village of the same kabupaten."""
    if target.id == staff.tenant_id:
        return True
    return (staff.role is Role.SUPERVISOR and bool(home.kabupaten)
            and home.kabupaten.casefold() == target.kabupaten.casefold())


def session_expires(created_at: datetime, last_seen_at: datetime) -> datetime:
    """The instant a session stops working: idle or absolute, whichever comes first."""
    return min(to_wib(last_seen_at) + SESSION_IDLE, to_wib(created_at) + SESSION_ABSOLUTE)


class ClockState(StrEnum):
    ON_TIME = "on_time"  # tepat waktu
    NEAR = "near"  # mendekati batas
    LATE = "late"  # terlambat
    DONE = "done"  # selesai tepat waktu
    DONE_LATE = "done_late"  # selesai terlambat


CLOCK_LABEL = {
    ClockState.ON_TIME: ("Tepat waktu", "On time"),
    ClockState.NEAR: ("Mendekati batas", "Near the limit"),
    ClockState.LATE: ("Terlambat", "Late"),
    ClockState.DONE: ("Selesai tepat waktu", "Done on time"),
    ClockState.DONE_LATE: ("Selesai terlambat", "Done late"),
}


@dataclass(frozen=True)
class Clock:
    """One SOP clock of one item, as the dashboard shows it."""

    step: str  # "draf", "keputusan", ...
    started_at: datetime
    due: datetime
    state: ClockState
    minutes_left: int  # negative when late


def read_clock(step: str, started_at: datetime, due: datetime, at: datetime, done_at: datetime | None = None) -> Clock:
    """Where a clock stands at ``at``: on time, near the limit (a quarter of its time or less left), late."""
    started, due, at = to_wib(started_at), to_wib(due), to_wib(at)
    left = due - at
    if done_at is not None:
        state = ClockState.DONE_LATE if to_wib(done_at) > due else ClockState.DONE
    elif left < timedelta(0):
        state = ClockState.LATE
    elif left <= (due - started) * NEAR_SHARE:
        state = ClockState.NEAR
    else:
        state = ClockState.ON_TIME
    return Clock(step=step, started_at=started, due=due, state=state, minutes_left=int(left.total_seconds() // 60))



#: a staff member's API token is shown as ending soon this long before it expires
STAFF_TOKEN_NEAR = timedelta(days=14)


def staff_token_state(expires_at: datetime | None, at: datetime) -> str | None:
    """A personal API token's standing: ``valid``, ``near`` (ends within ``STAFF_TOKEN_NEAR``), ``expired``;
    None for a token made before tokens expired."""
    if expires_at is None:
        return None
    if to_wib(expires_at) <= to_wib(at):
        return "expired"
    return "near" if to_wib(expires_at) - to_wib(at) <= STAFF_TOKEN_NEAR else "valid"
