"""The workspace's inbox (Kotak masuk) at /app/<village>/kotak-masuk: thin routes over
``kabar.usecases.inbox_threads`` (parse the form, call one use case, map the result)."""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

from kabar.domain.clock import now
from kabar.domain.errors import KabarError, NotFound
from kabar.http import lazy_module
from kabar.services import services
from kabar.usecases.sessions import Session

if TYPE_CHECKING:
    from kabar.domain import inbox
    from kabar.usecases import inbox_threads
else:  # loaded by the first inbox route that runs: a page's cold start loads neither
    inbox, inbox_threads = lazy_module("kabar.domain.inbox"), lazy_module("kabar.usecases.inbox_threads")

FLASH = {
    "sent": ("Jawaban terkirim. Jam SOP untuk percakapan ini berhenti.",
             "Answer sent. The SOP clock of this thread stopped."),
    "private": ("Pesan pribadi terkirim ke penulis komentar.", "Private message sent to the commenter."),
    "no-answer": ("Ditandai tidak perlu dijawab.", "Marked as needing no answer."),
    "hidden": ("Komentar disembunyikan.", "Comment hidden."),
    "assigned": ("Percakapan diserahkan; rekan Anda mendapat email.", "Thread assigned; your colleague got an email."),
}


def register(app: APIGatewayHttpResolver, web: ModuleType) -> None:
    """Add the inbox's routes to the workspace's resolver (``web``: the workspace module's helpers)."""

    def one(form: dict, name: str) -> str:
        return (form.get(name) or [""])[0]

    def thread_page(session: Session, village: Any, key: str, status: int = 200,
                    error: tuple[str, str] | None = None) -> Response:
        at = now()
        view = inbox_threads.thread_view(session.staff, village, key, services().store, at,
                                         services().channels.inbox_replies(village))
        return web._html(status, "app/thread.html", session, village=village, view=view, page="inbox", at=at,
                         due_words=inbox_threads.due_words, reason_words=inbox_threads.REASON_WORDS,
                         meta_window=inbox.messaging_window_words(),
                         flash=FLASH.get(web._q("ok")), error=error)

    @app.get("/app/<village>/kotak-masuk")
    @web._village_page
    def inbox_page(session: Session, village) -> Response:  # noqa: ANN001
        at = now()
        status = web._q("status")
        status = status if status in {s.value for s in inbox.STATUS_WORDS} else ""
        every = inbox_threads.inbox(village, services().store, at, services().channels.inbox_replies(village))
        shown = [th for th in every if th.status.value == status] if status else every
        return web._html(200, "app/inbox.html", session, village=village, threads=shown, page="inbox", at=at,
                         counts=inbox_threads.counts(every), total=len(every), chosen=status,
                         status_words=inbox.STATUS_WORDS, due_words=inbox_threads.due_words)

    @app.get("/app/<village>/kotak-masuk/<key>")
    @web._village_page
    def thread(session: Session, village, key: str) -> Response:  # noqa: ANN001
        return thread_page(session, village, key)

    def act(session: Session, village: Any, key: str, action: Any, done: str) -> Response:
        try:
            action()
        except (inbox_threads.NotAllowed, NotFound):
            raise
        except KabarError as err:
            return thread_page(session, village, key, err.status, web._error_words(err))
        return web._redirect(f"/app/{village.id}/kotak-masuk/{key}?ok={done}")

    @app.post("/app/<village>/kotak-masuk/<key>/balas")
    @web._village_page
    def answer(session: Session, village, key: str, form: dict) -> Response:  # noqa: ANN001
        how = one(form, "how") or "message"
        return act(session, village, key, lambda: inbox_threads.reply(
            session.staff, village, key, how, one(form, "text"), services().store,
            services().channels.inbox_replies(village), now(), one(form, "inquiry") or None),
            "private" if how == "private" else "sent")

    @app.post("/app/<village>/kotak-masuk/<key>/tidak-perlu")
    @web._village_page
    def no_answer(session: Session, village, key: str, form: dict) -> Response:  # noqa: ANN001
        return act(session, village, key, lambda: inbox_threads.mark_no_answer(
            session.staff, village, key, services().store, now()), "no-answer")

    @app.post("/app/<village>/kotak-masuk/<key>/sembunyikan")
    @web._village_page
    def hide(session: Session, village, key: str, form: dict) -> Response:  # noqa: ANN001
        return act(session, village, key, lambda: inbox_threads.hide(
            session.staff, village, key, one(form, "inquiry"), services().store,
            services().channels.inbox_replies(village), now()), "hidden")

    @app.post("/app/<village>/kotak-masuk/<key>/tugaskan")
    @web._village_page
    def assign(session: Session, village, key: str, form: dict) -> Response:  # noqa: ANN001
        return act(session, village, key, lambda: inbox_threads.assign(
            session.staff, village, key, one(form, "staff"), services().store, now(),
            services().settings.public_url or web._origin()), "assigned")
