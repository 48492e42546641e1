"""Sign-in links and sessions against the table (moto): single use, expiry, revoke, rotate, bearer tokens."""

from datetime import timedelta

import pytest

from kabar.domain.clock import now
from kabar.domain.errors import Unauthorized
from kabar.domain.models import Role
from kabar.domain.workspace import SESSION_ABSOLUTE, SESSION_IDLE, SIGN_IN_LINK_TTL
from kabar.services import services
from kabar.usecases import sessions, workspace_actions, workspace_pages
from kabar.usecases.staff import add_staff, authenticate
from kabar_local.outbox import Outbox
from tests.integration.flow import VILLAGE


def token_of(link: str) -> str:
    return link.rsplit("/", 1)[1]


@pytest.fixture
def admin(aws):
    return add_staff(VILLAGE, "admin", "Admin", "admin@purwobinangun.desa.id", svc=services())


def test_a_link_signs_in_once_and_only_the_hash_is_stored(aws, admin):
    staff, _ = admin
    link = sessions.issue_sign_in_link(staff, svc=services())
    token = token_of(link)
    assert sessions.sign_in_page(token, svc=services()) == staff  # looking changes nothing
    assert sessions.sign_in_page(token, svc=services()) == staff
    cookie, session = sessions.sign_in(token, svc=services())
    assert sessions.sign_in(token, svc=services()) is None
    assert services().store.get_sign_in(VILLAGE, token) is None  # stored by hash, never as given
    assert services().store.get_session(VILLAGE, cookie) is None
    assert sessions.current_session(cookie, svc=services()).staff.staff_id == staff.staff_id
    assert sessions.csrf_ok(session, session.csrf) and not sessions.csrf_ok(session, session.csrf[:-1] + "x")


def test_an_expired_link_does_nothing(aws, admin):
    staff, _ = admin
    token = token_of(sessions.issue_sign_in_link(staff, at=now() - SIGN_IN_LINK_TTL - timedelta(minutes=1),
                                                 svc=services()))
    assert sessions.sign_in_page(token, svc=services()) is None and sessions.sign_in(token, svc=services()) is None


def test_a_session_ends_when_idle_and_at_its_absolute_limit(aws, admin):
    staff, _ = admin
    start = now()
    cookie, _ = sessions.sign_in(token_of(sessions.issue_sign_in_link(staff, at=start, svc=services())), at=start,
                                 svc=services())
    assert sessions.current_session(cookie, at=start + SESSION_IDLE - timedelta(minutes=1), svc=services())
    assert sessions.current_session(cookie, at=start + SESSION_IDLE + SESSION_IDLE - timedelta(minutes=2),
                                    svc=services())
    assert sessions.current_session(cookie, at=start + SESSION_ABSOLUTE + timedelta(minutes=1), svc=services()) is None
    cookie, _ = sessions.sign_in(token_of(sessions.issue_sign_in_link(staff, at=start, svc=services())), at=start,
                                 svc=services())
    assert sessions.current_session(cookie, at=start + SESSION_IDLE + timedelta(minutes=1), svc=services()) is None


def test_revoking_ends_sessions_links_and_the_bearer_token(aws, admin):
    boss, _ = admin
    person, bearer = add_staff(VILLAGE, "reviewer", "PPID", "ppid2@purwobinangun.desa.id", svc=services())
    pending = token_of(sessions.issue_sign_in_link(person, svc=services()))
    cookie, _ = sessions.sign_in(token_of(sessions.issue_sign_in_link(person, svc=services())), svc=services())
    assert authenticate(f"Bearer {bearer}", {Role.REVIEWER}, svc=services()).staff_id == person.staff_id
    village = services().store.get_village(VILLAGE)
    workspace_actions.revoke_person(boss, village, person.staff_id, svc=services())
    assert sessions.current_session(cookie, svc=services()) is None
    assert sessions.sign_in(pending, svc=services()) is None
    with pytest.raises(Unauthorized):
        authenticate(f"Bearer {bearer}", {Role.REVIEWER}, svc=services())
    entries = [(e.action, e.actor, e.subject) for e in services().store.workspace_audit(VILLAGE)]
    assert ("person_revoked", "admin:admin@purwobinangun.desa.id", f"staff:{person.staff_id}") in entries


def test_rotating_sends_a_new_link_and_everything_issued_before_stops(aws, admin):
    boss, _ = admin
    person, bearer = add_staff(VILLAGE, "admin", "Dua", "dua@purwobinangun.desa.id", svc=services())
    old_link = token_of(sessions.issue_sign_in_link(person, svc=services()))
    cookie, _ = sessions.sign_in(token_of(sessions.issue_sign_in_link(person, svc=services())), svc=services())
    workspace_actions.rotate_person(boss, services().store.get_village(VILLAGE), person.staff_id, svc=services())
    assert sessions.current_session(cookie, svc=services()) is None and sessions.sign_in(old_link,
                                                                                         svc=services()) is None
    with pytest.raises(Unauthorized):
        authenticate(f"Bearer {bearer}", {Role.ADMIN}, svc=services())
    aws.settle()  # the promised email: relayed and sent, its link made at sending time
    (mail,) = Outbox().list(to="dua@purwobinangun.desa.id")
    (new_link,) = [u for u in mail["links"] if "/app/masuk/" in u]
    assert sessions.sign_in(token_of(new_link), svc=services()) is not None
    aws.settle()
    assert len(Outbox().list(to="dua@purwobinangun.desa.id")) == 1  # sent once


def test_only_the_villages_admin_acts(aws, admin):
    village = services().store.get_village(VILLAGE)
    supervisor, _ = add_staff(VILLAGE, "supervisor", "Pengawas", "pengawas@slemankab.go.id", svc=services())
    other_admin, _ = add_staff("candibinangun", "admin", "Lain", "admin@candibinangun.desa.id", svc=services())
    for who in (supervisor, other_admin):
        with pytest.raises(workspace_actions.NotAllowed):
            workspace_actions.add_deputy(who, village, "Wakil", "wakil@purwobinangun.desa.id", svc=services())
    assert workspace_pages.village_for(supervisor, "candibinangun", services()).id == "candibinangun"
    from kabar.domain.errors import NotFound
    with pytest.raises(NotFound):
        workspace_pages.village_for(other_admin, VILLAGE, services())


def test_the_register_xlsx_writes_formulas_as_text():
    from io import BytesIO

    from openpyxl import load_workbook

    data = workspace_pages.register_xlsx([{"submission_id": "x", "title": "=HYPERLINK(\"http://evil\")",
                                          "location": "@SUM(A1)", "submitter": "+62 812"}])
    sheet = load_workbook(BytesIO(data)).active
    row = {sheet.cell(1, c).value: sheet.cell(2, c) for c in range(1, sheet.max_column + 1)}
    assert row["title"].value == "=HYPERLINK(\"http://evil\")"  # kept as typed, but as text
    for column in ("title", "location", "submitter"):
        assert row[column].data_type == "s", column


def test_the_admins_edit_chooses_photos_their_order_and_a_new_cover_as_the_next_version(aws, admin):
    from tests.integration.flow import drafted

    staff, _ = admin
    _, created = drafted(aws)
    sid = created["submission_id"]
    store = services().store
    village = store.get_village(VILLAGE)
    v1 = store.get_draft(VILLAGE, sid, "social")
    first = v1.photo_keys[0]
    # a photo the carousel left out, from the hand-over's accepted ones, shown after the draft's
    assets = sorted((a for a in store.list_assets(VILLAGE, sid) if a.kind.value == "photo"), key=lambda a: a.name)
    shown = [first] + [a.clean_key for a in assets if a.clean_key not in v1.photo_keys]
    second = shown[1]
    form = {"version": ["1"], "title": [v1.title], "caption": [v1.caption + "\n#KerjaBakti"],
            "photo": [first, second], "pos-0": ["2"], "pos-1": ["1"], "cover": [second], "note": ["Urutan foto."]}
    result = workspace_actions.edit_draft(staff, village, sid, "social", form, svc=services())
    v2 = store.get_draft(VILLAGE, sid, "social")
    assert result["version"] == v2.version == 2
    assert v2.photo_keys == [second, first]  # only the ticked photos, in the typed order
    assert v2.graphic_key != v1.graphic_key and v2.graphic_key.startswith(f"{VILLAGE}/{sid}/drafts/")
    assert services().media.get(v2.graphic_key)[:2] == b"\xff\xd8"  # a JPEG cover drawn on the chosen photo
    assert v2.caption.endswith("#KerjaBakti")
    foreign = {**form, "version": ["2"], "photo": [f"candibinangun/{sid}/x.jpg"], "cover": ["keep"]}
    from kabar.domain.errors import InvalidInput
    with pytest.raises(InvalidInput):
        workspace_actions.edit_draft(staff, village, sid, "social", foreign, svc=services())
