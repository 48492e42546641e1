"""The admin's workspace at /app/: server-rendered pages behind a cookie session (thin: parse, call, map)."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.shared.cookies import Cookie, SameSite
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from kabar.domain.clock import long_date_id, month_of, now
from kabar.domain.errors import KabarError, NotFound
from kabar.domain.workspace import ROLE_LABEL, SESSION_ABSOLUTE, may_act, when_id
from kabar.http import PAGE_HEADERS, lazy_module
from kabar.services import services
from kabar.usecases import sessions, workspace_pages
from kabar.usecases.sessions import COOKIE, Session
from kabar.web import render

if TYPE_CHECKING:
    from kabar.usecases import inbox_threads, workspace_actions
else:  # loaded by the first route that uses them: a page's cold start loads neither
    inbox_threads, workspace_actions = (lazy_module(f"kabar.usecases.{name}")
                                        for name in ("inbox_threads", "workspace_actions"))

logger = Logger()
app = APIGatewayHttpResolver()

MAX_FORM_BYTES = 64 * 1024
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


# --- request helpers ------------------------------------------------------------------------------

def _origin() -> str:
    headers = app.current_event.headers
    return f"{headers.get('x-forwarded-proto', 'https')}://{headers.get('host', '')}"


def _loopback_http() -> bool:
    """The local stack on this machine over plain http: the one case a Secure cookie would not be kept."""
    headers = app.current_event.headers
    host = headers.get("host", "").rsplit(":", 1)[0] if not headers.get("host", "").startswith("[") else "[::1]"
    return headers.get("x-forwarded-proto") == "http" and host in LOOPBACK_HOSTS


def _same_origin() -> bool:
    """A form may only come from our own pages: Origin (when sent) is ours, Sec-Fetch-Site says so."""
    headers = app.current_event.headers
    origin = headers.get("origin")
    if origin is not None and origin != _origin():
        return False
    site = headers.get("sec-fetch-site")
    return site in (None, "same-origin")


def _form() -> dict[str, list[str]]:
    body = app.current_event.decoded_body or ""
    return parse_qs(body[:MAX_FORM_BYTES], keep_blank_values=True)


def _cookie_value() -> str | None:
    for raw in app.current_event.cookies or []:
        name, _, value = raw.partition("=")
        if name.strip() == COOKIE:
            return value.strip()
    return None


def _session_cookie(value: str, max_age: int) -> Cookie:
    return Cookie(name=COOKIE, value=value, path="/app", secure=not _loopback_http(), http_only=True,
                  max_age=max_age, same_site=SameSite.LAX_MODE)


def _html(status: int, template: str, session: Session | None = None, cookies: list[Cookie] | None = None,
          **context: object) -> Response:
    nonce = secrets.token_urlsafe(16)
    csp = (f"default-src 'none'; img-src 'self' https: http: data:; style-src 'unsafe-inline'; "
           f"script-src 'nonce-{nonce}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
    html = render(template, me=session.staff if session else None, csrf=session.csrf if session else "",
                  nonce=nonce, role_label=ROLE_LABEL, when=when_id, day=long_date_id,
                  can_act=session is not None and may_act(session.staff.role),
                  **context)
    # same-origin, not no-referrer: with no-referrer the browser sends "Origin: null" on our own forms,
    # and the Origin check is part of the CSRF defence; other sites still never see our paths.
    return Response(status, PAGE_HEADERS["Content-Type"], html, cookies=cookies,
                    headers={**PAGE_HEADERS, "Referrer-Policy": "same-origin", "Content-Security-Policy": csp})


def _redirect(location: str, cookies: list[Cookie] | None = None) -> Response:
    return Response(303, "text/plain; charset=utf-8", "", headers={"Location": location, "Cache-Control": "no-store"},
                    cookies=cookies)


def _message(status: int, title: tuple[str, str], body: tuple[str, str], session: Session | None = None,
             cookies: list[Cookie] | None = None) -> Response:
    return _html(status, "app/message.html", session, cookies, title=title, body=body)


def _not_found(session: Session | None = None) -> Response:
    return _message(404, ("Tidak ditemukan", "Not found"),
                    ("Halaman atau data ini tidak ada, atau bukan untuk Anda.",
                     "This page or item does not exist, or is not yours."), session)


def _signed_out() -> Response:
    return _message(401, ("Silakan masuk", "Please sign in"),
                    ("Masuk dengan tautan pribadi yang dikirim admin desa ke email Anda. Sesi berakhir setelah tidak "
                     "dipakai beberapa jam.",
                     "Sign in with the personal link the village admin sent to your email. A session ends after a "
                     "few hours unused."),
                    cookies=[_session_cookie("", 0)] if _cookie_value() else None)


def _village_page(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Signed-in only; the village must be one this person may read (else the same 404 as a missing one)."""
    def wrapped(village: str, **params: str) -> Response:
        session = sessions.current_session(_cookie_value(), svc=services())
        if session is None:
            return _signed_out()
        logger.append_keys(tenant_id=session.staff.tenant_id, village=village)
        try:
            target = workspace_pages.village_for(session.staff, village, services())
        except NotFound:
            return _not_found(session)
        if app.current_event.request_context.http.method == "POST":
            form = _form()
            if not _same_origin() or not sessions.csrf_ok(session, (form.get("csrf") or [""])[0]):
                logger.warning("form refused: CSRF or origin check failed")
                return _message(403, ("Formulir ditolak", "Form refused"),
                                ("Formulir ini kedaluwarsa atau tidak berasal dari halaman Kabar. Muat ulang halaman "
                                 "lalu coba lagi.", "This form expired or did not come from a Kabar page. Reload "
                                 "the page and try again."), session)
            params["form"] = form  # type: ignore[assignment]
        try:
            return handler(session, target, **params)
        except (workspace_actions.NotAllowed, inbox_threads.NotAllowed):
            return _message(403, ("Hanya dapat melihat", "Read only"),
                            ("Peran Anda hanya dapat melihat, tidak dapat mengubah apa pun di sini.",
                             "Your role can read but not change anything here."), session)
        except NotFound:
            return _not_found(session)
    wrapped.__name__ = handler.__name__
    return wrapped


def _error_words(err: Exception) -> tuple[str, str]:
    if isinstance(err, KabarError):
        return err.message.id, err.message.en
    if isinstance(err, ValidationError):
        return "Isian tidak valid; periksa panjang judul dan isian lainnya.", "Some input is not valid."
    return "Terjadi kesalahan.", "Something went wrong."


# --- sign-in and out ------------------------------------------------------------------------------

@app.get("/app")
def root() -> Response:
    session = sessions.current_session(_cookie_value(), svc=services())
    if session is None:
        return _signed_out()
    return _redirect(f"/app/{session.staff.tenant_id}")


@app.get("/app/masuk/<token>")
def sign_in_page(token: str) -> Response:
    person = sessions.sign_in_page(token, svc=services())
    if person is None:
        return _message(404, ("Tautan tidak berlaku", "Link not valid"),
                        ("Tautan masuk ini tidak berlaku, sudah dipakai, atau kedaluwarsa. Minta tautan baru kepada "
                         "admin desa.", "This sign-in link is not valid, already used or expired. Ask the village "
                         "admin for a new one."))
    return _html(200, "app/signin.html", person=person)


@app.post("/app/masuk/<token>")
def sign_in(token: str) -> Response:
    if not _same_origin():
        return _message(403, ("Formulir ditolak", "Form refused"), ("Masuk hanya dari halaman Kabar.",
                                                                     "Sign in only from the Kabar page."))
    done = sessions.sign_in(token, user_agent=app.current_event.headers.get("user-agent", ""), svc=services())
    if done is None:
        return _message(404, ("Tautan tidak berlaku", "Link not valid"),
                        ("Tautan masuk ini sudah dipakai atau kedaluwarsa. Minta tautan baru kepada admin desa.",
                         "This sign-in link was already used or expired. Ask the village admin for a new one."))
    cookie, session = done
    return _redirect(f"/app/{session.staff.tenant_id}",
                     [_session_cookie(cookie, int(SESSION_ABSOLUTE.total_seconds()))])


@app.post("/app/keluar")
def sign_out() -> Response:
    session = sessions.current_session(_cookie_value(), svc=services())
    form = _form()
    if session is not None and _same_origin() and sessions.csrf_ok(session, (form.get("csrf") or [""])[0]):
        sessions.sign_out(session, svc=services())
    return _message(200, ("Anda sudah keluar", "You are signed out"),
                    ("Untuk masuk lagi, gunakan tautan pribadi baru dari admin desa.",
                     "To sign in again, use a new personal link from the village admin."),
                    cookies=[_session_cookie("", 0)])


# --- pages ----------------------------------------------------------------------------------------

def _q(name: str) -> str:
    return (app.current_event.query_string_parameters or {}).get(name, "")


@app.get("/app/<village>")
@_village_page
def home(session: Session, village) -> Response:  # noqa: ANN001
    board = workspace_pages.dashboard(village, svc=services())
    return _html(200, "app/home.html", session, village=village, board=board, page="home", at=now())


@app.get("/app/<village>/register")
@_village_page
def register_page(session: Session, village) -> Response:  # noqa: ANN001
    month = workspace_pages.check_month(_q("month"), now())
    query = _q("q")[:100]
    rows = workspace_pages.register_page(village, month, query, svc=services())
    return _html(200, "app/register.html", session, village=village, rows=rows, month=month, query=query,
                 prev=workspace_pages.shift_month(month, -1), next=workspace_pages.shift_month(month, 1),
                 month_name=workspace_pages.month_name_id(month), page="register")


@app.get("/app/<village>/register/<fmt>")
@_village_page
def register_export(session: Session, village, fmt: str) -> Response:  # noqa: ANN001
    from kabar.usecases.register import register_csv

    month = workspace_pages.check_month(_q("month"), now())
    rows = workspace_pages.register_export_rows(session.staff, village, month, svc=services())
    name = f"register-{village.id}-{month}"
    if fmt == "csv":
        return Response(200, "text/csv; charset=utf-8", register_csv(rows),
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"',
                                 "Cache-Control": "no-store"})
    if fmt == "xlsx":
        import base64

        data = workspace_pages.register_xlsx(rows)
        response = Response(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                            base64.b64encode(data).decode(), headers={
                                "Content-Disposition": f'attachment; filename="{name}.xlsx"',
                                "Cache-Control": "no-store"})
        response.base64_encoded = True
        return response
    raise NotFound("format")


@app.get("/app/<village>/s/<submission_id>")
@_village_page
def submission(session: Session, village, submission_id: str) -> Response:  # noqa: ANN001
    view = workspace_pages.submission_view(village, submission_id, svc=services())
    return _html(200, "app/submission.html", session, village=village, view=view, page="register",
                 flash=_q("ok"), channel_word=workspace_pages.channel_word, pub_words=workspace_pages.PUB_WORDS,
                 procedure_words=workspace_pages.PROCEDURE_WORDS, submission_words=workspace_pages.SUBMISSION_WORDS)


def _edit_page(session: Session, village, submission_id: str, procedure: str, status: int = 200,  # noqa: ANN001
               error: tuple[str, str] | None = None, form: dict | None = None) -> Response:
    from kabar.domain.diff import plain
    from kabar.domain.models import Procedure

    workspace_actions.require_actor(session.staff, village)
    if procedure not in {p.value for p in Procedure}:
        raise NotFound("draft")
    view = workspace_pages.submission_view(village, submission_id, svc=services())
    entry = next((d for d in view.drafts if d["draft"].procedure.value == procedure), None)
    if entry is None:
        raise NotFound("draft")
    return _html(status, "app/edit.html", session, village=village, view=view, entry=entry, page="register",
                 article=plain(entry["draft"].article_html), error=error, form=form or {},
                 procedure_words=workspace_pages.PROCEDURE_WORDS)


@app.get("/app/<village>/s/<submission_id>/edit/<procedure>")
@_village_page
def edit_form(session: Session, village, submission_id: str, procedure: str) -> Response:  # noqa: ANN001
    return _edit_page(session, village, submission_id, procedure)


@app.post("/app/<village>/s/<submission_id>/edit/<procedure>")
@_village_page
def edit_save(session: Session, village, submission_id: str, procedure: str, form: dict) -> Response:  # noqa: ANN001
    try:
        result = workspace_actions.edit_draft(session.staff, village, submission_id, procedure, form, svc=services())
    except workspace_actions.NotAllowed:
        raise
    except NotFound:
        raise
    except (KabarError, ValidationError, ValueError) as err:
        status = err.status if isinstance(err, KabarError) else 422
        return _edit_page(session, village, submission_id, procedure, status, _error_words(err), form)
    return _redirect(f"/app/{village.id}/s/{submission_id}?ok=sent-v{result['version']}")


@app.post("/app/<village>/s/<submission_id>/republish/<procedure>")
@_village_page
def republish(session: Session, village, submission_id: str, procedure: str, form: dict) -> Response:  # noqa: ANN001
    try:
        workspace_actions.publish_again(session.staff, village, submission_id, procedure, svc=services())
    except workspace_actions.NotAllowed:
        raise
    except KabarError as err:
        if isinstance(err, NotFound):
            raise
        return _message(err.status, ("Tidak dapat diterbitkan ulang", "Cannot publish again"), _error_words(err),
                        session)
    return _redirect(f"/app/{village.id}/s/{submission_id}?ok=republish")


@app.post("/app/<village>/s/<submission_id>/send/<procedure>")
@_village_page
def send_to_ppid(session: Session, village, submission_id: str, procedure: str, form: dict) -> Response:  # noqa: ANN001
    try:
        version = workspace_actions.send_draft_to_ppid(session.staff, village, submission_id, procedure, svc=services())
    except workspace_actions.NotAllowed:
        raise
    except KabarError as err:
        if isinstance(err, NotFound):
            raise
        return _message(err.status, ("Tidak dapat dikirim", "Cannot send"), _error_words(err), session)
    return _redirect(f"/app/{village.id}/s/{submission_id}?ok=to-ppid-v{version}")


@app.post("/app/<village>/settings/admin-review")
@_village_page
def set_admin_review(session: Session, village, form: dict) -> Response:  # noqa: ANN001
    workspace_actions.set_admin_review(session.staff, village, (form.get("on") or [""])[0] == "1", svc=services())
    return _redirect(f"/app/{village.id}/settings?ok=saved")


@app.post("/app/<village>/s/<submission_id>/ask-file")
@_village_page
def ask_file(session: Session, village, submission_id: str, form: dict) -> Response:  # noqa: ANN001
    workspace_actions.ask_for_file(session.staff, village, submission_id, form.get("file", []),
                                   (form.get("message") or [""])[0], svc=services())
    return _redirect(f"/app/{village.id}/s/{submission_id}?ok=asked")


@app.get("/app/<village>/calendar")
@_village_page
def calendar(session: Session, village) -> Response:  # noqa: ANN001
    month = workspace_pages.check_month(_q("month"), now())
    return _html(200, "app/calendar.html", session, village=village, cal=workspace_pages.calendar(village, month,
                                                                                                  svc=services()),
                 page="calendar")


@app.get("/app/<village>/reports")
@_village_page
def reports(session: Session, village) -> Response:  # noqa: ANN001
    return _html(200, "app/reports.html", session, village=village, reports=workspace_pages.reports(village,
                                                                                                    svc=services()),
                 page="reports", flash=_q("ok"), previous=workspace_pages.shift_month(month_of(now()), -1))


def _people_page(session: Session, village, error: tuple[str, str] | None = None) -> Response:  # noqa: ANN001
    staff = sorted(services().store.people(village.id), key=lambda s: (s.revoked_at is not None, s.role, s.name))
    names = {f"{p.role.value}:{p.email}": p.name for p in staff}
    audit = list(reversed(workspace_pages.history_lines(services().store.workspace_audit(village.id)[:30], names)))
    return _html(200 if not error else 422, "app/people.html", session, village=village, people=staff, audit=audit,
                 page="people", error=error, flash=_q("ok"), tokens=workspace_pages.staff_tokens(staff))


@app.post("/app/<village>/reports/<month>/rebuild")
@_village_page
def rebuild_report(session: Session, village, month: str, form: dict) -> Response:  # noqa: ANN001
    workspace_actions.rebuild_report(session.staff, village, month, svc=services())
    return _redirect(f"/app/{village.id}/reports?ok=rebuild-{month}")


@app.get("/app/<village>/people")
@_village_page
def people(session: Session, village) -> Response:  # noqa: ANN001
    return _people_page(session, village)


@app.post("/app/<village>/people")
@_village_page
def people_add(session: Session, village, form: dict) -> Response:  # noqa: ANN001
    def one(name: str) -> str:
        return (form.get(name) or [""])[0]
    try:
        if one("kind") == "deputy":
            workspace_actions.add_deputy(session.staff, village, one("name"), one("email"), svc=services())
            return _redirect(f"/app/{village.id}/people?ok=deputy")
        workspace_actions.add_person(session.staff, village, one("role"), one("name"), one("email"), svc=services())
    except workspace_actions.NotAllowed:
        raise
    except (KabarError, ValidationError) as err:
        return _people_page(session, village, error=_error_words(err))
    return _redirect(f"/app/{village.id}/people?ok=added")


@app.post("/app/<village>/people/<staff_id>/<action>")
@_village_page
def people_action(session: Session, village, staff_id: str, action: str, form: dict) -> Response:  # noqa: ANN001
    if action == "revoke":
        workspace_actions.revoke_person(session.staff, village, staff_id, svc=services())
        return _redirect(f"/app/{village.id}/people?ok=revoked")
    if action == "rotate":
        workspace_actions.rotate_person(session.staff, village, staff_id, svc=services())
        return _redirect(f"/app/{village.id}/people?ok=rotated")
    raise NotFound("action")


@app.post("/app/<village>/settings")
@_village_page
def save_settings(session: Session, village, form: dict) -> Response:  # noqa: ANN001
    try:
        workspace_actions.update_settings(session.staff, village, form, svc=services())
    except workspace_actions.NotAllowed:
        raise
    except (KabarError, ValidationError) as err:
        return _settings_page(session, village, error=_error_words(err), status=422)
    return _redirect(f"/app/{village.id}/settings?ok=saved")


@app.post("/app/<village>/settings/test/<procedure>/<index>")
@_village_page
def test_channel(session: Session, village, procedure: str, index: str, form: dict) -> Response:  # noqa: ANN001
    if not index.isdigit():
        raise NotFound("channel")
    ok, said = workspace_actions.test_connection(session.staff, village, procedure, int(index), svc=services())
    return _settings_page(session, village, tested={"key": f"{procedure}-{index}", "ok": ok, "said": said})


def _settings_page(session: Session, village, tested: dict | None = None,  # noqa: ANN001
                   error: tuple[str, str] | None = None, status: int = 200) -> Response:
    from kabar.usecases.workspace_connect import connected_channels

    return _html(status, "app/settings.html", session, village=village, page="settings", flash=_q("ok"), error=error,
                 channel_status=workspace_pages.channel_status(village, svc=services()), tested=tested,
                 channel_word=workspace_pages.channel_word, procedure_words=workspace_pages.PROCEDURE_WORDS,
                 connections=connected_channels(village, services().credentials),
                 undo_default=workspace_actions.UNDO_MINUTES_DEFAULT, undo_most=workspace_actions.UNDO_MINUTES_MOST)


@app.get("/app/<village>/settings")
@_village_page
def settings_page(session: Session, village) -> Response:  # noqa: ANN001
    return _settings_page(session, village)


# the inbox (Kotak masuk): its own routes file, on this resolver
import inbox_routes  # noqa: E402 - a sibling module, as Lambda imports it

inbox_routes.register(app, sys.modules[__name__])

# --- connecting channels by logging in (channel_connect.py) ---------------------------------------------
import channel_connect  # noqa: E402 - registered after the helpers it uses

channel_connect.add_routes(app, sys.modules[__name__])


@app.not_found
def _missing(_: Exception) -> Response:
    return _not_found(sessions.current_session(_cookie_value(), svc=services()))


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)

