"""The admin's workspace (/app/) in Debian's chromium: each role's journey, as people would use it.

Screenshots of every page at 360 px and 1280 px land in ``.kabar/screenshots/`` for a reviewer.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests

from kabar.domain.clock import now
from kabar.domain.models import (
    Activity,
    Draft,
    DraftStatus,
    Procedure,
    Submission,
    SubmissionStatus,
)
from kabar.services import services
from kabar.usecases.sessions import issue_sign_in_link
from kabar.usecases.staff import add_staff
from kabar.usecases.undo import window
from kabar_local.demo import Http, links_to
from kabar_local.samples import submission_payload
from tests.browser.conftest import shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]

VILLAGE = "purwobinangun"
OTHER = "candibinangun"  # same kabupaten (Sleman)


def person(role: str, village: str = VILLAGE, name: str | None = None):  # noqa: ANN201
    n = len(services().store.people(village))
    staff, _ = add_staff(village, role, name or f"{role.title()} {n}", f"{role}{n}@{village}.desa.id", svc=services())
    return staff


def hand_over(stack, channels: tuple[str, ...], with_video: bool = False) -> str:  # noqa: ANN001
    """A real submission through the stack (upload, intake, drafts, the PPID's email); its id."""
    token = add_staff(VILLAGE, "submitter", "Sri", "sri@purwobinangun.desa.id", svc=services())[1]
    http = Http(stack.base_url)
    payload, blobs = submission_payload(now().date(), with_video=with_video, channels=channels)
    created = http.post_json("/submissions", payload, token).json()
    for instruction, blob, declared in zip(created["uploads"], blobs, payload["files"], strict=True):
        assert http.upload(instruction, blob, declared["name"], declared["content_type"]).status_code == 201
    stack.dispatcher.wait_idle(timeout=120)
    return created["submission_id"]


def newest_review_link(stack, submission_id: str) -> str:  # noqa: ANN001
    for mail in Http(stack.base_url).outbox("ppid@purwobinangun.desa.id"):  # newest first
        links = links_to(mail, r"/review/")
        if links:
            return links[0]
    raise AssertionError(f"no review email for {submission_id}")


def post_form(page, path: str, data: dict, origin: str | None = None):  # noqa: ANN001, ANN201
    """A form POST from this browser (its cookies), as a page elsewhere could send it."""
    headers = {"Origin": origin} if origin else None
    base = re.match(r"https?://[^/]+", page.url).group(0)
    return page.request.post(base + path, form=data, headers=headers, max_redirects=0)


# --- sign-in ---------------------------------------------------------------------------------------

def test_sign_in_link_is_inert_until_the_button_then_single_use_and_the_cookie_is_httponly(stack, new_page):
    admin = person("admin")
    link = issue_sign_in_link(admin, svc=services())
    # a mail scanner's GET and HEAD sign nobody in and use nothing
    scanner = requests.get(link, timeout=10)
    assert scanner.status_code == 200 and "set-cookie" not in {k.lower() for k in scanner.headers}
    assert requests.head(link, timeout=10).status_code in (200, 404)
    page = new_page()
    page.goto(link)
    assert admin.name in page.inner_text("main")
    shoot(page, "signin")
    page.click("#signin")
    page.wait_for_url(re.compile(rf"/app/{VILLAGE}$"))
    cookie = next(c for c in page.context.cookies() if c["name"] == "kabar_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/app"
    assert not cookie["secure"]  # http://127.0.0.1: the one honest exception (Secure everywhere else)
    # the link is spent: a second browser cannot use it
    other = new_page()
    other.goto(link)
    assert "tidak berlaku" in other.inner_text("main")
    # signing out ends the server-side session, not only the cookie
    stolen = cookie["value"]
    page.click("header form button[type=submit]")
    page.wait_for_load_state()
    assert "sudah keluar" in page.inner_text("main")
    replay = requests.get(f"{stack.base_url}/app/{VILLAGE}", cookies={"kabar_session": stolen}, timeout=10)
    assert replay.status_code == 401


def test_a_secure_cookie_everywhere_but_the_loopback_stack(stack):
    """Behind TLS (API Gateway's event, from events/workspace/post_sign_in.json) the cookie is Secure."""
    from tests.support import load_event

    link = issue_sign_in_link(person("admin"), svc=services())
    token = link.rsplit("/", 1)[1]
    placeholder = "purwobinangun.REPLACE_WITH_A_SIGN_IN_TOKEN_xxxxxxxxxxxxxxxxxxx"
    answer = stack.invoke("WorkspaceFunction", load_event("workspace/post_sign_in", **{placeholder: token}))
    assert answer["statusCode"] == 303
    (cookie,) = answer["cookies"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


# --- Beranda ---------------------------------------------------------------------------------------

def test_dashboard_shows_each_clock_on_time_near_or_late(stack, new_page):
    """Drafts made at controlled instants: 5 min, 50 min and 2 hours before now (the PPID's hour)."""
    store = services().store
    at = now()
    made = {}
    for label, minutes in (("tepat", 5), ("dekat", 50), ("lewat", 120)):
        sid = f"{0xC10C * 1000 + minutes:020x}"
        made[label] = sid
        ready = at - timedelta(minutes=minutes)
        sub = Submission(tenant_id=VILLAGE, submission_id=sid, submitter_id="x", submitter_name="Sri",
                         submitter_email="sri@purwobinangun.desa.id",
                         activity=Activity(title=f"Jam {label}", date=ready.date(), location="Balai"),
                         narrative="n" * 50, procedures=[Procedure.WEBSITE], status=SubmissionStatus.COMPLETE,
                         created_at=ready - timedelta(minutes=30), completed_at=ready - timedelta(minutes=20))
        store.create_submission(sub, [])
        store.put_draft(Draft(tenant_id=VILLAGE, submission_id=sid, procedure=Procedure.WEBSITE, version=1,
                              title=f"Jam {label}", created_at=ready, status=DraftStatus.IN_REVIEW))
    page = new_page()
    sign_in(page, person("admin"))
    states = {}
    for item in page.query_selector_all("#tasks li[data-step=keputusan]"):
        title = item.query_selector("a").inner_text()
        states[title] = item.query_selector("[data-clock]").get_attribute("data-clock")
    assert states["Jam tepat"] == "on_time"
    assert states["Jam dekat"] == "near"
    assert states["Jam lewat"] == "late"
    assert int(page.inner_text("[data-count=late]")) >= 1
    # late first: what needs me now comes at the top
    first = page.query_selector("#tasks li [data-clock]").get_attribute("data-clock")
    assert first == "late"
    shoot(page, "beranda")
    page.click("#lang")
    assert "What needs me now" in page.inner_text("h1")
    page.reload()
    assert "What needs me now" in page.inner_text("h1")  # remembered on this phone
    page.click("#lang")


# --- the correction, end to end ---------------------------------------------------------------------

def test_admin_corrects_a_draft_and_the_ppid_sees_version_2_with_differences(stack, new_page):
    sid = hand_over(stack, ("website",))
    ppid = new_page()
    ppid.goto(newest_review_link(stack, sid))
    ppid.fill("textarea[name=note]", "Judul kurang jelas, sebutkan dusunnya.")
    ppid.click("button.revise")
    ppid.wait_for_load_state()
    stack.dispatcher.wait_idle(timeout=60)

    page = new_page()
    sign_in(page, person("admin"))
    page.goto(f"{stack.base_url}/app/{VILLAGE}/register")
    shoot(page, "register")
    page.click(f"a[href='/app/{VILLAGE}/s/{sid}']")
    assert "Judul kurang jelas, sebutkan dusunnya." in page.inner_text("#draft-website")
    assert page.inner_text("#draft-website [data-status]") == "Perlu koreksi admin"
    shoot(page, "submission")
    # the correction email leads to the workspace's edit page (no JSON request any more)
    mails = Http(stack.base_url).outbox("admin@purwobinangun.desa.id")
    told = next(m for m in mails if "Perlu koreksi" in m["subject"])
    (edit_link,) = links_to(told, rf"/app/{VILLAGE}/s/{sid}/edit/website$")
    page.goto(edit_link)
    shoot(page, "edit")
    page.fill("#title", "Kerja bakti warga Dusun Ngepring membersihkan saluran irigasi")
    page.fill("#note", "Judul menyebut dusun.")
    page.click("#send-correction")
    page.wait_for_url(re.compile(r"\?ok=sent-v2$"))
    assert "versi 2" in page.inner_text(".flash")
    stack.dispatcher.wait_idle(timeout=60)
    assert "correction_sent" not in page.inner_text("#history")  # in words, not codes
    assert "Koreksi dikirim ke PPID" in page.inner_text("#history")

    ppid.goto(newest_review_link(stack, sid))
    body = ppid.inner_text("body")
    assert "Perubahan dari versi 1" in body
    assert ppid.inner_text("ins").strip()  # the words added are marked
    assert "Ngepring" in body


# --- publish again ---------------------------------------------------------------------------------

def test_publish_again_after_a_failed_channel(stack, new_page):
    sid = hand_over(stack, ("social",), with_video=True)
    stack.fake_graph.fail_next(190, 400)  # the Page token refused once: a permanent failure
    ppid = new_page()
    ppid.goto(newest_review_link(stack, sid))
    ppid.click("button.approve")
    ppid.wait_for_load_state()
    ppid.get_by_role("checkbox").check()  # TERIMA's deliberate confirmation
    ppid.get_by_role("button", name="Ya, TERIMA").click()
    ppid.wait_for_load_state()
    stack.dispatcher.wait_idle(timeout=120)

    page = new_page()
    sign_in(page, person("admin"))
    assert "Gagal terbit" in page.inner_text("main")  # Beranda names it
    page.goto(f"{stack.base_url}/app/{VILLAGE}/s/{sid}")
    facebook = page.inner_text("#draft-social [data-channel=facebook]")
    assert "Gagal terbit" in facebook
    page.click("#republish-social")
    page.wait_for_url(re.compile(r"\?ok=republish$"))
    stack.dispatcher.wait_idle(timeout=120)
    page.reload()
    facebook = page.query_selector("#draft-social [data-channel=facebook]")
    assert "Terbit" in facebook.inner_text() and "Gagal" not in facebook.inner_text()
    assert facebook.query_selector("a[href]") is not None  # the live post
    assert "Diterbitkan ulang" in page.inner_text("#history")
    assert page.query_selector("#republish-social") is None
    shoot(page, "submission-published")
    page.goto(f"{stack.base_url}/app/{VILLAGE}/calendar")
    assert "Facebook" in page.inner_text(".cal")
    shoot(page, "calendar")


# --- people ----------------------------------------------------------------------------------------

def test_revoking_a_person_ends_their_session_and_token(stack, new_page):
    admin, reviewer = person("admin"), person("reviewer")
    theirs = new_page()
    sign_in(theirs, reviewer)
    assert theirs.goto(f"{stack.base_url}/app/{VILLAGE}/register").status == 200

    page = new_page()
    sign_in(page, admin)
    page.goto(f"{stack.base_url}/app/{VILLAGE}/people")
    shoot(page, "people")
    row = page.inner_text(f"li[data-staff='{reviewer.staff_id}']")  # the API token's end, in the one date style
    assert re.search(r"Token API berlaku sampai \d{1,2} \w+ \d{4}, \d{2}\.\d{2} WIB", row), row
    page.click(f"li[data-staff='{reviewer.staff_id}'] button.danger")
    page.wait_for_url(re.compile(r"\?ok=revoked$"))
    assert "dicabut" in page.inner_text(f"li[data-staff='{reviewer.staff_id}']")

    answer = theirs.goto(f"{stack.base_url}/app/{VILLAGE}/register")
    assert answer.status == 401
    assert "Silakan masuk" in theirs.inner_text("main")
    entries = services().store.workspace_audit(VILLAGE)
    assert any(e.action == "person_revoked" and e.actor == f"admin:{admin.email}" for e in entries)


def test_adding_a_person_sends_their_personal_link(stack, new_page):
    page = new_page()
    sign_in(page, person("admin"))
    page.goto(f"{stack.base_url}/app/{VILLAGE}/people")
    page.fill("#name", "Bayu")
    page.fill("#email", "bayu@purwobinangun.desa.id")
    page.select_option("#role", "submitter")
    page.click("#add-person button[type=submit]")
    page.wait_for_url(re.compile(r"\?ok=added$"))
    assert "dikirim lewat email" in page.inner_text("#sent-link")
    stack.dispatcher.wait_idle(timeout=60)  # the promised email: relayed and sent
    (mail,) = Http(stack.base_url).outbox("bayu@purwobinangun.desa.id")
    link = links_to(mail, r"/app/masuk/")[0]
    newcomer = page.context.browser.new_context().new_page()
    newcomer.goto(link)
    newcomer.click("#signin")
    newcomer.wait_for_url(re.compile(rf"/app/{VILLAGE}$"))
    newcomer.context.close()


# --- roles and villages -------------------------------------------------------------------------------

def test_the_regency_supervisor_reads_every_village_of_the_kabupaten_but_cannot_act(stack, new_page):
    sid = hand_over(stack, ("website",))
    page = new_page()
    failed: list[str] = []
    page.on("console", lambda message: failed.append(message.text) if "Failed to load" in message.text else None)
    sign_in(page, person("supervisor", OTHER))
    assert page.goto(f"{stack.base_url}/app/{VILLAGE}/s/{sid}").status == 200  # same kabupaten
    # every request the page makes is answered (no /favicon.ico asked for on a slow connection either)
    assert page.frame_locator("iframe.site-frame").locator("h1").inner_text() and failed == []
    assert page.query_selector("a[href$='/edit/website']") is None
    assert "hanya" in page.inner_text(".readonly").lower() or page.inner_text(".readonly")
    csrf = page.get_attribute("input[name=csrf]", "value")
    forged = post_form(page, f"/app/{VILLAGE}/s/{sid}/edit/website",
                       {"csrf": csrf, "version": "1", "title": "Judul oleh pengawas"}, origin=stack.base_url)
    assert forged.status == 403
    assert post_form(page, f"/app/{VILLAGE}/people", {"csrf": csrf, "name": "X", "email": "x@x.id",
                                                        "role": "admin"}, origin=stack.base_url).status == 403
    shoot(page, "supervisor-submission")


def test_another_villages_admin_sees_and_acts_on_nothing_404(stack, new_page):
    sid = hand_over(stack, ("website",))
    page = new_page()
    sign_in(page, person("admin", OTHER))
    assert page.goto(f"{stack.base_url}/app/{VILLAGE}").status == 404
    assert page.goto(f"{stack.base_url}/app/{VILLAGE}/s/{sid}").status == 404
    assert page.goto(f"{stack.base_url}/app/{OTHER}/s/{sid}").status == 404  # not under their village either
    page.goto(f"{stack.base_url}/app/{OTHER}")
    csrf = page.get_attribute("input[name=csrf]", "value")
    for path in (f"/app/{VILLAGE}/s/{sid}/republish/website", f"/app/{OTHER}/s/{sid}/republish/website",
                 f"/app/{VILLAGE}/s/{sid}/edit/website"):
        assert post_form(page, path, {"csrf": csrf, "version": "1", "title": "x" * 10},
                         origin=stack.base_url).status == 404, path


def test_forms_without_the_sessions_csrf_token_or_from_another_origin_are_refused(stack, new_page):
    page = new_page()
    sign_in(page, person("admin"))
    page.goto(f"{stack.base_url}/app/{VILLAGE}/people")
    csrf = page.get_attribute("input[name=csrf]", "value")
    deputy = {"kind": "deputy", "name": "Wakil", "email": "wakil@purwobinangun.desa.id"}
    assert post_form(page, f"/app/{VILLAGE}/people", deputy, origin=stack.base_url).status == 403
    assert post_form(page, f"/app/{VILLAGE}/people", {**deputy, "csrf": "x" * 43}, origin=stack.base_url).status == 403
    assert post_form(page, f"/app/{VILLAGE}/people", {**deputy, "csrf": csrf},
                     origin="https://evil.example").status == 403
    assert "wakil@purwobinangun.desa.id" not in page.goto(f"{stack.base_url}/app/{VILLAGE}/people").text()
    # another browser's token is bound to another session
    other = new_page()
    sign_in(other, person("admin"))
    assert post_form(other, f"/app/{VILLAGE}/people", {**deputy, "csrf": csrf}, origin=stack.base_url).status == 403
    # the real form works
    assert post_form(page, f"/app/{VILLAGE}/people", {**deputy, "csrf": csrf}, origin=stack.base_url).status == 303


def test_every_other_page_at_both_widths_and_a_report_rebuilt(stack, new_page):
    from kabar.domain.clock import month_of, previous_month

    page = new_page()
    sign_in(page, person("admin"))
    for name in ("settings", "calendar"):
        assert page.goto(f"{stack.base_url}/app/{VILLAGE}/{name}").status == 200
        shoot(page, name)
    csv = page.request.get(f"{stack.base_url}/app/{VILLAGE}/register/csv")
    assert csv.status == 200 and csv.text().startswith("submission_id,")
    page.goto(f"{stack.base_url}/app/{VILLAGE}/reports")
    month = previous_month(now())
    page.click(f"#rebuild-{month}")
    page.wait_for_url(re.compile(rf"\?ok=rebuild-{month}$"))
    stack.dispatcher.wait_idle(timeout=120)
    page.goto(f"{stack.base_url}/app/{VILLAGE}/reports")
    links = page.query_selector_all("#reports a.button")
    assert {a.inner_text() for a in links} >= {"HTML", "PDF", "XLSX"}
    pdf = page.request.get(links[[a.inner_text() for a in links].index("PDF")].get_attribute("href"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    assert month_of(now()) != month
    shoot(page, "reports")


def test_with_admin_review_first_the_ppid_is_asked_only_when_the_admin_sends_it(stack, new_page):
    page = new_page()
    sign_in(page, person("admin"))
    page.goto(f"{stack.base_url}/app/{VILLAGE}/settings")
    page.click("#toggle-admin-review")
    page.wait_for_url(re.compile(r"\?ok=saved$"))
    try:
        before = len(Http(stack.base_url).outbox("ppid@purwobinangun.desa.id"))
        sid = hand_over(stack, ("website",))
        http = Http(stack.base_url)
        assert len(http.outbox("ppid@purwobinangun.desa.id")) == before  # not asked yet
        told = http.outbox("admin@purwobinangun.desa.id")[0]
        assert "Draf siap diperiksa" in told["subject"] and links_to(told, rf"/app/{VILLAGE}/s/{sid}")
        page.goto(f"{stack.base_url}/app/{VILLAGE}")
        assert page.query_selector("#tasks li[data-step=periksa]") is not None
        page.goto(f"{stack.base_url}/app/{VILLAGE}/s/{sid}")
        shoot(page, "submission-waiting-for-admin")
        page.click("#send-website")
        page.wait_for_url(re.compile(r"\?ok=to-ppid-v1$"))
        stack.dispatcher.wait_idle(timeout=60)
        assert len(http.outbox("ppid@purwobinangun.desa.id")) == before + 1
        assert page.query_selector("#send-website") is None
        assert "Dikirim admin ke PPID" in page.inner_text("#history")
    finally:
        page.goto(f"{stack.base_url}/app/{VILLAGE}/settings")
        page.click("#toggle-admin-review")
        page.wait_for_url(re.compile(r"\?ok=saved$"))


def test_settings_test_each_channels_connection(stack, new_page):
    page = new_page()
    sign_in(page, person("admin"))
    page.goto(f"{stack.base_url}/app/{VILLAGE}/settings")
    page.click("#test-social-0")
    assert "Koneksi berhasil" in page.inner_text("#tested")
    stack.fake_graph.fail_next(190, 400)  # the Page token refused
    page.click("#test-social-0")
    assert "Koneksi gagal" in page.inner_text("#tested")
    page.click("#test-website-0")
    assert "Koneksi berhasil" in page.inner_text("#tested")
    shoot(page, "settings-tested")


def test_village_settings_are_edited_and_a_bad_time_is_refused(stack, new_page):
    page = new_page()
    sign_in(page, person("admin"))
    page.goto(f"{stack.base_url}/app/{VILLAGE}/settings")
    before = services().store.get_village(VILLAGE)
    page.fill("#publish_time", "25.00")
    page.click("#save-settings")
    assert "JJ.MM" in page.inner_text("[role=alert]")
    page.fill("#publish_time", "08.30")
    page.fill("#hashtags", "Purwobinangun Sleman KabarDesa")
    page.click("#save-settings")
    page.wait_for_url(re.compile(r"\?ok=saved$"))
    after = services().store.get_village(VILLAGE)
    assert after.publish_time.strftime("%H:%M") == "08:30" and "#KabarDesa" in after.hashtags
    assert after.reviewers == before.reviewers and after.report_recipients == before.report_recipients
    services().store.put_village(before)


def test_the_undo_window_of_an_approval_is_set_on_the_settings_page_within_the_sops_limit(stack, new_page):
    page = new_page()
    sign_in(page, person("admin"))
    before = services().store.get_village(VILLAGE)
    assert before.undo_minutes is None
    page.goto(f"{stack.base_url}/app/{VILLAGE}/settings")
    assert page.input_value("#undo_minutes") == ""  # none set: the default
    csrf = page.get_attribute("#village-settings input[name=csrf]", "value")
    reviewers = page.input_value("#reviewers")
    try:
        # the browser holds the field to 0..30; the server refuses anything else as well, in both languages
        page.fill("#undo_minutes", "31")
        assert page.eval_on_selector("#undo_minutes", "e => e.validity.rangeOverflow")
        for wrong in ("31", "-1", "5.5", "lima", "1000"):
            answer = post_form(page, f"/app/{VILLAGE}/settings", {"csrf": csrf, "reviewers": reviewers,
                                                                  "undo_minutes": wrong}, origin=stack.base_url)
            assert answer.status == 422, wrong
            assert ("Jendela urungkan harus bilangan bulat 0 sampai 30 menit" in answer.text()
                    and "The undo window must be a whole number of minutes from 0 to 30" in answer.text()), wrong
        # without the session's form token, nothing changes
        assert post_form(page, f"/app/{VILLAGE}/settings", {"reviewers": reviewers, "undo_minutes": "10"},
                         origin=stack.base_url).status == 403
        assert services().store.get_village(VILLAGE).undo_minutes is None

        page.goto(f"{stack.base_url}/app/{VILLAGE}/settings")
        page.fill("#undo_minutes", "10")
        page.click("#save-settings")
        page.wait_for_url(re.compile(r"\?ok=saved$"))
        after = services().store.get_village(VILLAGE)
        assert after.undo_minutes == 10 and after.reviewers == before.reviewers
        assert window(after, services()) == timedelta(minutes=10)
        assert page.input_value("#undo_minutes") == "10"
        shoot(page, "settings-undo-window")
        (entry,) = [e for e in services().store.workspace_audit(VILLAGE) if e.subject == "village:undo_minutes"]
        assert (entry.action, entry.from_state, entry.to_state) == ("setting_changed", None, "10")
        page.goto(f"{stack.base_url}/app/{VILLAGE}/people")
        assert "jendela urungkan: bawaan \u2192 10 menit" in page.inner_text("main")
        shoot(page, "people-undo-window-changed")

        page.goto(f"{stack.base_url}/app/{VILLAGE}/settings")
        page.fill("#undo_minutes", "")  # empty again: the default
        page.click("#save-settings")
        page.wait_for_url(re.compile(r"\?ok=saved$"))
        assert services().store.get_village(VILLAGE).undo_minutes is None
        changes = [e for e in services().store.workspace_audit(VILLAGE) if e.subject == "village:undo_minutes"]
        assert [(e.from_state, e.to_state) for e in changes] == [("10", None), (None, "10")]  # newest first
    finally:
        services().store.put_village(before)
