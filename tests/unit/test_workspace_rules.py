"""The workspace's pure rules: clocks, who reads which village, session expiry, formula-safe cells."""

from datetime import datetime, timedelta

from kabar.domain.clock import WIB
from kabar.domain.models import Contact, Role, Staff, Village
from kabar.domain.workspace import (
    SESSION_ABSOLUTE,
    SESSION_IDLE,
    ClockState,
    may_act,
    may_read_village,
    read_clock,
    session_expires,
    when_id,
)

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=WIB)


def village(vid: str, kabupaten: str) -> Village:
    contact = Contact(name="x", email="x@desa.id")
    return Village(id=vid, name=vid.title(), kabupaten=kabupaten, reviewers=[contact], admins=[contact])


def staff(role: Role, tenant: str = "purwobinangun") -> Staff:
    return Staff(tenant_id=tenant, staff_id="a" * 12, role=role, name="A", email="a@desa.id", created_at=T0)


def test_a_clock_is_on_time_then_near_its_last_quarter_then_late():
    due = T0 + timedelta(hours=1)
    assert read_clock("keputusan", T0, due, T0 + timedelta(minutes=10)).state is ClockState.ON_TIME
    assert read_clock("keputusan", T0, due, T0 + timedelta(minutes=45)).state is ClockState.NEAR
    late = read_clock("keputusan", T0, due, T0 + timedelta(minutes=61))
    assert late.state is ClockState.LATE and late.minutes_left < 0
    assert read_clock("keputusan", T0, due, T0 + timedelta(hours=3), done_at=T0 + timedelta(minutes=50)).state \
        is ClockState.DONE
    assert read_clock("keputusan", T0, due, T0, done_at=T0 + timedelta(minutes=70)).state is ClockState.DONE_LATE


def test_only_the_regency_supervisor_reads_other_villages_and_only_of_the_same_kabupaten():
    home, neighbour, far = village("purwobinangun", "Sleman"), village("candibinangun", "Sleman"), \
        village("wonokerto", "Bantul")
    assert may_read_village(staff(Role.SUPERVISOR), home, neighbour)
    assert not may_read_village(staff(Role.SUPERVISOR), home, far)
    assert not may_read_village(staff(Role.ADMIN), home, neighbour)
    assert may_read_village(staff(Role.ADMIN), home, home)
    assert not may_read_village(staff(Role.SUPERVISOR), village("purwobinangun", ""), village("candibinangun", ""))


def test_only_the_admin_acts():
    assert may_act(Role.ADMIN)
    assert not any(may_act(r) for r in (Role.SUPERVISOR, Role.REVIEWER, Role.SUBMITTER))


def test_a_session_ends_when_idle_or_at_its_absolute_limit():
    assert session_expires(T0, T0) == T0 + SESSION_IDLE
    used_lately = T0 + SESSION_ABSOLUTE - timedelta(hours=1)
    assert session_expires(T0, used_lately) == T0 + SESSION_ABSOLUTE


def test_dates_read_as_a_village_office_writes_them():
    assert when_id(datetime(2026, 12, 2, 2, 44, tzinfo=WIB) + timedelta(hours=7)) == "2 Desember 2026, 09.44 WIB"
