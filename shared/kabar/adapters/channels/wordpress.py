"""A WordPress site (REST API, application password) behind the Channel port: procedure B (website).

Publishing: each photo is uploaded raw to ``POST /wp/v2/media`` (``Content-Disposition: attachment;
filename=...``), the first becomes the featured image; the category is looked up by name and created
when missing; then ``POST /wp/v2/posts`` with ``status=publish``.

Finding an earlier post: the content carries an HTML comment ``<!-- kabar:<marker> -->`` (invisible to
readers); WordPress's ``search`` covers the raw content, and ``context=edit`` returns it to check.

Errors are WordPress's ``{"code", "message", "data": {"status"}}``: 401 and 403 are permanent (wrong
application password, missing capability), 429 and 5xx transient; a 5xx or a timeout on the post
itself is ambiguous, so the post is looked for before the error is passed on.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import mimetypes
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message

from ...domain.text import Bilingual, t
from ...ports import ChannelPost, PermanentChannelError, Published, TransientChannelError
from .errors import NO_ANSWER_ERRORS, ChannelPermanentError, ChannelTransientError, error_body, json_object

log = logging.getLogger(__name__)

DEFAULT_CATEGORY = "Berita"


class WordPressPermanentError(ChannelPermanentError):
    pass


class WordPressTransientError(ChannelTransientError):
    pass


class WordPressSite:
    name = "wordpress"

    def __init__(self, base_url: str, username: str, application_password: str, *, category: str = DEFAULT_CATEGORY,
                 timeout: float = 30, secret_name: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.api = f"{self.base_url}/wp-json"
        self.category = category
        self.timeout = timeout
        self.secret_name = secret_name
        # Application passwords are shown with spaces; WordPress accepts them with or without.
        credentials = f"{username}:{application_password.replace(' ', '')}".encode()
        self._auth = "Basic " + base64.b64encode(credentials).decode()

    def __repr__(self) -> str:
        return f"WordPressSite(base_url={self.base_url!r})"

    # -- the Channel port ---------------------------------------------------------------------------

    def publish(self, post: ChannelPost) -> Published:
        # Photos an earlier attempt uploaded are reused (found by their file names), not uploaded again.
        stem = self.media_stem(post.marker)
        earlier = self._uploaded(stem) if post.photo_urls else {}
        media = [earlier.get(f"{stem}-{n}") or self._upload(url, stem, n) for n, url in enumerate(post.photo_urls, 1)]
        body = {
            "title": post.title, "status": "publish", "excerpt": post.lead,
            "content": self.content_for(post, media), "categories": [self._category_id(self.category)],
            "slug": post.slug,
        }
        if media:
            body["featured_media"] = media[0]["id"]
        try:
            created = self._call("POST", "/wp/v2/posts", json_body=body)
        except WordPressTransientError as err:
            if not err.ambiguous:
                raise
            found = self._find_quietly(post)
            if found:
                log.info("wordpress: the post was made despite the error", extra={"post_id": found.remote_id})
                return found
            raise
        return Published(remote_id=str(created["id"]), url=created.get("link"))

    def find(self, post: ChannelPost) -> Published | None:
        found = self._call("GET", "/wp/v2/posts", query={
            "search": post.marker, "context": "edit", "status": "publish,future,draft,pending,private",
            "per_page": "10"})
        tag = self.tag(post.marker)
        for item in found if isinstance(found, list) else []:
            content = item.get("content") or {}
            if tag in (content.get("raw") or content.get("rendered") or ""):
                return Published(remote_id=str(item["id"]), url=item.get("link"))
        return None

    # -- content ------------------------------------------------------------------------------------

    @staticmethod
    def tag(marker: str) -> str:
        return f"<!-- kabar:{marker} -->"

    @classmethod
    def content_for(cls, post: ChannelPost, media: list[dict]) -> str:
        """The article's HTML, the uploaded photos as a gallery, and the marker."""
        gallery = "".join(
            f'<figure class="wp-block-image"><img src="{_attr(m["source_url"])}" alt="{_attr(post.title)}"/></figure>'
            for m in media[1:])
        gallery = f'\n<div class="kabar-galeri">{gallery}</div>' if gallery else ""
        return f"{post.text}{gallery}\n{cls.tag(post.marker)}"

    # -- REST calls ---------------------------------------------------------------------------------

    @staticmethod
    def media_stem(marker: str) -> str:
        """``kabar-<12 hex>``: the photos' file names, the same for every attempt of one post."""
        return "kabar-" + hashlib.sha256(marker.encode()).hexdigest()[:12]

    def _uploaded(self, stem: str) -> dict[str, dict]:
        found = self._call("GET", "/wp/v2/media", query={"search": stem, "per_page": "100"})
        by_name: dict[str, dict] = {}
        for item in found if isinstance(found, list) else []:
            name = str(item.get("slug") or "")
            if name.startswith(f"{stem}-") and item.get("source_url"):
                by_name.setdefault(name, item)
        return by_name

    def _upload(self, url: str, stem: str, number: int) -> dict:
        data, content_type = _download(url, self.timeout)
        extension = mimetypes.guess_extension(content_type) or ".jpg"
        filename = f"{stem}-{number}{'.jpg' if extension == '.jpe' else extension}"
        return self._call("POST", "/wp/v2/media", raw=data, headers={
            "Content-Type": content_type, "Content-Disposition": f'attachment; filename="{filename}"'})

    def _category_id(self, name: str) -> int:
        for item in self._call("GET", "/wp/v2/categories", query={"search": name, "per_page": "100"}):
            if str(item.get("name", "")).strip().lower() == name.lower():
                return int(item["id"])
        try:
            return int(self._call("POST", "/wp/v2/categories", json_body={"name": name})["id"])
        except WordPressPermanentError as err:
            term = getattr(err, "term_id", None)
            if term:
                return int(term)
            raise

    def _find_quietly(self, post: ChannelPost) -> Published | None:
        try:
            return self.find(post)
        except (PermanentChannelError, TransientChannelError) as err:
            log.warning("wordpress: could not look for the post after an error", extra={"error": str(err)})
            return None

    def _call(self, method: str, path: str, *, query: dict[str, str] | None = None, json_body: dict | None = None,
              raw: bytes | None = None, headers: dict[str, str] | None = None):
        url = f"{self.api}{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        all_headers = {"Accept": "application/json", "User-Agent": "kabar", "Authorization": self._auth,
                       **(headers or {})}
        data = raw
        if json_body is not None:
            data = json.dumps(json_body).encode()
            all_headers["Content-Type"] = "application/json; charset=utf-8"
        request = urllib.request.Request(url, data=data, method=method, headers=all_headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as err:
            raise self._error(method, err.code, error_body(err), err.headers) from None
        except NO_ANSWER_ERRORS as err:
            log.warning("wordpress: no answer", extra={"method": method, "path": path, "error": repr(err)})
            raise WordPressTransientError(_EXPLAIN_NO_ANSWER, ambiguous=method == "POST") from None
        except ValueError:
            raise WordPressTransientError(_EXPLAIN_NO_ANSWER, "(not JSON)", ambiguous=method == "POST") from None

    def _error(self, method: str, status: int, raw: bytes, headers: Message | None) -> Exception:
        body = json_object(raw)
        code = str(body.get("code") or "")
        detail = f"[WordPress: HTTP {status}, {code or '-'}: {str(body.get('message') or '')[:300]}]"
        log.warning("wordpress: error", extra={"http_status": status, "code": code})
        if status == 401 or code in ("incorrect_password", "invalid_username", "rest_not_logged_in",
                                     "application_passwords_disabled"):
            return WordPressPermanentError(_explain_login(self.secret_name), detail)
        if status == 403:
            return WordPressPermanentError(_EXPLAIN_PERMISSION, detail)
        if status == 429 or status >= 500:
            return WordPressTransientError(_EXPLAIN_UNAVAILABLE, detail, ambiguous=status >= 500 and method == "POST",
                                           retry_after=_seconds(headers.get("Retry-After") if headers else None))
        error = WordPressPermanentError(_EXPLAIN_REFUSED, detail)
        if code == "term_exists":
            error.term_id = (body.get("data") or {}).get("term_id") or body.get("additional_data", [None])[0]
        return error


def _download(url: str, timeout: float) -> tuple[bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310 - presigned media URLs
            return answer.read(), (answer.headers.get_content_type() or "image/jpeg")
    except NO_ANSWER_ERRORS as err:
        raise WordPressTransientError(t("Foto tidak dapat diambil dari penyimpanan.",
                                        "A photo could not be read from storage."), repr(err)) from None


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _attr(value: str) -> str:
    return (value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;"))


def _explain_login(secret_name: str | None) -> Bilingual:
    where = f" '{secret_name}'" if secret_name else ""
    return t(
        "WordPress menolak login (nama pengguna atau application password salah, atau sudah dicabut). Admin: buat "
        f"application password baru di Profil WordPress, simpan di secret{where} sebagai application_password, "
        "lalu terbitkan ulang.",
        "WordPress refused the login (wrong username or application password, or it was revoked). Admin: create a "
        f"new application password in the WordPress profile, store it in secret{where} as application_password, "
        "then publish again.")


_EXPLAIN_PERMISSION = t(
    "Akun WordPress tidak berhak menerbitkan berita atau mengunggah media. Admin: beri akun itu peran Editor "
    "atau Author, lalu terbitkan ulang.",
    "The WordPress account may not publish posts or upload media. Admin: give it the Editor or Author role, "
    "then publish again.")
_EXPLAIN_REFUSED = t(
    "WordPress menolak berita ini. Admin: baca pesan WordPress di bawah, perbaiki, lalu terbitkan ulang.",
    "WordPress refused this post. Admin: read WordPress's message below, fix the cause, then publish again.")
_EXPLAIN_UNAVAILABLE = t("Situs WordPress sedang bermasalah; dicoba lagi.",
                         "The WordPress site is having trouble; trying again.")
_EXPLAIN_NO_ANSWER = t("Situs WordPress tidak menjawab tepat waktu; dicoba lagi.",
                       "The WordPress site did not answer in time; trying again.")
