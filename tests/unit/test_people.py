"""People, tokens, sign-in links and sessions on the in-memory store (no AWS): a token works until it
expires, is revoked or rotated; a link signs in once; a session ends when idle, too old, or its person
is revoked; failed attempts are limited per client; each change is on the village's audit trail.

The same use cases against DynamoDB: tests/integration/test_staff_tokens.py, test_workspace_sessions.py."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kabar.domain.clock import WIB
from kabar.domain.errors import InvalidInput, NotFound, TooManyAttempts, Unauthorized
from kabar.domain.models import Contact, Role, Village
from kabar.domain.tokens import token_hash
from kabar.domain.workspace import SESSION_ABSOLUTE, SESSION_IDLE, SIGN_IN_LINK_TTL
from kabar.usecases import sessions, workspace_actions, workspace_pages
from kabar.usecases.audit import verify_trail
from kabar.usecases.staff import add_staff, authenticate, revoke_staff, rotate_staff
from tests.fakes import memory_services, settle

VILLAGE = "purwobinangun"
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=WIB)


@pytest.fixture
def svc():
    svc = memory_services()
    for vid in (VILLAGE, "candibinangun"):
        svc.store.put_village(Village(id=vid, name=f"Kalurahan {vid.title()}", kabupaten="Sleman",
                                      reviewers=[Contact(name="PPID", email=f"ppid@{vid}.desa.id")],
                                      admins=[Contact(name="Admin", email=f"admin@{vid}.desa.id")]))
    return svc


def token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


def staff_actions(svc) -> list[str]:
    return sorted(e.action for e in svc.store.submission_items(VILLAGE, "staff")["audit"])


# --- personal tokens ---------------------------------------------------------------------------------------

def test_a_token_works_for_its_role_until_it_expires(svc):
    staff, token = add_staff(VILLAGE, "admin", "Admin", "admin-x@purwobinangun.desa.id", svc=svc)
    assert authenticate(f"Bearer {token}", {Role.ADMIN}, svc=svc).staff_id == staff.staff_id
    with pytest.raises(Unauthorized):
        authenticate(f"Bearer {token}", {Role.REVIEWER}, svc=svc)  # not this role's
    with pytest.raises(Unauthorized):
        authenticate(f"Bearer {token}", {Role.ADMIN}, at=staff.token_expires_at + timedelta(seconds=1), svc=svc)
    with pytest.raises(NotFound):
        add_staff("no-such-village", "admin", "X", "x@desa.id", svc=svc)


def test_a_token_of_one_village_opens_nothing_in_another(svc):
    _, token = add_staff(VILLAGE, "admin", "Admin", "admin@purwobinangun.desa.id", svc=svc)
    forged = "candibinangun." + token.split(".", 1)[1]  # the same secret, claimed for another village
    with pytest.raises(Unauthorized):
        authenticate(f"Bearer {forged}", {Role.ADMIN}, svc=svc)


def test_revoke_and_rotate_end_the_old_token_and_are_audited_on_an_intact_chain(svc):
    staff, token = add_staff(VILLAGE, "admin", "Admin", "admin-y@purwobinangun.desa.id", svc=svc)
    rotated, fresh = rotate_staff(VILLAGE, "ADMIN-Y@purwobinangun.desa.id", actor="cli:lurah", svc=svc)
    assert fresh != token and rotated.staff_id == staff.staff_id
    with pytest.raises(Unauthorized):
        authenticate(f"Bearer {token}", {Role.ADMIN}, svc=svc)
    assert authenticate(f"Bearer {fresh}", {Role.ADMIN}, svc=svc).staff_id == staff.staff_id
    revoke_staff(VILLAGE, staff.staff_id, actor="cli:lurah", svc=svc)
    with pytest.raises(Unauthorized):
        authenticate(f"Bearer {fresh}", {Role.ADMIN}, svc=svc)
    assert staff_actions(svc) == ["staff_token_revoked", "staff_token_rotated"]
    assert verify_trail(VILLAGE, svc=svc).intact
    with pytest.raises(NotFound):
        revoke_staff(VILLAGE, "nobody@desa.id", svc=svc)


def test_failed_attempts_are_limited_per_client_and_the_lock_out_audited_once(svc):
    _, good = add_staff(VILLAGE, "admin", "Admin", "admin-z@purwobinangun.desa.id", svc=svc)
    limit = svc.settings.auth_failures_max
    wrong = f"Bearer {VILLAGE}." + "A" * 43
    for _ in range(limit):
        with pytest.raises(Unauthorized):
            authenticate(wrong, {Role.ADMIN}, client="203.0.113.7", at=T0, svc=svc)
    with pytest.raises(TooManyAttempts) as held:
        authenticate(f"Bearer {good}", {Role.ADMIN}, client="203.0.113.7", at=T0, svc=svc)  # even a good token
    assert 0 < held.value.retry_after <= svc.settings.auth_failure_window_seconds
    assert authenticate(f"Bearer {good}", {Role.ADMIN}, client="198.51.100.10", at=T0, svc=svc)  # another client
    later = T0 + timedelta(seconds=svc.settings.auth_failure_window_seconds)
    assert authenticate(f"Bearer {good}", {Role.ADMIN}, client="203.0.113.7", at=later, svc=svc)  # the next window
    assert staff_actions(svc) == ["token_attempts_limited"]


# --- sign-in links and sessions ----------------------------------------------------------------------------

@pytest.fixture
def admin(svc):
    return add_staff(VILLAGE, "admin", "Admin", "admin@purwobinangun.desa.id", svc=svc)


def test_a_link_signs_in_once_and_only_its_hash_is_stored(svc, admin):
    staff, _ = admin
    token = token_of(sessions.issue_sign_in_link(staff, svc=svc, at=T0))
    assert sessions.sign_in_page(token, svc=svc, at=T0) == staff  # looking changes nothing
    assert sessions.sign_in_page(token, svc=svc, at=T0) == staff
    cookie, session = sessions.sign_in(token, svc=svc, at=T0)
    assert sessions.sign_in(token, svc=svc, at=T0) is None
    assert svc.store.get_sign_in(VILLAGE, token) is None and svc.store.get_sign_in(VILLAGE, token_hash(token))
    assert svc.store.get_session(VILLAGE, cookie) is None and svc.store.get_session(VILLAGE, token_hash(cookie))
    assert sessions.current_session(cookie, svc=svc, at=T0).staff.staff_id == staff.staff_id
    assert sessions.csrf_ok(session, session.csrf) and not sessions.csrf_ok(session, session.csrf[:-1] + "x")
    assert [e.action for e in svc.store.workspace_audit(VILLAGE)] == ["signed_in"]
    sessions.sign_out(session, svc=svc, at=T0 + timedelta(minutes=1))
    assert sessions.current_session(cookie, svc=svc, at=T0 + timedelta(minutes=2)) is None
    assert [e.action for e in svc.store.workspace_audit(VILLAGE)] == ["signed_out", "signed_in"]


def test_an_expired_or_foreign_link_does_nothing(svc, admin):
    staff, _ = admin
    token = token_of(sessions.issue_sign_in_link(staff, at=T0, svc=svc))
    late = T0 + SIGN_IN_LINK_TTL + timedelta(seconds=1)
    assert sessions.sign_in_page(token, svc=svc, at=late) is None and sessions.sign_in(token, svc=svc, at=late) is None
    assert sessions.sign_in("candibinangun." + token.split(".", 1)[1], svc=svc, at=T0) is None
    assert sessions.sign_in("not-a-token", svc=svc, at=T0) is None


def test_a_session_ends_when_idle_and_at_its_absolute_limit(svc, admin):
    staff, _ = admin
    cookie, _ = sessions.sign_in(token_of(sessions.issue_sign_in_link(staff, at=T0, svc=svc)), at=T0, svc=svc)
    assert sessions.current_session(cookie, at=T0 + SESSION_IDLE - timedelta(minutes=1), svc=svc)
    # used just before going idle: the idle clock starts again from there
    assert sessions.current_session(cookie, at=T0 + SESSION_IDLE * 2 - timedelta(minutes=2), svc=svc)
    assert sessions.current_session(cookie, at=T0 + SESSION_ABSOLUTE + timedelta(minutes=1), svc=svc) is None
    cookie, _ = sessions.sign_in(token_of(sessions.issue_sign_in_link(staff, at=T0, svc=svc)), at=T0, svc=svc)
    assert sessions.current_session(cookie, at=T0 + SESSION_IDLE + timedelta(minutes=1), svc=svc) is None
    assert svc.store.get_session(VILLAGE, token_hash(cookie)) is None  # an ended session is removed


def test_revoking_ends_sessions_links_and_the_bearer_token(svc, admin):
    boss, _ = admin
    person, bearer = add_staff(VILLAGE, "reviewer", "PPID", "ppid2@purwobinangun.desa.id", svc=svc)
    pending = token_of(sessions.issue_sign_in_link(person, svc=svc, at=T0))
    cookie, _ = sessions.sign_in(token_of(sessions.issue_sign_in_link(person, svc=svc, at=T0)), svc=svc, at=T0)
    village = svc.store.get_village(VILLAGE)
    with pytest.raises(InvalidInput):
        workspace_actions.revoke_person(boss, village, boss.staff_id, svc=svc, at=T0)  # not oneself
    workspace_actions.revoke_person(boss, village, person.staff_id, svc=svc, at=T0)
    assert sessions.current_session(cookie, svc=svc, at=T0) is None
    assert sessions.sign_in(pending, svc=svc, at=T0) is None
    with pytest.raises(Unauthorized):
        authenticate(f"Bearer {bearer}", {Role.REVIEWER}, svc=svc, at=T0)
    entries = [(e.action, e.actor, e.subject) for e in svc.store.workspace_audit(VILLAGE)]
    assert ("person_revoked", "admin:admin@purwobinangun.desa.id", f"staff:{person.staff_id}") in entries
    with pytest.raises(InvalidInput):
        workspace_actions.rotate_person(boss, village, person.staff_id, svc=svc, at=T0)  # revoked: no new link


def test_rotating_emails_a_new_link_once_and_everything_issued_before_stops(svc, admin):
    boss, _ = admin
    person, bearer = add_staff(VILLAGE, "admin", "Dua", "dua@purwobinangun.desa.id", svc=svc)
    old_link = token_of(sessions.issue_sign_in_link(person, svc=svc, at=T0))
    cookie, _ = sessions.sign_in(token_of(sessions.issue_sign_in_link(person, svc=svc, at=T0)), svc=svc, at=T0)
    workspace_actions.rotate_person(boss, svc.store.get_village(VILLAGE), person.staff_id, svc=svc, at=T0)
    assert sessions.current_session(cookie, svc=svc, at=T0) is None
    assert sessions.sign_in(old_link, svc=svc, at=T0) is None
    with pytest.raises(Unauthorized):
        authenticate(f"Bearer {bearer}", {Role.ADMIN}, svc=svc, at=T0)
    settle(svc, T0)  # the promised email: sent, its link made at sending time
    settle(svc, T0)
    (mail,) = svc.mailer.to("dua@purwobinangun.desa.id")
    new_link = next(word for word in mail.text.split() if "/app/masuk/" in word)
    assert sessions.sign_in(token_of(new_link), svc=svc, at=T0) is not None


def test_a_link_promised_to_someone_revoked_before_it_went_out_is_not_sent(svc, admin):
    boss, _ = admin
    village = svc.store.get_village(VILLAGE)
    person = workspace_actions.add_person(boss, village, "reviewer", "Tiga", "tiga@purwobinangun.desa.id", svc=svc,
                                          at=T0)
    workspace_actions.revoke_person(boss, village, person.staff_id, svc=svc, at=T0)
    settle(svc, T0)
    assert svc.mailer.to("tiga@purwobinangun.desa.id") == []
    assert svc.store.pending_notices() == []  # skipped, never to be tried again


def test_only_the_villages_admin_acts(svc, admin):
    village = svc.store.get_village(VILLAGE)
    supervisor, _ = add_staff(VILLAGE, "supervisor", "Pengawas", "pengawas@slemankab.go.id", svc=svc)
    other_admin, _ = add_staff("candibinangun", "admin", "Lain", "admin@candibinangun.desa.id", svc=svc)
    for who in (supervisor, other_admin):
        with pytest.raises(workspace_actions.NotAllowed):
            workspace_actions.add_deputy(who, village, "Wakil", "wakil@purwobinangun.desa.id", svc=svc)
    assert svc.store.get_village(VILLAGE).deputy_reviewers == []
    assert workspace_pages.village_for(supervisor, "candibinangun", svc).id == "candibinangun"
    with pytest.raises(NotFound):
        workspace_pages.village_for(other_admin, VILLAGE, svc)
    boss, _ = admin
    workspace_actions.add_deputy(boss, village, "Wakil", "wakil@purwobinangun.desa.id", svc=svc)
    workspace_actions.add_deputy(boss, svc.store.get_village(VILLAGE), "Wakil", "WAKIL@purwobinangun.desa.id", svc=svc)
    assert [str(d.email) for d in svc.store.get_village(VILLAGE).deputy_reviewers] == ["wakil@purwobinangun.desa.id"]
