"""Connecting a village's channels by logging in, from the workspace's village settings.

- **Facebook Page and Instagram** (Facebook Login): ``start`` makes a single-use ``state`` bound to the
  admin's browser session and sends the browser to Facebook's login dialog with the permissions Kabar
  needs (publishing, insights, comments, messages). Facebook sends the browser back with a ``code``:
  ``facebook_callback`` checks the state (this village, this session, unused, in time), exchanges the
  code for a user token and that for a long-lived one, and lists the Pages the person manages. The
  long-lived token waits sealed in the state's record (never in the page) until the admin picks a
  Page: ``facebook_pick`` reads the Page's token, subscribes the app to the Page's webhooks, stores the
  Page token sealed in the table with the linked Instagram business account, and points the village's
  Facebook (and Instagram) channel at them through the village's one channel-configuration write.
- **YouTube** (Google OAuth, offline access): the same state; the code gives a refresh token; the
  admin picks the channel when the account has more than one.
- **WordPress**: WordPress's own authorize-application page (``wordpress_connect``), with the same
  session-bound state; or the manual form (site, username, application password). Either way the
  account must be able to upload media, create the category and publish, before anything is stored.

Every connection replaces the earlier credential of that channel (reconnecting is connecting again),
is written to the village's audit trail, and never shows a token back.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from ..domain.errors import KabarError, NotFound
from ..domain.models import ChannelConfig, Procedure, Staff, Village
from ..domain.text import t
from ..domain.tokens import new_token, split_token, token_hash
from ..ports import CredentialStore
from .workspace_actions import require_actor

#: How long a login at the provider may take, from pressing "connect" to coming back (and picking).
STATE_TTL = timedelta(minutes=15)

#: Facebook Login's permissions: publishing (Page and Instagram), insights, comments and messages, and
#: installing the app on the Page's webhooks.
FACEBOOK_SCOPES = (
    "pages_show_list", "pages_manage_posts", "pages_read_engagement", "pages_manage_metadata",
    "pages_manage_engagement", "pages_read_user_content", "pages_messaging", "read_insights", "publish_video",
    "instagram_basic", "instagram_content_publish", "instagram_manage_insights", "instagram_manage_comments",
    "instagram_manage_messages", "business_management",
)
#: What a Page needs to let Kabar publish (Meta's "tasks" of the person on that Page).
PAGE_TASKS_NEEDED = ("CREATE_CONTENT",)
#: Google OAuth scopes: uploading, and reading the account's channels (to pick one).
GOOGLE_SCOPES = ("https://www.googleapis.com/auth/youtube.upload",
                 "https://www.googleapis.com/auth/youtube.readonly")
PROVIDERS = ("facebook", "google", "wordpress")


class ConnectRefused(KabarError):
    status = 400
    code = "connect_refused"


_STALE = t("Tautan sambungan ini tidak berlaku (kedaluwarsa, sudah dipakai, atau dari sesi lain). Mulai lagi "
           "dari Pengaturan desa.",
           "This connection link is not valid (expired, already used, or from another session). Start again from "
           "the village settings.")


class MetaApi(Protocol):
    def exchange_code(self, code: str, redirect_uri: str) -> str: ...

    def long_lived(self, user_token: str) -> str: ...

    def pages(self, user_token: str) -> list[dict[str, Any]]: ...

    def subscribe(self, page_id: str, page_token: str) -> None: ...


class GoogleApi(Protocol):
    def exchange_code(self, code: str, redirect_uri: str) -> dict[str, Any]: ...

    def channels(self, access_token: str) -> list[dict[str, Any]]: ...


class VillageWriter(Protocol):
    """The village's one configuration write (also keeps its Page-id lookup)."""

    def get_village(self, tenant_id: str) -> Village: ...

    def put_village(self, village: Village) -> None: ...


@dataclass(frozen=True)
class Choice:
    id: str
    name: str
    detail: str = ""  # e.g. the linked Instagram account
    usable: bool = True
    why_not: tuple[str, str] = ("", "")


@dataclass(frozen=True)
class Picking:
    """Logged in at the provider; the admin picks one of ``choices`` (``pick`` is the form's token)."""

    provider: str
    pick: str
    choices: tuple[Choice, ...]


@dataclass(frozen=True)
class Connected:
    provider: str
    channels: tuple[str, ...]  # channel types now pointing at the new credential
    account: str  # what was connected, in words (the Page's name, the site, the channel's title)


def credential_name(village_id: str, provider: str) -> str:
    """The credential a provider's channels use (Facebook and Instagram share the Page's token)."""
    return f"kabar/{village_id}/{'meta' if provider == 'facebook' else provider}"


def _name_for(village: Village, types: tuple[str, ...], provider: str) -> str:
    """The credential a reconnection replaces: the one the channel already names, else the default."""
    for configs in village.channels.values():
        for config in configs:
            if config.type in types and config.secret_name:
                return config.secret_name
    return credential_name(village.id, provider)


def _session_bound(session_hash: str) -> str:
    return token_hash(f"connect-session:{session_hash}")


# --- the state ------------------------------------------------------------------------------------

def start(staff: Staff, village: Village, session_hash: str, provider: str, creds: CredentialStore,
          at: datetime, extra: dict[str, str] | None = None) -> str:
    """A new single-use state for ``provider``, bound to this village and this browser session."""
    require_actor(staff, village)
    if provider not in PROVIDERS:
        raise NotFound("provider")
    state = new_token(village.id)
    creds.put_state(village.id, token_hash(state), {"provider": provider, "session": _session_bound(session_hash),
                                                    "by": f"{staff.role.value}:{staff.email}", **(extra or {})},
                    at + STATE_TTL)
    return state


def take(state: str, provider: str, staff: Staff, village: Village, session_hash: str, creds: CredentialStore,
         at: datetime) -> dict[str, Any]:
    """The state's record, once, when it is this provider's, this village's and this session's."""
    require_actor(staff, village)
    if state_village(state) != village.id:
        raise ConnectRefused(_STALE)
    record = creds.take_state(village.id, token_hash(state), at)
    if record is None or record.get("provider") != provider or record.get("session") != _session_bound(session_hash):
        raise ConnectRefused(_STALE)
    return record


def state_village(state: str) -> str | None:
    """The village a state was made for (the callback's route has no village in it)."""
    parts = split_token(state or "")
    return parts[0] if parts else None


def _pick_state(village: Village, session_hash: str, provider: str, record: dict[str, Any], sealed: bytes,
                choices: list[Choice], creds: CredentialStore, at: datetime) -> str:
    pick = new_token(village.id)
    creds.put_state(village.id, token_hash(pick), {
        "provider": f"{provider}-pick", "session": _session_bound(session_hash), "by": record.get("by", ""),
        "sealed": sealed, "choices": [c.id for c in choices if c.usable],
        "names": {c.id: c.name[:200] for c in choices}}, at + STATE_TTL)
    return pick


# --- Facebook Page and Instagram -----------------------------------------------------------------

def facebook_dialog(dialog_base: str, version: str, app_id: str, redirect_uri: str, state: str) -> str:
    query = urllib.parse.urlencode({"client_id": app_id, "redirect_uri": redirect_uri, "state": state,
                                    "response_type": "code", "scope": ",".join(FACEBOOK_SCOPES)})
    return f"{dialog_base.rstrip('/')}/{version}/dialog/oauth?{query}"


def _page_choice(page: dict[str, Any]) -> Choice:
    ig = page.get("instagram_business_account") or {}
    detail = f"Instagram @{ig['username']}" if ig.get("username") else ("Instagram " + ig["id"] if ig.get("id") else "")
    tasks = set(page.get("tasks") or PAGE_TASKS_NEEDED)
    missing = [task for task in PAGE_TASKS_NEEDED if task not in tasks]
    return Choice(id=str(page.get("id")), name=str(page.get("name") or page.get("id")), detail=detail,
                  usable=not missing and bool(page.get("access_token")),
                  why_not=("Anda tidak berhak membuat konten di Halaman ini.",
                           "You may not create content on this Page.") if missing else ("", ""))


def facebook_callback(query: dict[str, str], staff: Staff, village: Village, session_hash: str,
                      creds: CredentialStore, meta: MetaApi, redirect_uri: str, at: datetime) -> Picking:
    record = take(query.get("state", ""), "facebook", staff, village, session_hash, creds, at)
    if query.get("error") or not query.get("code"):
        raise ConnectRefused(t("Login Facebook dibatalkan atau ditolak; tidak ada yang berubah.",
                               "The Facebook login was cancelled or refused; nothing changed."))
    user_token = meta.long_lived(meta.exchange_code(query["code"], redirect_uri))
    choices = [_page_choice(p) for p in meta.pages(user_token)]
    if not choices:
        raise ConnectRefused(t("Akun Facebook ini tidak mengelola Halaman apa pun, atau izin Halaman tidak diberikan "
                               "saat login. Ulangi dan pilih Halaman desa.",
                               "This Facebook account manages no Page, or the Page was not granted at login. Try "
                               "again and choose the village's Page."))
    sealed = creds.seal(village.id, "connect/facebook", {"user_token": user_token})
    pick = _pick_state(village, session_hash, "facebook", record, sealed, choices, creds, at)
    return Picking(provider="facebook", pick=pick, choices=tuple(choices))


def facebook_pick(pick: str, page_id: str, staff: Staff, village: Village, session_hash: str,
                  creds: CredentialStore, meta: MetaApi, villages: VillageWriter, at: datetime) -> Connected:
    record = take(pick, "facebook-pick", staff, village, session_hash, creds, at)
    if page_id not in (record.get("choices") or []):
        raise ConnectRefused(t("Halaman itu tidak ada dalam pilihan.", "That Page was not one of the choices."))
    user_token = creds.open(village.id, "connect/facebook", bytes(record["sealed"]))["user_token"]
    page = next((p for p in meta.pages(user_token) if str(p.get("id")) == page_id), None)
    if page is None or not page.get("access_token"):
        raise ConnectRefused(t("Halaman itu tidak lagi dapat dikelola akun ini.",
                               "This account can no longer manage that Page."))
    page_token = str(page["access_token"])
    meta.subscribe(page_id, page_token)
    ig = page.get("instagram_business_account") or {}
    current = villages.get_village(village.id)
    name = _name_for(current, ("facebook", "instagram"), "facebook")
    value = {"page_access_token": page_token, "page_id": page_id}
    about = {"account": str(page.get("name") or page_id), "page_id": page_id}
    if ig.get("id"):
        value["ig_user_id"] = str(ig["id"])
        about["instagram"] = f"@{ig['username']}" if ig.get("username") else str(ig["id"])
    creds.put(village.id, name, value, about, str(record.get("by", "")), at)
    social = [c for c in current.channels.get(Procedure.SOCIAL) or [] if c.type not in ("facebook", "instagram")]
    earlier = {c.type: dict(c.model_extra or {}) for c in current.channels.get(Procedure.SOCIAL) or []}
    social.insert(0, ChannelConfig(type="facebook", page_id=page_id, secret_name=name,
                                   **{k: v for k, v in earlier.get("facebook", {}).items()}))
    types = ["facebook"]
    if ig.get("id"):
        extra = {k: v for k, v in earlier.get("instagram", {}).items() if k != "ig_user_id"}
        social.insert(1, ChannelConfig(type="instagram", secret_name=name, ig_user_id=str(ig["id"]), **extra))
        types.append("instagram")
    villages.put_village(current.model_copy(update={"channels": {**current.channels, Procedure.SOCIAL: social}}))
    account = about["account"] + (f" + Instagram {about['instagram']}" if "instagram" in about else "")
    return Connected(provider="facebook", channels=tuple(types), account=account)


# --- YouTube (Google OAuth) -----------------------------------------------------------------------

def google_dialog(auth_url: str, client_id: str, redirect_uri: str, state: str) -> str:
    query = urllib.parse.urlencode({"client_id": client_id, "redirect_uri": redirect_uri, "state": state,
                                    "response_type": "code", "scope": " ".join(GOOGLE_SCOPES),
                                    "access_type": "offline", "prompt": "consent",
                                    "include_granted_scopes": "true"})
    return f"{auth_url}?{query}"


def google_callback(query: dict[str, str], staff: Staff, village: Village, session_hash: str,
                    creds: CredentialStore, google: GoogleApi, redirect_uri: str, at: datetime) -> Picking:
    record = take(query.get("state", ""), "google", staff, village, session_hash, creds, at)
    if query.get("error") or not query.get("code"):
        raise ConnectRefused(t("Login Google dibatalkan atau ditolak; tidak ada yang berubah.",
                               "The Google sign-in was cancelled or refused; nothing changed."))
    answer = google.exchange_code(query["code"], redirect_uri)
    granted = set(str(answer.get("scope") or "").split())
    if GOOGLE_SCOPES[0] not in granted:
        raise ConnectRefused(t("Izin mengunggah video ke YouTube tidak diberikan saat login Google. Ulangi dan "
                               "centang izin itu.",
                               "Permission to upload videos to YouTube was not given at sign-in. Try again and "
                               "tick that permission."))
    if not answer.get("refresh_token"):
        raise ConnectRefused(t("Google tidak memberi izin akses offline (refresh token). Ulangi sambungan.",
                               "Google gave no offline access (refresh token). Connect again."))
    channels = google.channels(str(answer["access_token"]))
    if not channels:
        raise ConnectRefused(t("Akun Google ini belum punya kanal YouTube.", "This Google account has no YouTube "
                                                                              "channel yet."))
    choices = [Choice(id=str(c.get("id")), name=str((c.get("snippet") or {}).get("title") or c.get("id")))
               for c in channels]
    sealed = creds.seal(village.id, "connect/google", {"refresh_token": answer["refresh_token"]})
    pick = _pick_state(village, session_hash, "google", record, sealed, choices, creds, at)
    return Picking(provider="google", pick=pick, choices=tuple(choices))


def google_pick(pick: str, channel_id: str, staff: Staff, village: Village, session_hash: str,
                creds: CredentialStore, client: tuple[str, str], urls: dict[str, str], villages: VillageWriter,
                at: datetime) -> Connected:
    """Store the refresh token for the chosen channel (``client``: the OAuth client's id and secret;
    ``urls``: the token endpoint and the API's base, stored with it)."""
    record = take(pick, "google-pick", staff, village, session_hash, creds, at)
    if channel_id not in (record.get("choices") or []):
        raise ConnectRefused(t("Kanal itu tidak ada dalam pilihan.", "That channel was not one of the choices."))
    refresh = creds.open(village.id, "connect/google", bytes(record["sealed"]))["refresh_token"]
    name = _name_for(villages.get_village(village.id), ("youtube",), "youtube")
    title = str((record.get("names") or {}).get(channel_id) or channel_id)
    creds.put(village.id, name, {"client_id": client[0], "client_secret": client[1], "refresh_token": refresh,
                                 "channel_id": channel_id, **urls},
              {"account": title, "channel_id": channel_id}, str(record.get("by", "")), at)
    current = villages.get_village(village.id)
    social = [c for c in current.channels.get(Procedure.SOCIAL) or [] if c.type != "youtube"]
    earlier = next((dict(c.model_extra or {}) for c in current.channels.get(Procedure.SOCIAL) or []
                    if c.type == "youtube"), {})
    earlier.pop("channel_id", None)
    social.append(ChannelConfig(type="youtube", secret_name=name, channel_id=channel_id, **earlier))
    villages.put_village(current.model_copy(update={"channels": {**current.channels, Procedure.SOCIAL: social}}))
    return Connected(provider="google", channels=("youtube",), account=title)


# --- WordPress ------------------------------------------------------------------------------------

def wordpress_store(village: Village, site: str, username: str, password: str, by: str, creds: CredentialStore,
                    villages: VillageWriter, account: Callable[[str, str, str], Any], at: datetime) -> Connected:
    """Check the account may upload, create the category and publish; then store and point the channel."""
    from . import wordpress_connect as flow

    me = account(site, username, password).whoami()
    capabilities = me.get("capabilities") or {}
    missing = [c for c in flow.REQUIRED if not capabilities.get(c[0])]
    if not me.get("id") and not me.get("roles"):
        raise ConnectRefused(t("WordPress tidak mengenali nama pengguna dan application password ini.",
                               "WordPress did not recognise this username and application password."))
    if missing:
        raise ConnectRefused(flow._explain_missing(username, tuple(me.get("roles") or []), missing))
    name = _name_for(villages.get_village(village.id), ("wordpress",), "wordpress")
    creds.put(village.id, name, {"base_url": site, "username": username, "application_password": password},
              {"account": site, "username": username}, by, at)
    current = villages.get_village(village.id)
    villages.put_village(flow._with_wordpress(current, site, name))
    return Connected(provider="wordpress", channels=("wordpress",), account=f"{site} ({username})")


def wordpress_manual(form: dict[str, str], staff: Staff, village: Village, creds: CredentialStore,
                     villages: VillageWriter, account: Callable[[str, str, str], Any], at: datetime) -> Connected:
    from . import wordpress_connect as flow

    require_actor(staff, village)
    site = flow.normalize_site(form.get("site", ""))
    username = form.get("username", "").strip()
    password = re.sub(r"\s+", " ", form.get("password", "")).strip()
    if not username or not password:
        raise ConnectRefused(t("Isi nama pengguna dan application password.",
                               "Fill in the username and the application password."))
    return wordpress_store(village, site, username, password, f"{staff.role.value}:{staff.email}", creds, villages,
                           account, at)


def wordpress_authorize_url(state: str, site: str, callback_url: str, at: datetime, village_id: str) -> str:
    """WordPress's authorize-application page, coming back to ``callback_url`` with our state."""
    from ..domain.clock import to_wib
    from . import wordpress_connect as flow

    back = f"{callback_url}?state={urllib.parse.quote(state)}"
    name = f"{flow.APP_NAME} {village_id} {to_wib(at):%Y-%m-%d %H.%M.%S} WIB"
    query = urllib.parse.urlencode({"app_name": name, "app_id": flow.APP_ID, "success_url": back,
                                    "reject_url": f"{back}&rejected=1"})
    return f"{site}/wp-admin/authorize-application.php?{query}"


def wordpress_callback(query: dict[str, str], staff: Staff, village: Village, session_hash: str,
                       creds: CredentialStore, villages: VillageWriter, account: Callable[[str, str, str], Any],
                       at: datetime) -> Connected:
    from . import wordpress_connect as flow

    record = take(query.get("state", ""), "wordpress", staff, village, session_hash, creds, at)
    site = str(record.get("site") or "")
    username, password = flow.returned_login(query, site)
    return wordpress_store(village, site, username, password, str(record.get("by", "")), creds, villages, account,
                           at)


def connected_channels(village: Village, creds: CredentialStore) -> list[dict[str, Any]]:
    """Each configured channel with what may be shown of its credential (never the value)."""
    described = creds.describe(village.id)
    out = []
    for procedure, configs in village.channels.items():
        for index, config in enumerate(configs):
            info = described.get(config.secret_name or "") if config.secret_name else None
            if info and info.get("connected_at"):
                info = {**info, "connected_at": datetime.fromisoformat(str(info["connected_at"]))}
            out.append({"procedure": procedure, "index": index, "config": config, "credential": info,
                        "needs_credential": config.type != "static_site"})
    return out
