"""The workspace's channel connections (village settings): Facebook Login, Google OAuth, WordPress's
authorize-application flow and its manual form. Thin: parse, call ``usecases.workspace_connect``, map.

``add_routes(app, web)`` registers them on the workspace's resolver; ``web`` is the workspace's
``app`` module (its session check, page rendering and redirects), passed in to keep one of each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kabar.domain.clock import now
from kabar.domain.errors import KabarError, NotFound
from kabar.domain.text import t
from kabar.http import lazy_module
from kabar.services import services
from kabar.usecases import workspace_pages

if TYPE_CHECKING:
    from kabar.usecases import workspace_connect as connect
else:  # loaded by the first connecting route that runs
    connect = lazy_module("kabar.usecases.workspace_connect")


def _meta(svc: Any) -> Any:
    from kabar.adapters.channels.login import MetaLogin
    from kabar.adapters.secrets import get_secret_json

    app = get_secret_json(svc.settings.meta_webhook_secret)  # the same Meta app's id and secret
    return MetaLogin(svc.settings.graph_base_url, svc.settings.graph_api_version, str(app.get("app_id") or ""),
                     str(app.get("app_secret") or ""))


def _google_client(svc: Any) -> tuple[str, str]:
    from kabar.adapters.secrets import get_secret_json

    if not svc.settings.google_oauth_secret:
        raise connect.ConnectRefused(t("Sambungan Google belum disiapkan operator Kabar.",
                                "Google sign-in is not set up by Kabar's operator."))
    client = get_secret_json(svc.settings.google_oauth_secret)
    return str(client.get("client_id") or ""), str(client.get("client_secret") or "")


def _google(svc: Any) -> Any:
    from kabar.adapters.channels.login import GoogleLogin

    client_id, client_secret = _google_client(svc)
    return GoogleLogin(svc.settings.google_token_url, svc.settings.youtube_api_url, client_id, client_secret)


def _wordpress_account(site: str, username: str, password: str) -> Any:
    from kabar.adapters.channels.wordpress import WordPressSite

    return WordPressSite(site, username, password)


def add_routes(app: Any, web: Any) -> None:  # noqa: C901 - one registration block
    def public_base() -> str:
        return services().settings.public_url.rstrip("/") or web._origin()

    def callback_url(provider: str) -> str:
        return f"{public_base()}/app/oauth/{provider}"

    def settings_with(session: Any, village: Any, status: int = 200, error: tuple[str, str] | None = None) -> Any:
        return web._settings_page(session, village, error=error, status=status)

    def go(session: Any, village: Any, target: str, provider_name: str) -> Any:
        return web._html(200, "app/connect_go.html", session, village=village, page="settings", target=target,
                         provider_name=provider_name)

    def refused(session: Any, err: Exception) -> Any:
        words = web._error_words(err) if isinstance(err, KabarError) else _channel_words(err)
        return web._message(400 if isinstance(err, KabarError) else 502,
                            ("Kanal belum tersambung", "Channel not connected"), words, session)

    @app.post("/app/<village>/settings/connect/<provider>")
    @web._village_page
    def connect_start(session, village, provider: str, form: dict) -> Any:  # noqa: ANN001
        svc = services()
        if provider not in connect.PROVIDERS:
            raise NotFound("provider")
        at = now()
        try:
            if provider == "facebook":
                meta = _meta(svc)
                state = connect.start(session.staff, village, session.session_hash, provider, svc.credentials, at)
                return go(session, village, connect.facebook_dialog(
                    svc.settings.facebook_dialog_url, svc.settings.graph_api_version, meta.app_id,
                    callback_url("facebook"), state), "Facebook")
            if provider == "google":
                client_id, _ = _google_client(svc)
                state = connect.start(session.staff, village, session.session_hash, provider, svc.credentials, at)
                return go(session, village, connect.google_dialog(svc.settings.google_auth_url, client_id,
                                                                  callback_url("google"), state), "Google")
            from kabar.usecases.wordpress_connect import normalize_site

            site = normalize_site((form.get("site") or [""])[0])
            state = connect.start(session.staff, village, session.session_hash, provider, svc.credentials, at,
                                  extra={"site": site})
            return go(session, village, connect.wordpress_authorize_url(state, site, callback_url("wordpress"), at,
                                                                        village.id), "WordPress")
        except KabarError as err:
            if isinstance(err, NotFound):
                raise
            return settings_with(session, village, 422, web._error_words(err))

    @app.post("/app/<village>/settings/connect/wordpress/manual")
    @web._village_page
    def connect_wordpress_manual(session, village, form: dict) -> Any:  # noqa: ANN001
        svc = services()
        fields = {k: (form.get(k) or [""])[0] for k in ("site", "username", "password")}
        try:
            connect.wordpress_manual(fields, session.staff, village, svc.credentials, svc.store, _wordpress_account,
                                     now())
        except KabarError as err:
            return settings_with(session, village, 422, web._error_words(err))
        except Exception as err:  # noqa: BLE001 - a channel error: its explanation is for the admin
            if getattr(err, "explanation", None) is None:
                raise
            return settings_with(session, village, 422, _channel_words(err))
        _audit(session, village, "wordpress", "manual")
        return web._redirect(f"/app/{village.id}/settings?ok=connected-wordpress#kanal")

    @app.get("/app/oauth/<provider>")
    def connect_callback(provider: str) -> Any:
        """Where the provider sends the browser back: the state names the village; the session must be the
        one that began (an admin of that village)."""
        session = web.sessions.current_session(web._cookie_value(), svc=services())
        if session is None:
            return web._signed_out()
        query = dict(app.current_event.query_string_parameters or {})
        village_id = connect.state_village(query.get("state", "")) or ""
        svc = services()
        try:
            village = workspace_pages.village_for(session.staff, village_id, svc)
        except NotFound:
            return web._not_found(session)
        at = now()
        try:
            if provider == "facebook":
                picking = connect.facebook_callback(query, session.staff, village, session.session_hash,
                                                    svc.credentials, _meta(svc), callback_url("facebook"), at)
                return web._html(200, "app/connect_pick.html", session, village=village, page="settings",
                                 picking=picking)
            if provider == "google":
                picking = connect.google_callback(query, session.staff, village, session.session_hash,
                                                  svc.credentials, _google(svc), callback_url("google"), at)
                return web._html(200, "app/connect_pick.html", session, village=village, page="settings",
                                 picking=picking)
            if provider == "wordpress":
                connect.wordpress_callback(query, session.staff, village, session.session_hash, svc.credentials,
                                           svc.store, _wordpress_account, at)
                _audit(session, village, "wordpress", "authorize-application")
                return web._redirect(f"/app/{village.id}/settings?ok=connected-wordpress#kanal")
        except web.workspace_actions.NotAllowed:
            return web._message(403, ("Hanya dapat melihat", "Read only"),
                                ("Hanya admin desa yang dapat menyambungkan kanal.",
                                 "Only the village's admin can connect channels."), session)
        except KabarError as err:
            return refused(session, err)
        except Exception as err:  # noqa: BLE001 - a provider's refusal: its explanation is for the admin
            if getattr(err, "explanation", None) is None:
                raise
            return refused(session, err)
        return web._not_found(session)

    @app.post("/app/<village>/settings/connect/<provider>/pick")
    @web._village_page
    def connect_pick(session, village, provider: str, form: dict) -> Any:  # noqa: ANN001
        svc = services()
        pick = (form.get("pick") or [""])[0]
        choice = (form.get("choice") or [""])[0]
        try:
            if provider == "facebook":
                done = connect.facebook_pick(pick, choice, session.staff, village, session.session_hash,
                                             svc.credentials, _meta(svc), svc.store, now())
            elif provider == "google":
                done = connect.google_pick(pick, choice, session.staff, village, session.session_hash,
                                           svc.credentials, _google_client(svc),
                                           {"token_url": svc.settings.google_token_url,
                                            "api_base_url": svc.settings.youtube_api_url},
                                           svc.store, now())
            else:
                raise NotFound("provider")
        except KabarError as err:
            if isinstance(err, NotFound):
                raise
            return refused(session, err)
        except Exception as err:  # noqa: BLE001 - a provider's refusal: its explanation is for the admin
            if getattr(err, "explanation", None) is None:
                raise
            return refused(session, err)
        _audit(session, village, provider, done.account)
        return web._redirect(f"/app/{village.id}/settings?ok=connected-{provider}#kanal")

    def _audit(session: Any, village: Any, provider: str, note: str) -> None:
        web.sessions.audit(services(), session.staff, village.id, "channel_connected", f"channel:{provider}", now(),
                           note=note[:200])


def _channel_words(err: Exception) -> tuple[str, str]:
    explanation = getattr(err, "explanation", None)
    if explanation is not None:
        return explanation.id, explanation.en
    return "Terjadi kesalahan.", "Something went wrong."
