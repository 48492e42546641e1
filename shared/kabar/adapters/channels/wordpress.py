"""A WordPress site (REST API, application password) behind the Channel port: procedure B (website).

Publishing, resumable at every step: the post is made first as a draft carrying the marker (an HTML
comment ``<!-- kabar:<marker> -->``, invisible to readers); each photo is uploaded raw to
``POST /wp/v2/media`` attached to that post, with its alt text and caption (the first becomes the
featured image); the category is looked up by name (WordPress stores names HTML-escaped) and created
when missing; then the post is filled in and published. A retry finds the draft and the photos of an
earlier attempt and goes on from there; ``find`` only reports a post that is online.

The article is what the reviewer saw in the preview: the dateline and the lead, the body, the gallery
with captions and alt texts. With the draft video (the published copy, never the original, approved by
the PPID with the social draft) the article plays it, the video step's cover frame as its poster
(``<video poster>``), both uploaded once to the media library and attached to the post; the cover is
the featured image when there is no photo. Every piece of text from people is escaped, and the whole HTML passes an
allow-list sanitizer (nh3) before it is sent: an Editor's account may post raw HTML (``unfiltered_html``),
so WordPress itself would not clean it.

Addresses: ``/wp-json/...``; a site with plain permalinks answers that with its home page, so the
``/?rest_route=...`` form, which always works, is used from then on. Redirects follow the channels' rule
(``http.send``): the same host's https address is followed and reported (``notice``), anything else is a
configuration error. A refused login forgets the cached secret (``on_login_refused``), so a corrected
application password is read on the next attempt.

Errors are WordPress's ``{"code", "message", "data": {"status"}}``. A wrong application password is not
refused on a read (WordPress answers it anonymously) but on the first write, with 401. 401 and 403 are
permanent, and a 403 names the capability the account lacks and the role that has it; 429 and 5xx are
transient; a 5xx or a timeout on a write is ambiguous, so the post is looked for before the error is
passed on.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import logging
import mimetypes
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from email.message import Message

from ...domain.text import Bilingual, t
from ...ports import ChannelPost, PermanentChannelError, Published, TransientChannelError
from .errors import NO_ANSWER_ERRORS, ChannelPermanentError, ChannelTransientError, error_body, json_object
from .http import RedirectRefused, send

log = logging.getLogger(__name__)

DEFAULT_CATEGORY = "Berita"
ONLINE = ("publish", "future")

#: What Kabar's own article HTML may contain; anything else is dropped before it reaches WordPress.
ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "blockquote", "h2", "h3", "a", "div",
                "figure", "figcaption", "img", "span", "video"}
ALLOWED_ATTRIBUTES = {"*": {"class"}, "a": {"href"}, "img": {"src", "alt", "width", "height"},
                      "video": {"src", "poster", "controls", "preload", "playsinline"}}


class WordPressPermanentError(ChannelPermanentError):
    code: str = ""  # WordPress's error code, when it gave one
    term_id: object = None  # with ``term_exists``: the category that is already there


class WordPressTransientError(ChannelTransientError):
    pass


class _NotRestAnswer(Exception):
    """``/wp-json`` answered with something that is not the REST API (plain permalinks)."""


def sanitize(fragment: str) -> str:
    """``fragment`` through the allow-list (nh3, Ammonia): no script, no event handler, no style, links
    and images by http(s) only. Kabar's own article HTML passes unchanged."""
    import nh3

    return nh3.clean(fragment, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https"},
                     link_rel=None, strip_comments=True)


def photo_text(title: str, village_name: str, number: int, count: int) -> str:
    """The alt text and caption of photo ``number``: the same words as the preview's gallery."""
    where = f", Kalurahan {village_name}" if village_name else ""
    return f"Dokumentasi {title}{where} ({number}/{count})"


class WordPressSite:
    name = "wordpress"

    def __init__(self, base_url: str, username: str, application_password: str, *, category: str = DEFAULT_CATEGORY,
                 timeout: float = 30, secret_name: str | None = None, village_name: str = "",
                 on_login_refused: Callable[[], None] | None = None, reconnect_url: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.configured_url = self.base_url
        self.category = category
        self.timeout = timeout
        self.secret_name = secret_name
        self.village_name = village_name
        self.on_login_refused = on_login_refused
        self.reconnect_url = reconnect_url
        self.rest_route = False  # plain permalinks: /?rest_route=/wp/v2/...
        self.moved_to: str | None = None  # the site answered from its https address
        # Application passwords are shown with spaces; WordPress accepts them with or without.
        credentials = f"{username}:{application_password.replace(' ', '')}".encode()
        self._auth = "Basic " + base64.b64encode(credentials).decode()

    def __repr__(self) -> str:
        return f"WordPressSite(base_url={self.base_url!r})"

    @property
    def notice(self) -> Bilingual | None:
        """What the admin should fix although publishing worked (the site moved to https)."""
        if not self.moved_to:
            return None
        return t(f"Situs WordPress sudah pindah ke {self.moved_to}. Admin: ganti alamat kanal WordPress "
                 f"({self.configured_url}) menjadi {self.moved_to} di pengaturan kanal.",
                 f"The WordPress site moved to {self.moved_to}. Admin: change the WordPress channel's address "
                 f"({self.configured_url}) to {self.moved_to} in the channel settings.")

    # -- the Channel port ---------------------------------------------------------------------------

    def publish(self, post: ChannelPost) -> Published:
        earlier = self._with_marker(post)
        online = next((item for item in earlier if item.get("status") in ONLINE), None)
        if online:
            return self._published(online)
        category = self._category_id(self.category)
        if earlier:
            post_id = int(earlier[0]["id"])
        else:
            post_id = int(self._call("POST", "/wp/v2/posts", json_body={
                "title": escape_text(post.title), "status": "draft", "content": self.tag(post.marker),
                "slug": post.slug, "categories": [category]})["id"])
        media = self._media(post, post_id)
        video = self._video(post, post_id)
        body = {
            "title": escape_text(post.title), "status": "publish", "excerpt": escape_text(post.lead),
            "content": self.content_for(post, media, self.village_name, video=video), "categories": [category],
            "slug": post.slug,
        }
        if media:
            body["featured_media"] = media[0]["id"]
        elif video and video.get("poster"):
            body["featured_media"] = video["poster"]["id"]
        try:
            created = self._call("POST", f"/wp/v2/posts/{post_id}", json_body=body)
        except WordPressTransientError as err:
            if not err.ambiguous:
                raise
            found = self._find_quietly(post)
            if found:
                log.info("wordpress: the post was made despite the error", extra={"post_id": found.remote_id})
                return found
            raise
        return self._published(created)

    def find(self, post: ChannelPost) -> Published | None:
        online = next((item for item in self._with_marker(post) if item.get("status") in ONLINE), None)
        return self._published(online) if online else None

    def whoami(self) -> dict:
        """The account's ``roles`` and ``capabilities`` (``users/me``); a refused login raises as publishing does."""
        answer = self._call("GET", "/wp/v2/users/me", query={"context": "edit"})
        return answer if isinstance(answer, dict) else {}

    def _published(self, item: dict) -> Published:
        return Published(remote_id=str(item["id"]), url=item.get("link"))

    def _with_marker(self, post: ChannelPost) -> list[dict]:
        """Posts of any status that carry ``post.marker`` (an earlier attempt's draft, or the post)."""
        try:
            found = self._call("GET", "/wp/v2/posts", query={
                "search": post.marker, "context": "edit", "status": "publish,future,draft,pending,private",
                "per_page": "10"})
        except WordPressPermanentError as err:
            # WordPress serves a wrong password anonymously, and an anonymous reader may not ask for drafts:
            # ask who we are, so that the admin hears "wrong password", not "invalid parameter".
            if getattr(err, "code", "") == "rest_invalid_param":
                self._call("GET", "/wp/v2/users/me")
            raise
        tag = self.tag(post.marker)
        return [item for item in found if isinstance(item, dict)
                and tag in ((item.get("content") or {}).get("raw") or "")] if isinstance(found, list) else []

    # -- content ------------------------------------------------------------------------------------

    @staticmethod
    def tag(marker: str) -> str:
        return f"<!-- kabar:{marker} -->"

    @classmethod
    def content_for(cls, post: ChannelPost, media: list[dict], village_name: str = "",
                    video: dict | None = None) -> str:
        """The article as the preview shows it: the dateline and the lead, the body, the video (its cover
        as the poster), the photos as a gallery with captions and alt texts; sanitized; then the marker."""
        parts = []
        dateline = ", ".join(p for p in (village_name, _date_text(post.activity_date)) if p)
        if post.lead:
            parts.append(f'<p class="kabar-lead"><strong class="kabar-dateline">{escape_text(dateline)}</strong>'
                         f" \u2013 {escape_text(post.lead)}</p>")
        elif dateline:
            parts.append(f'<p class="kabar-dateline">{escape_text(dateline)}</p>')
        parts.append(post.text)
        if video:
            poster = f' poster="{escape_attr(video["poster"]["source_url"])}"' if video.get("poster") else ""
            parts.append(f'<figure class="wp-block-video kabar-video"><video controls preload="none"{poster} '
                         f'src="{escape_attr(video["video"]["source_url"])}"></video>'
                         f"<figcaption>{escape_text(f'Video: {post.title}')}</figcaption></figure>")
        if media:
            figures = "".join(
                f'<figure class="wp-block-image"><img src="{escape_attr(m["source_url"])}" '
                f'alt="{escape_attr(text)}" class="wp-image-{int(m["id"])}"><figcaption>{escape_text(text)}'
                "</figcaption></figure>"
                for m, text in zip(media, cls.photo_texts(post, len(media), village_name), strict=True))
            parts.append(f'<div class="kabar-galeri">{figures}</div>')
        return sanitize("\n".join(parts)) + "\n" + cls.tag(post.marker)

    @staticmethod
    def photo_texts(post: ChannelPost, count: int, village_name: str = "") -> list[str]:
        return [photo_text(post.title, village_name, n, count) for n in range(1, count + 1)]

    # -- REST calls ---------------------------------------------------------------------------------

    @staticmethod
    def media_stem(marker: str) -> str:
        """``kabar-<12 hex>``: the photos' file names, the same for every attempt of one post."""
        return "kabar-" + hashlib.sha256(marker.encode()).hexdigest()[:12]

    def _media(self, post: ChannelPost, post_id: int) -> list[dict]:
        """The photos, attached to ``post_id`` with alt text and caption: an earlier attempt's uploads
        (found by their file names) are reused, not uploaded again."""
        if not post.photo_urls:
            return []
        stem = self.media_stem(post.marker)
        earlier = self._uploaded(stem)
        texts = self.photo_texts(post, len(post.photo_urls), self.village_name)
        media = []
        for n, (url, text) in enumerate(zip(post.photo_urls, texts, strict=True), 1):
            # escaped: WordPress strips tags (and a script's content) from alt text, and shows captions as HTML
            meta = {"post": str(post_id), "alt_text": escape_text(text), "caption": escape_text(text)}
            item = earlier.get(f"{stem}-{n}")
            if item is None:
                item = self._upload(url, stem, n, meta)
            elif int(item.get("post") or 0) != post_id or not item.get("alt_text"):
                item = self._call("POST", f"/wp/v2/media/{int(item['id'])}",
                                  json_body={**meta, "post": post_id})
            media.append(item)
        return media

    def _video(self, post: ChannelPost, post_id: int) -> dict[str, dict] | None:
        """The draft video and its cover frame in the media library, attached to ``post_id``: uploaded
        once (an earlier attempt's are found by their file names), ``{"video": item, "poster": item}``."""
        if not post.video_url:
            return None
        stem = self.media_stem(post.marker)
        earlier = self._uploaded(stem)
        meta = {"post": str(post_id), "caption": escape_text(f"Video: {post.title}")}
        found = {"video": earlier.get(f"{stem}-video")
                 or self._upload(post.video_url, stem, 0, meta, name=f"{stem}-video")}
        if post.video_cover_url:
            found["poster"] = earlier.get(f"{stem}-video-cover") or self._upload(
                post.video_cover_url, stem, 0, {**meta, "alt_text": escape_text(f"Sampul video {post.title}")},
                name=f"{stem}-video-cover")
        return found

    def _uploaded(self, stem: str) -> dict[str, dict]:
        found = self._call("GET", "/wp/v2/media", query={"search": stem, "per_page": "100", "context": "edit"})
        by_name: dict[str, dict] = {}
        for item in found if isinstance(found, list) else []:
            name = str(item.get("slug") or "")
            if name.startswith(f"{stem}-") and item.get("source_url"):
                by_name.setdefault(name, item)
        return by_name

    def _upload(self, url: str, stem: str, number: int, meta: dict[str, str], name: str | None = None) -> dict:
        data, content_type = _download(url, self.timeout)
        extension = mimetypes.guess_extension(content_type) or ".jpg"
        filename = f"{name or f'{stem}-{number}'}{'.jpg' if extension == '.jpe' else extension}"
        # The metadata rides in the query: the body is the raw file.
        return self._call("POST", "/wp/v2/media", query=meta, raw=data, headers={
            "Content-Type": content_type, "Content-Disposition": f'attachment; filename="{filename}"'})

    def _category_id(self, name: str) -> int:
        # WordPress stores the name HTML-escaped ("Berita &amp; Pengumuman"): a search by the raw name finds
        # nothing, so search by its longest plain word and compare the unescaped names.
        words = re.findall(r"[^\W_]+", name)
        query = {"per_page": "100", "hide_empty": "false"}
        if words:
            query["search"] = max(words, key=len)
        for item in self._call("GET", "/wp/v2/categories", query=query):
            if html.unescape(str(item.get("name", ""))).strip().lower() == name.strip().lower():
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

    def _url(self, path: str, query: dict[str, str] | None) -> str:
        if self.rest_route:
            return f"{self.base_url}/?" + urllib.parse.urlencode({"rest_route": path, **(query or {})})
        return f"{self.base_url}/wp-json{path}" + ("?" + urllib.parse.urlencode(query) if query else "")

    def _call(self, method: str, path: str, *, query: dict[str, str] | None = None, json_body: dict | None = None,
              raw: bytes | None = None, headers: dict[str, str] | None = None):
        try:
            return self._call_once(method, path, query=query, json_body=json_body, raw=raw, headers=headers)
        except _NotRestAnswer:
            if self.rest_route:
                raise WordPressPermanentError(_explain_unreachable(self.base_url)) from None
        log.info("wordpress: /wp-json is not the REST API here; using ?rest_route=")
        self.rest_route = True
        try:
            return self._call_once(method, path, query=query, json_body=json_body, raw=raw, headers=headers)
        except _NotRestAnswer:
            raise WordPressPermanentError(_explain_unreachable(self.base_url)) from None

    def _call_once(self, method: str, path: str, *, query: dict[str, str] | None, json_body: dict | None,
                   raw: bytes | None, headers: dict[str, str] | None):
        url = self._url(path, query)
        all_headers = {"Accept": "application/json", "User-Agent": "kabar", "Authorization": self._auth,
                       **(headers or {})}
        data = raw
        if json_body is not None:
            data = json.dumps(json_body).encode()
            all_headers["Content-Type"] = "application/json; charset=utf-8"
        request = urllib.request.Request(url, data=data, method=method, headers=all_headers)  # noqa: S310
        try:
            with send(request, self.timeout, moved=self._moved) as response:
                body = response.read()
                kind = response.headers.get_content_type()
        except RedirectRefused as err:
            if not self.rest_route and _same_site(url, err.target):
                raise _NotRestAnswer from None  # plain permalinks: /wp-json answers with the home page
            raise
        except urllib.error.HTTPError as err:
            raw_error = error_body(err)
            if err.code == 404 and not self.rest_route and not json_object(raw_error):
                raise _NotRestAnswer from None  # no rewrite rules: the web server's own 404
            raise self._error(method, path, err.code, raw_error, err.headers) from None
        except NO_ANSWER_ERRORS as err:
            log.warning("wordpress: no answer", extra={"method": method, "path": path, "error": repr(err)})
            raise WordPressTransientError(_EXPLAIN_NO_ANSWER, ambiguous=method == "POST") from None
        try:
            return json.loads(body or b"null")
        except ValueError:
            if kind == "text/html" or not self.rest_route:
                raise _NotRestAnswer from None
            raise WordPressTransientError(_EXPLAIN_NO_ANSWER, "(not JSON)", ambiguous=method == "POST") from None

    def _moved(self, old: str, new: str) -> None:
        parts = urllib.parse.urlsplit(new)
        self.moved_to = f"https://{parts.netloc}{urllib.parse.urlsplit(self.base_url).path}".rstrip("/")
        self.base_url = self.moved_to  # the next calls go there directly

    def _error(self, method: str, path: str, status: int, raw: bytes, headers: Message | None) -> Exception:
        body = json_object(raw)
        code = str(body.get("code") or "")
        detail = f"[WordPress: HTTP {status}, {code or '-'}: {str(body.get('message') or '')[:300]}]"
        log.warning("wordpress: error", extra={"http_status": status, "code": code})
        if status == 401 or code in ("incorrect_password", "invalid_username", "rest_not_logged_in",
                                     "application_passwords_disabled"):
            if self.on_login_refused:
                self.on_login_refused()
            return WordPressPermanentError(_explain_login(self.reconnect_url), detail)
        if status == 403:
            return WordPressPermanentError(_explain_capability(code, path), detail)
        if status == 429 or status >= 500:
            return WordPressTransientError(_EXPLAIN_UNAVAILABLE, detail, ambiguous=status >= 500 and method == "POST",
                                           retry_after=_seconds(headers.get("Retry-After") if headers else None))
        error = WordPressPermanentError(_EXPLAIN_REFUSED, detail)
        error.code = code
        if code == "term_exists":
            data: dict = body["data"] if isinstance(body.get("data"), dict) else {}
            error.term_id = data.get("term_id") or (body.get("additional_data") or [None])[0]
        return error


def escape_text(value: str) -> str:
    """Text from people as HTML text: WordPress shows titles as HTML (raw for an Editor's account)."""
    return html.escape(value, quote=False)


def escape_attr(value: str) -> str:
    return html.escape(value, quote=True)


def _same_site(url: str, target: str) -> bool:
    a, b = urllib.parse.urlsplit(url), urllib.parse.urlsplit(target)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


def _date_text(value: str) -> str:
    from datetime import date

    from ...domain.clock import long_date_id

    try:
        return long_date_id(date.fromisoformat(value))
    except ValueError:
        return ""


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


def _explain_login(reconnect_url: str | None) -> Bilingual:
    where = f": {reconnect_url}" if reconnect_url else ""
    return t(
        "WordPress menolak login Kabar: nama pengguna atau application password salah, atau sudah dicabut. "
        f"Admin: sambungkan ulang WordPress dengan login di Pengaturan desa{where} , lalu terbitkan ulang.",
        "WordPress refused the login (wrong username or application password, or it was revoked). Admin: "
        f"reconnect WordPress by logging in from the village settings{where} , then publish again.")


#: What a 403 means, by WordPress's code and the route: the capability missing and the role that has it.
_CAPABILITIES = {
    ("rest_cannot_publish", "posts"): ("publish_posts", "Author", "menerbitkan berita", "publish posts"),
    ("rest_cannot_create", "categories"): ("manage_categories", "Editor", "membuat kategori", "create categories"),
    ("rest_cannot_create", "media"): ("upload_files", "Author", "mengunggah foto", "upload photos"),
    ("rest_cannot_edit", "media"): ("upload_files", "Author", "mengubah foto", "edit photos"),
    ("rest_cannot_create", "posts"): ("edit_posts", "Author", "menulis berita", "write posts"),
    ("rest_cannot_edit", "posts"): ("edit_posts", "Author", "mengubah berita", "edit posts"),
}


def _explain_capability(code: str, path: str) -> Bilingual:
    edge = path.split("/")[3] if path.count("/") >= 3 else ""
    known = _CAPABILITIES.get((code, edge))
    if known is None:
        return t("Akun WordPress tidak berhak melakukan langkah ini. Admin: beri akun itu peran Editor, lalu "
                 "terbitkan ulang.",
                 "The WordPress account may not do this step. Admin: give it the Editor role, then publish again.")
    capability, role, doing_id, doing_en = known
    if role == "Editor":
        advice_id = ("beri akun itu peran Editor (peran Author tidak punya hak ini), atau buat dulu kategori "
                     "itu di WordPress")
        advice_en = ("give it the Editor role (the Author role lacks it), or create that category in WordPress "
                     "first")
    else:
        advice_id = "beri akun itu peran Author atau Editor"
        advice_en = "give it the Author or Editor role"
    return t(f"Akun WordPress tidak berhak {doing_id} (kemampuan {capability}). Admin: {advice_id}, lalu "
             "terbitkan ulang.",
             f"The WordPress account may not {doing_en} (capability {capability}). Admin: {advice_en}, then "
             "publish again.")


def _explain_unreachable(base_url: str) -> Bilingual:
    return t(f"REST API WordPress di {base_url} tidak dapat dijangkau: situs menjawab dengan halaman biasa, bukan "
             "API. Admin: periksa alamat situs, dan pastikan REST API tidak dimatikan oleh plugin keamanan.",
             f"The WordPress REST API at {base_url} cannot be reached: the site answers with a page, not the API. "
             "Admin: check the site's address, and that no security plugin turns the REST API off.")


_EXPLAIN_REFUSED = t(
    "WordPress menolak berita ini. Admin: baca pesan WordPress di bawah, perbaiki, lalu terbitkan ulang.",
    "WordPress refused this post. Admin: read WordPress's message below, fix the cause, then publish again.")
_EXPLAIN_UNAVAILABLE = t("Situs WordPress sedang bermasalah; dicoba lagi.",
                         "The WordPress site is having trouble; trying again.")
_EXPLAIN_NO_ANSWER = t("Situs WordPress tidak menjawab tepat waktu; dicoba lagi.",
                       "The WordPress site did not answer in time; trying again.")
