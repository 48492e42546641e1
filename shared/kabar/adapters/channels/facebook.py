"""A Facebook Page (Meta Graph API) behind the Channel port: procedure A (social media).

Only ``urllib`` is used: ``requests`` is not in the Lambda runtime.

The access token travels as a form field (POST) or an ``Authorization: OAuth`` header (GET), never in
a URL, so no access log, proxy or traceback ever holds it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, replace
from email.message import Message

from ...domain.text import Bilingual, t
from ...ports import ChannelPost, ChannelReady, PermanentChannelError, Published, TransientChannelError
from .errors import NO_ANSWER_ERRORS, ChannelPermanentError, ChannelTransientError, error_body, json_object
from .http import send

log = logging.getLogger(__name__)

#: Codes Meta documents as "retry later": unknown/service errors and every throttle.
TRANSIENT_CODES = frozenset({1, 2, 4, 17, 32, 341, 613, 80001})
#: Throttles: the request was refused, so nothing was created.
THROTTLE_CODES = frozenset({4, 17, 32, 341, 613, 80001})
INVALID_TOKEN = 190
DUPLICATE_POST = 506
MEDIA_NOT_FETCHED = 2207052
VIDEO_SUFFIX = "-video"
#: Above this usage (percent), log a warning: the next calls may be throttled.
USAGE_WARNING = 80


@dataclass(frozen=True)
class GraphError:
    """The Graph API's error body, ``{"error": {...}}``, plus the HTTP status."""

    http_status: int | None
    code: int | None
    subcode: int | None
    type: str | None
    message: str
    fbtrace_id: str | None
    is_transient: bool | None

    def detail(self) -> str:
        parts = [f"HTTP {self.http_status}" if self.http_status else "no HTTP answer"]
        if self.code is not None:
            parts.append(f"code {self.code}")
        if self.subcode is not None:
            parts.append(f"subcode {self.subcode}")
        if self.type:
            parts.append(self.type)
        if self.fbtrace_id:
            parts.append(f"fbtrace_id {self.fbtrace_id}")
        return f"[Graph API: {', '.join(parts)}: {self.message}]"


class FacebookPermanentError(ChannelPermanentError):
    """As ``ChannelPermanentError``, with the Graph API's ``error`` (None when Meta sent none)."""

    def __init__(self, explanation: Bilingual, error: GraphError | None = None) -> None:
        super().__init__(explanation, error.detail() if error else "")
        self.error = error


class FacebookTransientError(ChannelTransientError):
    """As ``ChannelTransientError``, with the Graph API's ``error`` (None when Meta sent none)."""

    def __init__(self, explanation: Bilingual, error: GraphError | None = None, *,
                 ambiguous: bool = False, retry_after: float | None = None) -> None:
        super().__init__(explanation, error.detail() if error else "", ambiguous=ambiguous, retry_after=retry_after)
        self.error = error


class FacebookPage:
    """Publishes one approved social draft as one Page post: the photos, then the feed post.

    Video: a draft with a video makes a second post, the video pulled by Meta from its presigned URL
    (``POST /{page-id}/videos`` with ``file_url``), with its own marker; Meta's resumable upload
    (``/{app-id}/uploads``) is not used.

    Finding an earlier post (after a crash or a 5xx): when the post links to the website, the link
    carries ``k=<marker>`` and ``find`` looks for it in the Page's recent posts. Without a link the
    caption is left untouched and carries no marker, and a caption is text another item can share
    (two submissions with the same caption on the same day): such a post is recognised only by what
    this attempt made, the ids of the photos it uploaded (the post's attachments), never by its text.
    So those ids are handed back (``ChannelReady``) and recorded on the publication before the feed
    post; ``check`` then finds the post by them in the Page's recent feed, or posts them. A post with
    neither link nor photos would have nothing to be found by, so it is refused before anything is sent
    (the SOP's social draft always has photos)."""

    name = "facebook"

    def __init__(self, page_id: str, access_token: str, base_url: str = "https://graph.facebook.com",
                 version: str = "v24.0", timeout: float = 20, *, secret_name: str | None = None,
                 find_limit: int = 25, on_token_refused: Callable[[], None] | None = None,
                 reconnect_url: str | None = None) -> None:
        self.page_id = page_id
        self._token = access_token
        self.base_url = base_url.rstrip("/")
        self.version = version
        self.timeout = timeout
        self.secret_name = secret_name
        #: where the admin reconnects the Page (the village settings), named in the token's failure notice
        self.reconnect_url = reconnect_url
        self.find_limit = find_limit
        #: Called when Meta refuses the token (code 190), e.g. to drop a cached secret so that the
        #: next attempt reads the rotated one.
        self.on_token_refused = on_token_refused
        #: The last usage headers Meta sent (``X-App-Usage``, ``X-Page-Usage``, ...), parsed.
        self.last_usage: dict[str, object] = {}
        #: marker -> the photo ids this object uploaded for it: what identifies a post without a link.
        self._attempt_media: dict[str, tuple[str, ...]] = {}
        #: marker -> the post this object made for it (a video post's id is only known from its answer).
        self._made: dict[str, Published] = {}

    def __repr__(self) -> str:  # never show the token
        return f"FacebookPage(page_id={self.page_id!r}, base_url={self.base_url!r}, version={self.version!r})"

    # -- the Channel port ---------------------------------------------------------------------------

    def publish(self, post: ChannelPost) -> Published:
        if not post.link and not post.photo_urls:
            # Such a post would carry nothing of its own to be recognised by after an unclear answer, so a
            # retry could post it twice. The SOP's social draft always has photos; this is the guard.
            raise PermanentChannelError(str(t(
                "Kiriman Facebook membutuhkan sedikitnya satu foto atau tautan ke berita situs; draf ini tidak "
                "punya keduanya. Tambahkan foto pada draf, lalu terbitkan lagi.",
                "A Facebook post needs at least one photo or a link to the website's news item; this draft has "
                "neither. Add photos to the draft, then publish again.")))
        if not post.video_url:
            return self._publish_photos(post)
        # Two posts (the photos, then the video): each is looked for before it is made, so a retry
        # after either one completes the pair without repeating what is online.
        done = self._find_one(post) or self._publish_photos(post)
        if self._find_one(self.video_part(post)) is None:
            self._publish_video(post)
        return done

    def check(self, post: ChannelPost, state: dict[str, str]) -> Published:
        """The post of an earlier attempt's photos (``state["photos"]``, recorded on the publication): found
        in the Page's recent feed by those photos, else posted now with them (no photo uploaded again)."""
        media_ids = tuple(i for i in state.get("photos", "").split(",") if i)
        self._attempt_media[post.marker] = media_ids
        done = self._find_one(post) or self._publish_photos(post, media_ids)
        if post.video_url and self._find_one(self.video_part(post)) is None:
            self._publish_video(post)
        return done

    def _publish_photos(self, post: ChannelPost, recorded: tuple[str, ...] | None = None) -> Published:
        message = self.message_for(post)
        if recorded is None:
            media_ids = [self._upload_photo(url) for url in post.photo_urls]
            self._attempt_media[post.marker] = tuple(media_ids)
            if not post.link and media_ids:
                # Without a link the photos are the post's only identity: they are recorded on the publication
                # before the feed post, so a fresh process after a crash looks for them (``check``).
                raise ChannelReady(str(t("Foto Facebook diunggah; dicatat lalu diposting.",
                                         "The Facebook photos are uploaded; recorded, then posted.")),
                                   {"photos": ",".join(media_ids), "marker": post.marker})
        else:
            media_ids = list(recorded)
        form = {"message": message}
        for index, media_id in enumerate(media_ids):
            form[f"attached_media[{index}]"] = json.dumps({"media_fbid": media_id})
        try:
            created = self._call("POST", f"{self.page_id}/feed", form=form)
        except FacebookPermanentError as err:
            if err.error is None or err.error.code != DUPLICATE_POST:
                raise
            found = self._find_one(post)
            if found:
                log.info("facebook: duplicate refused; the earlier post is ours", extra={"post_id": found.remote_id})
                return found
            raise FacebookPermanentError(_EXPLAIN_DUPLICATE, err.error) from err
        except FacebookTransientError as err:
            if not err.ambiguous:
                raise
            found = self._find_quietly(post)
            if found:
                log.info("facebook: the post was made despite the error", extra={"post_id": found.remote_id})
                return found
            raise
        post_id = str(created.get("id") or "")
        if not post_id:
            raise FacebookTransientError(
                t("Facebook tidak mengembalikan nomor posting.", "Facebook returned no post id."), ambiguous=True)
        self._made[post.marker] = Published(remote_id=post_id, url=self._permalink(post_id))
        return self._made[post.marker]

    def find(self, post: ChannelPost) -> Published | None:
        """The earlier post; with a video, only once the video's post is online too (else publish()
        must run again, and it makes only the missing one)."""
        found = self._find_one(post)
        if found and post.video_url and self._find_one(self.video_part(post)) is None:
            return None
        return found

    @staticmethod
    def video_part(post: ChannelPost) -> ChannelPost:
        """The video's own post: its own marker, and the title as its text (the caption is on the photos)."""
        return replace(post, marker=f"{post.marker}{VIDEO_SUFFIX}", text=f"Video: {post.title}")

    def _publish_video(self, post: ChannelPost) -> None:
        """The video pulled by Meta from its URL (``file_url``: the published copy, never the original), as
        its own post on the Page, with the draft video's cover frame as its thumbnail (``thumb``, a file)."""
        part = self.video_part(post)
        form = {"file_url": str(post.video_url), "description": self.message_for(part), "title": post.title[:255]}
        files = {}
        if post.video_cover_url:
            files["thumb"] = ("cover.jpg", download(post.video_cover_url, self.timeout), "image/jpeg")
        try:
            created = self._call("POST", f"{self.page_id}/videos", form=form, files=files or None)
            video_id = str(created.get("id") or "")
            if video_id:
                self._made[part.marker] = Published(remote_id=video_id, url=default_url(video_id))
        except FacebookTransientError as err:
            if not err.ambiguous or self._find_quietly(part) is None:
                raise
            log.info("facebook: the video was posted despite the error")

    def _find_one(self, post: ChannelPost) -> Published | None:
        if post.marker in self._made:
            return self._made[post.marker]
        ours = self._attempt_media.get(post.marker)
        if not post.link and not ours:
            # nothing unique to look for: the caption alone could be another item's
            log.info("facebook: a post without a link is recognised only by this attempt's photos; none known")
            return None
        fields = "id,message,created_time,permalink_url" + ("" if post.link else ",attachments")
        answer = self._call("GET", f"{self.page_id}/feed", query={"fields": fields, "limit": str(self.find_limit)})
        matches = self._matcher(post, ours or ())
        for item in answer.get("data") or []:
            if matches(item):
                post_id = str(item["id"])
                return Published(remote_id=post_id, url=item.get("permalink_url") or default_url(post_id))
        return None

    # -- what the post says -------------------------------------------------------------------------

    @staticmethod
    def link_for(post: ChannelPost) -> str | None:
        """The post's link with the marker in its query, or None when the post has no link."""
        if not post.link:
            return None
        separator = "&" if "?" in post.link else "?"
        return f"{post.link}{separator}k={urllib.parse.quote(post.marker, safe='')}"

    @classmethod
    def message_for(cls, post: ChannelPost) -> str:
        text = (post.text or post.title).rstrip()
        link = cls.link_for(post)
        return f"{text}\n\nSelengkapnya: {link}" if link else text

    @classmethod
    def _matcher(cls, post: ChannelPost, media_ids: tuple[str, ...]) -> Callable[[dict], bool]:
        """Whether a feed item is this post: the marker in its link, or (no link) this attempt's photos."""
        if post.link:
            pattern = re.compile(r"[?&]k=" + re.escape(urllib.parse.quote(post.marker, safe="")) + r"(?![\w%.~-])")
            return lambda item: bool(pattern.search(item.get("message") or ""))
        ours = set(media_ids)
        return lambda item: bool(ours) and ours <= attached_ids(item)

    # -- Graph calls --------------------------------------------------------------------------------

    def _upload_photo(self, url: str) -> str:
        answer = self._call("POST", f"{self.page_id}/photos", form={"url": url, "published": "false"})
        photo_id = str(answer.get("id") or "")
        if not photo_id:
            raise FacebookTransientError(
                t("Facebook tidak mengembalikan nomor foto.", "Facebook returned no photo id."))
        return photo_id

    def _permalink(self, post_id: str) -> str:
        """The post's own address (a second call); a failure here never undoes a publication."""
        try:
            answer = self._call("GET", post_id, query={"fields": "permalink_url"})
        except (PermanentChannelError, TransientChannelError) as err:
            log.warning("facebook: no permalink; using the default address", extra={"error": str(err)})
            return default_url(post_id)
        return str(answer.get("permalink_url") or default_url(post_id))

    def _find_quietly(self, post: ChannelPost) -> Published | None:
        try:
            return self._find_one(post)
        except (PermanentChannelError, TransientChannelError) as err:
            log.warning("facebook: could not look for the post after an error", extra={"error": str(err)})
            return None

    def debug_token(self) -> dict:
        """Meta's description of this token (``GET /debug_token?input_token=``, the token inspecting
        itself): ``expires_at`` and ``data_access_expires_at`` (Unix seconds, 0 = never), ``is_valid``.
        A token Meta refuses raises ``FacebookPermanentError`` with code 190."""
        answer = self._call("GET", "debug_token", query={"input_token": self._token})
        data = answer.get("data")
        return data if isinstance(data, dict) else {}

    @property
    def token_fingerprint(self) -> str:
        """Names the token in records without holding it."""
        return hashlib.sha256(self._token.encode()).hexdigest()[:16]

    def get(self, path: str, query: dict[str, str] | None = None) -> dict:
        """One read of the Graph API with this Page's token (metrics use it); errors as ``_call``."""
        return self._call("GET", path, query=query)

    def _call(self, method: str, path: str, *, form: dict[str, str] | None = None,
              query: dict[str, str] | None = None, files: dict[str, tuple[str, bytes, str]] | None = None) -> dict:
        url = f"{self.base_url}/{self.version}/{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        headers = {"Accept": "application/json", "User-Agent": "kabar"}
        data = None
        if method == "POST" and files:
            data, headers["Content-Type"] = multipart({**(form or {}), "access_token": self._token}, files)
        elif method == "POST":
            data = urllib.parse.urlencode({**(form or {}), "access_token": self._token}).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            headers["Authorization"] = f"OAuth {self._token}"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310 (https or a configured fake)
        try:
            with send(request, self.timeout) as response:  # the channels' redirect rule
                raw = response.read()
                self._note_usage(response.headers)
        except urllib.error.HTTPError as err:
            raw = error_body(err)
            self._note_usage(err.headers)
            raise self._error(err.code, raw, err.headers) from None
        except NO_ANSWER_ERRORS as err:
            # A timeout or a dropped connection: the request may or may not have been carried out.
            log.warning("facebook: no answer", extra={"method": method, "path": _log_path(path), "error": repr(err)})
            raise FacebookTransientError(_EXPLAIN_NO_ANSWER, ambiguous=True) from None
        try:
            answer = json.loads(raw or b"{}")
        except ValueError:
            raise FacebookTransientError(_EXPLAIN_NO_ANSWER, ambiguous=True) from None
        log.debug("facebook: ok", extra={"method": method, "path": _log_path(path)})
        return answer if isinstance(answer, dict) else {}

    def _note_usage(self, headers: Message | None) -> None:
        if headers is None:
            return
        for header in ("X-App-Usage", "X-Page-Usage", "X-Business-Use-Case-Usage"):
            value = headers.get(header)
            if not value:
                continue
            try:
                usage = json.loads(value)
            except ValueError:
                continue
            self.last_usage[header] = usage
            if _peak_usage(usage) >= USAGE_WARNING:
                log.warning("facebook: near the rate limit", extra={"header": header, "usage": usage})

    def _error(self, status: int, raw: bytes, headers: Message | None) -> Exception:
        body = json_object(raw).get("error") or {}
        if not isinstance(body, dict):
            body = {}
        error = GraphError(
            http_status=status, code=_int(body.get("code")), subcode=_int(body.get("error_subcode")),
            type=body.get("type"), message=str(body.get("message") or "")[:500],
            fbtrace_id=body.get("fbtrace_id"), is_transient=body.get("is_transient"))
        log.warning("facebook: error", extra={"http_status": status, "code": error.code, "subcode": error.subcode,
                                              "fbtrace_id": error.fbtrace_id})
        if error.code == INVALID_TOKEN and self.on_token_refused:
            self.on_token_refused()
        return classify(error, self.reconnect_url, _retry_after(headers))


def classify(error: GraphError, reconnect_url: str | None = None, retry_after: float | None = None) -> Exception:
    """One Graph error as the exception the publication use case understands."""
    code = error.code
    if code == INVALID_TOKEN:
        return FacebookPermanentError(_explain_token(reconnect_url), error)
    if code == 10 or (code is not None and 200 <= code <= 299):
        return FacebookPermanentError(_EXPLAIN_PERMISSION, error)
    if code == 368:
        return FacebookPermanentError(_EXPLAIN_BLOCKED, error)
    if code == 100:
        fetch = error.subcode == MEDIA_NOT_FETCHED or "fetch" in error.message.lower()
        return FacebookPermanentError(_EXPLAIN_FETCH if fetch else _EXPLAIN_INVALID, error)
    if code == DUPLICATE_POST:
        return FacebookPermanentError(_EXPLAIN_DUPLICATE, error)
    if code in THROTTLE_CODES:
        return FacebookTransientError(_EXPLAIN_THROTTLED, error, retry_after=retry_after)
    server_side = (error.http_status or 0) >= 500
    if code in TRANSIENT_CODES or server_side or error.http_status == 429 or error.is_transient:
        return FacebookTransientError(_EXPLAIN_UNAVAILABLE, error, ambiguous=server_side or code in (1, 2))
    return FacebookPermanentError(_EXPLAIN_OTHER, error)


def attached_ids(item: dict) -> set[str]:
    """The ids of what a feed item attaches (``attachments``: a photo's ``target``, an album's
    ``subattachments``)."""
    ids: set[str] = set()
    for attachment in (item.get("attachments") or {}).get("data") or []:
        target = (attachment.get("target") or {}).get("id")
        if target:
            ids.add(str(target))
        for sub in (attachment.get("subattachments") or {}).get("data") or []:
            if (sub.get("target") or {}).get("id"):
                ids.add(str(sub["target"]["id"]))
    return ids


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body (the Graph API takes files such as a video's ``thumb`` only so)."""
    boundary = "kabar-" + secrets.token_hex(16)
    out = bytearray()
    for name, value in fields.items():
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n').encode()
        out += value.encode() + b"\r\n"
    for name, (filename, data, content_type) in files.items():
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n").encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def download(url: str, timeout: float) -> bytes:
    """A file of the draft (the cover frame) from its presigned URL, to send where a channel wants bytes."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310 - presigned media URLs
            return answer.read()
    except NO_ANSWER_ERRORS as err:
        raise FacebookTransientError(t("Gambar sampul video tidak dapat diambil dari penyimpanan.",
                                       "The video's cover could not be read from storage."), None) from err


def default_url(post_id: str) -> str:
    return f"https://www.facebook.com/{post_id}"


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def _log_path(path: str) -> str:
    return path.split("?", 1)[0]


def _peak_usage(usage: object) -> float:
    """The highest percentage in a usage header (the app/page form or the business-use-case form)."""
    if isinstance(usage, dict):
        values = [v for k, v in usage.items() if k in ("call_count", "total_cputime", "total_time")]
        nested = [_peak_usage(v) for k, v in usage.items() if k not in ("call_count", "total_cputime", "total_time")]
        return max([float(v) for v in values if isinstance(v, int | float)] + nested + [0.0])
    if isinstance(usage, list):
        return max([_peak_usage(item) for item in usage] + [0.0])
    return 0.0


def _retry_after(headers: Message | None) -> float | None:
    """Seconds until Meta lifts a throttle, from ``estimated_time_to_regain_access`` (minutes)."""
    if headers is None:
        return None
    value = headers.get("X-Business-Use-Case-Usage")
    if not value:
        return None
    try:
        usage = json.loads(value)
    except ValueError:
        return None
    minutes = [entry.get("estimated_time_to_regain_access") for entries in usage.values() if isinstance(entries, list)
               for entry in entries if isinstance(entry, dict)]
    waits: list[float] = [m for m in minutes if isinstance(m, int | float)]
    return max(waits) * 60.0 if waits and max(waits) > 0 else None


def _explain_token(reconnect_url: str | None) -> Bilingual:
    where = f": {reconnect_url}" if reconnect_url else ""
    return t(
        "Token akses Halaman Facebook tidak berlaku lagi (kedaluwarsa, kata sandi diganti, peran admin dicabut, "
        "atau aplikasi dilepas dari Halaman). Admin: sambungkan ulang Facebook dengan login di Pengaturan desa"
        f"{where} , kemudian terbitkan ulang.",
        "The Facebook Page access token is no longer valid (expired, password changed, admin role removed or the "
        f"app removed from the Page). Admin: reconnect Facebook by logging in from the village settings{where} , "
        "then publish again.")


_EXPLAIN_PERMISSION = t(
    "Aplikasi tidak punya izin memposting ke Halaman ini. Admin: pastikan token dibuat oleh akun yang berperan "
    "di Halaman, dengan izin pages_manage_posts, pages_read_engagement dan pages_show_list.",
    "The app may not post to this Page. Admin: make sure the token comes from an account with a role on the "
    "Page and has the pages_manage_posts, pages_read_engagement and pages_show_list permissions.")
_EXPLAIN_BLOCKED = t(
    "Facebook memblokir sementara tindakan ini karena dianggap melanggar kebijakannya. Admin: buka Kualitas "
    "Halaman di Facebook, baca peringatannya, dan terbitkan ulang setelah blokir berakhir.",
    "Facebook has temporarily blocked this action as against its policies. Admin: open Page Quality on "
    "Facebook, read the warning, and publish again once the block ends.")
_EXPLAIN_FETCH = t(
    "Facebook tidak dapat mengambil foto dari tautannya (tautan kedaluwarsa atau tidak dapat diakses publik). "
    "Admin: terbitkan ulang agar tautan foto yang baru dibuat.",
    "Facebook could not fetch a photo from its link (the link expired or is not publicly reachable). "
    "Admin: publish again so that fresh photo links are made.")
_EXPLAIN_INVALID = t(
    "Facebook menolak isi posting (parameter tidak sah). Admin: periksa teks dan foto, lalu terbitkan ulang; "
    "bila berulang, laporkan ke pengelola sistem.",
    "Facebook refused the post's content (invalid parameter). Admin: check the text and photos, then publish "
    "again; if it happens again, tell the system's operator.")
_EXPLAIN_DUPLICATE = t(
    "Facebook menganggap posting ini ganda, tetapi posting sebelumnya tidak ditemukan di Halaman. Admin: periksa "
    "Halaman; bila berita belum tampil, ubah sedikit teksnya lalu terbitkan ulang.",
    "Facebook says this post is a duplicate, but no earlier post was found on the Page. Admin: check the Page; "
    "if the news is not there, change the text slightly and publish again.")
_EXPLAIN_OTHER = t(
    "Facebook menolak posting ini. Admin: baca pesan Facebook di bawah, perbaiki, lalu terbitkan ulang.",
    "Facebook refused this post. Admin: read Facebook's message below, fix the cause, then publish again.")
_EXPLAIN_THROTTLED = t(
    "Batas jumlah panggilan Facebook tercapai; posting akan dicoba lagi nanti.",
    "Facebook's call limit was reached; the post will be tried again later.")
_EXPLAIN_UNAVAILABLE = t(
    "Facebook sedang bermasalah; posting akan dicoba lagi.",
    "Facebook is having trouble; the post will be tried again.")
_EXPLAIN_NO_ANSWER = t(
    "Facebook tidak menjawab tepat waktu; posting akan dicoba lagi.",
    "Facebook did not answer in time; the post will be tried again.")
