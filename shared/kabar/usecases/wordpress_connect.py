"""Connecting a village's WordPress by logging in: WordPress's authorize-application flow.

1. ``authorize_url``: the admin is sent to ``<site>/wp-admin/authorize-application.php`` with ``app_name``,
   ``app_id``, ``success_url`` and ``reject_url``; both return addresses carry a ``state`` bound to the
   village, the site and an expiry (HMAC-signed), single-use.
2. The admin logs in to WordPress (as the account Kabar will publish with) and approves; WordPress sends
   the browser to ``success_url`` with ``site_url``, ``user_login`` and ``password`` (a new application
   password). ``connect`` checks the state (signature, expiry, first use, same site), asks WordPress who
   the account is and whether it may upload media, create categories and publish, and only then stores
   the credentials (sealed in the table under the deployment's KMS key) and points the village's
   WordPress channel at the site.

Nothing is stored before every check passed; a refused or repeated callback changes nothing. Errors
say their cause in Indonesian first (``ConnectRefused``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from ..domain.clock import to_wib
from ..domain.errors import KabarError
from ..domain.models import ChannelConfig, Procedure, Village
from ..domain.text import Bilingual, t

APP_NAME = "Kabar"
#: Stable per application (WordPress shows it beside the password it makes): uuid5(NAMESPACE_URL, "kabar").
APP_ID = "0225bf0d-f8e4-5a2b-8cc0-7c6b3812801f"
STATE_SECONDS = 30 * 60
_CONTEXT = b"kabar-wordpress-connect.v1."

#: What publishing needs, and the role that has it.
REQUIRED = (
    ("upload_files", "mengunggah foto", "upload photos"),
    ("manage_categories", "membuat kategori", "create categories"),
    ("publish_posts", "menerbitkan berita", "publish posts"),
)


class ConnectRefused(KabarError):
    status = 400
    code = "wordpress_connect_refused"


class CredentialStore(Protocol):
    """``ports.CredentialStore``'s writing half: the credential sealed in the table."""

    def put(self, tenant_id: str, name: str, value: dict[str, Any], about: dict[str, str], by: str,
            at: datetime) -> None: ...


class ConnectStore(Protocol):
    def claim_once(self, tenant_id: str, submission_id: str, key: str, at: datetime) -> bool: ...

    def get_village(self, tenant_id: str) -> Village: ...

    def put_village(self, village: Village) -> None: ...


class Account(Protocol):
    """The WordPress account the callback names (``WordPressSite`` is one)."""

    def whoami(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Connected:
    tenant_id: str
    site_url: str
    username: str
    roles: tuple[str, ...]
    secret_name: str


def state_key(link_signing_key: bytes) -> bytes:
    """The states' own key, derived from the deployment's link-signing key (one secret, separate uses)."""
    return hmac.new(link_signing_key, b"kabar-wordpress-connect-key", hashlib.sha256).digest()


def secret_name_for(tenant_id: str) -> str:
    return f"kabar/{tenant_id}/wordpress"


def normalize_site(url: str) -> str:
    """``https://desa.id`` from what an admin types (``desa.id/``, ``https://desa.id/wp-admin``)."""
    text = url.strip()
    if "://" not in text:
        text = f"https://{text}"
    parts = urllib.parse.urlsplit(text)
    try:
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        parts = urllib.parse.urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise ConnectRefused(t("Alamat situs WordPress tidak sah.", "The WordPress site's address is not valid."))
    path = parts.path.rstrip("/")
    for tail in ("/wp-admin", "/wp-login.php", "/wp-json"):
        path = path.removesuffix(tail)
    return f"{parts.scheme}://{parts.netloc.lower()}{path}"


def authorize_url(tenant_id: str, site_url: str, callback_url: str, key: bytes, at: datetime) -> str:
    """Where to send the admin's browser to connect ``site_url`` for ``tenant_id``."""
    site = normalize_site(site_url)
    state = sign_state(key, tenant_id, site, at + timedelta(seconds=STATE_SECONDS))
    back = f"{callback_url}{'&' if '?' in callback_url else '?'}state={urllib.parse.quote(state)}"
    # WordPress refuses a second application password of the same name (409), so each connection names
    # its own: the village and the moment, which also tells the admin later which password is which.
    name = f"{APP_NAME} {tenant_id} {to_wib(at):%Y-%m-%d %H.%M.%S} WIB"
    query = urllib.parse.urlencode({"app_name": name, "app_id": APP_ID, "success_url": back,
                                    "reject_url": f"{back}&rejected=1"})
    return f"{site}/wp-admin/authorize-application.php?{query}"


def sign_state(key: bytes, tenant_id: str, site: str, expires_at: datetime) -> str:
    payload = json.dumps({"v": tenant_id, "s": site, "e": int(expires_at.timestamp()),
                          "n": secrets.token_urlsafe(16)}, separators=(",", ":")).encode()
    part = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
    return f"{part}.{_mac(key, part)}"


def read_state(key: bytes, state: str, at: datetime) -> dict[str, Any]:
    part, _, mac = state.partition(".")
    if not part or not mac or not hmac.compare_digest(mac, _mac(key, part)):
        raise ConnectRefused(_STALE)
    try:
        payload = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except ValueError:
        raise ConnectRefused(_STALE) from None
    if int(payload.get("e", 0)) < at.timestamp():
        raise ConnectRefused(_STALE)
    return payload


def connect(query: Mapping[str, str], key: bytes, store: ConnectStore, credentials: CredentialStore,
            account: Callable[[str, str, str], Account], at: datetime) -> Connected:
    """The callback: ``query`` is what WordPress appended to ``success_url`` (or ``reject_url``)."""
    state = read_state(key, query.get("state", ""), at)
    tenant_id, site = str(state["v"]), str(state["s"])
    username, password = returned_login(query, site)
    if not store.claim_once(tenant_id, "CONNECT", f"wordpress#{state['n']}", at):
        raise ConnectRefused(_STALE)
    me = account(site, username, password).whoami()
    capabilities = me.get("capabilities") or {}
    missing = [c for c in REQUIRED if not capabilities.get(c[0])]
    if missing:
        raise ConnectRefused(_explain_missing(username, tuple(me.get("roles") or []), missing))
    name = secret_name_for(tenant_id)
    credentials.put(tenant_id, name, {"base_url": site, "username": username, "application_password": password},
                    {"account": site, "username": username}, "wordpress-authorize", at)
    village = store.get_village(tenant_id)
    store.put_village(_with_wordpress(village, site, name))
    return Connected(tenant_id=tenant_id, site_url=site, username=username, roles=tuple(me.get("roles") or []),
                     secret_name=name)


def returned_login(query: Mapping[str, str], site: str) -> tuple[str, str]:
    """The username and application password WordPress appended to ``success_url`` for ``site``; refused
    when the admin declined, when either is missing, or when another site answered."""
    if query.get("rejected") or query.get("success") == "false":
        raise ConnectRefused(t("Sambungan ke WordPress ditolak di halaman WordPress; tidak ada yang disimpan.",
                               "The connection was refused on WordPress's page; nothing was stored."))
    username, password = query.get("user_login", ""), query.get("password", "")
    if not username or not password:
        raise ConnectRefused(t("WordPress tidak mengirim nama pengguna dan application password.",
                               "WordPress sent no username and application password."))
    returned = query.get("site_url") or site
    if normalize_site(returned) != site:
        raise ConnectRefused(t(f"WordPress menjawab dari situs lain ({returned}); tidak ada yang disimpan.",
                               f"WordPress answered from another site ({returned}); nothing was stored."))
    return username, password


def _with_wordpress(village: Village, site: str, name: str) -> Village:
    """The village's website channels with this WordPress (an earlier WordPress entry is replaced)."""
    website = [c for c in village.channels.get(Procedure.WEBSITE) or [] if c.type != "wordpress"]
    earlier = next((c for c in village.channels.get(Procedure.WEBSITE) or [] if c.type == "wordpress"), None)
    extra = dict(earlier.model_extra or {}) if earlier else {}
    extra.update(base_url=site)
    website.append(ChannelConfig(type="wordpress", secret_name=name, **extra))
    return village.model_copy(update={"channels": {**village.channels, Procedure.WEBSITE: website}})


def _mac(key: bytes, part: str) -> str:
    digest = hmac.new(key, _CONTEXT + part.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _explain_missing(username: str, roles: tuple[str, ...], missing: list[tuple[str, str, str]]) -> Bilingual:
    caps = ", ".join(c[0] for c in missing)
    doing_id = ", ".join(c[1] for c in missing)
    doing_en = ", ".join(c[2] for c in missing)
    role = "/".join(roles) or "-"
    return t(f"Akun WordPress '{username}' (peran {role}) tidak berhak {doing_id} (kemampuan {caps}). Hubungkan "
             "dengan akun berperan Editor (atau Administrator); tidak ada yang disimpan.",
             f"The WordPress account '{username}' (role {role}) may not {doing_en} (capabilities {caps}). Connect "
             "with an account that has the Editor (or Administrator) role; nothing was stored.")


_STALE = t("Tautan sambungan WordPress ini tidak berlaku (kedaluwarsa, sudah dipakai, atau diubah). Mulai lagi "
           "dari pengaturan kanal.",
           "This WordPress connection link is not valid (expired, already used, or altered). Start again from the "
           "channel settings.")
