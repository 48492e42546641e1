"""A YouTube channel (Data API v3, resumable upload) behind the Channel port: the video of procedure A.

The OAuth refresh token (Secrets Manager) buys an access token; ``POST /upload/youtube/v3/videos?
uploadType=resumable`` with the metadata answers a session URL in ``Location``; the video is read from
the media bucket in chunks (multiples of 256 KiB) and ``PUT`` with ``Content-Range``; ``308`` means
"go on from ``Range``", the last chunk answers the video resource. A chunk that fails is resumed after
asking the session how much it holds (``Content-Range: bytes */<size>``), so a flaky link does not
restart a 500 MB upload.

Finding an earlier upload: the marker is the video's first tag (tags are not shown to viewers);
``find`` lists the channel's recent uploads (``search?forMine=true``) and reads their tags.

``quotaExceeded`` (10,000 units a day; an upload costs 1,600 by the documented price) is transient:
the quota resets at midnight Pacific time, and ``retry_after`` says how long that is.

After the upload (issue 14): the draft video's cover frame is set as the thumbnail (``thumbnails.set``,
``POST /upload/youtube/v3/thumbnails/set?videoId=``; a channel not allowed custom thumbnails keeps
YouTube's own and the admins are told), the 9:16 copy goes as a Short when the channel entry says
``"shorts": true`` (its own video, tagged with the marker and ``-short``), and the video counts as online
once YouTube has processed it. Nothing waits inside the function: while YouTube processes,
``ChannelProcessing`` carries the video ids and what is done, and ``check`` is asked again later from a
delayed queue message; a rejected or failed video is a permanent error.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from email.message import Message
from zoneinfo import ZoneInfo

from ...domain.text import Bilingual, t
from ...ports import (
    ChannelPost,
    ChannelProcessing,
    ObjectStorage,
    PermanentChannelError,
    Published,
    TransientChannelError,
)
from .errors import NO_ANSWER_ERRORS, ChannelPermanentError, ChannelTransientError, error_body, json_object
from .http import send

log = logging.getLogger(__name__)

CHUNK_UNIT = 256 * 1024
PACIFIC = ZoneInfo("America/Los_Angeles")
TOKEN_URL = "https://oauth2.googleapis.com/token"  # noqa: S105 - an address, not a secret
CATEGORY_NEWS = "25"  # News & Politics
SHORT_SUFFIX = "-short"
QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded", "rateLimitExceeded", "userRateLimitExceeded",
                           "uploadLimitExceeded"})


class YouTubePermanentError(ChannelPermanentError):
    pass


class YouTubeTransientError(ChannelTransientError):
    pass


class YouTubeChannel:
    name = "youtube"

    def __init__(self, media: ObjectStorage, client_id: str, client_secret: str, refresh_token: str, *,
                 api_base_url: str = "https://www.googleapis.com", token_url: str = TOKEN_URL,
                 privacy: str = "public", chunk_size: int = 32 * CHUNK_UNIT, timeout: float = 60,
                 resume_attempts: int = 3, secret_name: str | None = None, shorts: bool | str = False,
                 reconnect_url: str | None = None,
                 now=lambda: datetime.now(PACIFIC)) -> None:
        if chunk_size % CHUNK_UNIT:
            raise ValueError("chunk_size must be a multiple of 256 KiB")
        self.media = media
        self.api_base_url = api_base_url.rstrip("/")
        self.token_url = token_url
        self.privacy = privacy
        self.chunk_size = chunk_size
        self.timeout = timeout
        self.resume_attempts = resume_attempts
        self.secret_name = secret_name
        self.reconnect_url = reconnect_url
        self._client = (client_id, client_secret, refresh_token)
        self._access_token: str | None = None
        self._now = now
        #: the 9:16 copy goes as a Short too (the channel entry's ``"shorts": true``)
        self.shorts = str(shorts).lower() in ("true", "1", "yes")
        #: what the admins should hear although the video is online (custom thumbnails not allowed)
        self.notice: Bilingual | None = None

    def __repr__(self) -> str:
        return f"YouTubeChannel(api_base_url={self.api_base_url!r})"

    @staticmethod
    def accepts(post: ChannelPost) -> bool:
        """Only a post with a video goes to YouTube."""
        return bool(post.video_key)

    # -- the Channel port ---------------------------------------------------------------------------

    def publish(self, post: ChannelPost) -> Published:
        if not post.video_key:
            raise YouTubePermanentError(t("Draf ini tidak punya video untuk YouTube.",
                                          "This draft has no video for YouTube."))
        video_id = self._upload_video(post.video_key, post, post.title, post.marker)
        state = {"video": video_id, "thumbnail": "todo" if post.video_cover_key else "none"}
        return self._advance_keeping(post, state)

    def check(self, post: ChannelPost, state: dict[str, str]) -> Published:
        """Where an earlier attempt's video (``state``) stands: thumbnail and Short done, processed?"""
        return self._advance_keeping(post, dict(state))

    def _advance_keeping(self, post: ChannelPost, state: dict[str, str]) -> Published:
        """``_advance``; a passing failure after the upload keeps what is done (the ids) for the next check,
        so nothing is uploaded twice. A quota reset hours away is a plain transient error (the message waits)."""
        try:
            return self._advance(post, state)
        except ChannelProcessing:
            raise
        except TransientChannelError as err:
            if getattr(err, "retry_after", None):
                raise
            raise ChannelProcessing(str(err), state) from err

    def _advance(self, post: ChannelPost, state: dict[str, str]) -> Published:
        video_id = state["video"]
        if state.get("thumbnail") == "todo":
            state["thumbnail"] = self._set_thumbnail(video_id, str(post.video_cover_key))
        if self.shorts and post.video_vertical_key and "short" not in state:
            state["short"] = self._upload_video(post.video_vertical_key, post, f"{post.title[:90]} #Shorts",
                                                post.marker + SHORT_SUFFIX)
            if post.video_cover_key:
                self._set_thumbnail(state["short"], post.video_cover_key)
        ids = [video_id] + ([state["short"]] if state.get("short") else [])
        _, _, answer = self._api("GET", "/youtube/v3/videos", {"part": "status,processingDetails", "id": ",".join(ids)})
        found = {item.get("id"): item for item in answer.get("items") or []}
        waiting = False
        for vid in ids:
            status = (found.get(vid) or {}).get("status") or {}
            upload = status.get("uploadStatus")
            if upload in ("rejected", "failed", "deleted"):
                reason = status.get("rejectionReason") or status.get("failureReason") or upload
                raise YouTubePermanentError(_EXPLAIN_NOT_PROCESSED, f"[YouTube: video {vid} {upload}: {reason}]")
            if upload != "processed":
                waiting = True
        if state.get("thumbnail") == "refused":
            self.notice = _EXPLAIN_THUMBNAIL  # told with the publication, whichever attempt ends it
        if waiting:
            raise ChannelProcessing(str(t("YouTube masih memproses video; diperiksa lagi nanti.",
                                          "YouTube is still processing the video; checked again later.")), state)
        return Published(remote_id=video_id, url=f"https://www.youtube.com/watch?v={video_id}")

    def _upload_video(self, key: str, post: ChannelPost, title: str, tag: str) -> str:
        head = self.media.head(key)
        if head is None:
            raise YouTubePermanentError(t("Berkas video tidak ditemukan di penyimpanan.",
                                          "The video file is not in storage."), key)
        size = int(head["ContentLength"])
        content_type = head.get("ContentType") or "video/mp4"
        metadata = {
            "snippet": {"title": title[:100], "description": self.description_for(post)[:5000],
                        "tags": [tag], "categoryId": CATEGORY_NEWS, "defaultLanguage": "id"},
            "status": {"privacyStatus": self.privacy, "selfDeclaredMadeForKids": False},
        }
        _, headers, _ = self._request("POST", f"{self.api_base_url}/upload/youtube/v3/videos?" + urllib.parse.urlencode(
            {"uploadType": "resumable", "part": "snippet,status"}), body=json.dumps(metadata).encode(), headers={
            "Content-Type": "application/json; charset=UTF-8", "X-Upload-Content-Type": content_type,
            "X-Upload-Content-Length": str(size)})
        session = headers.get("Location")
        if not session:
            raise YouTubeTransientError(t("YouTube tidak memberi alamat unggahan.", "YouTube gave no upload URL."))
        return str(self._upload(session, key, size, content_type, post)["id"])

    def _set_thumbnail(self, video_id: str, cover_key: str) -> str:
        """``thumbnails.set`` with the cover frame; "done", or "refused" when the channel may not set custom
        thumbnails (an unverified channel: YouTube's own frame stays and the admins are told)."""
        data = self.media.get(cover_key)
        try:
            self._request("POST", f"{self.api_base_url}/upload/youtube/v3/thumbnails/set?" + urllib.parse.urlencode(
                {"videoId": video_id, "uploadType": "media"}), body=data, headers={"Content-Type": "image/jpeg"})
        except YouTubePermanentError as err:
            log.warning("youtube: custom thumbnail refused", extra={"error": str(err)})
            self.notice = _EXPLAIN_THUMBNAIL
            return "refused"
        return "done"

    def upload_check(self) -> str:
        """"Test connection": open a resumable upload session for a one-byte private video and send
        nothing; YouTube makes no video until bytes arrive, and the unused session expires. Proves the
        refresh token works and may upload. Returns what was checked, in words."""
        metadata = {"snippet": {"title": "kabar-connection-test", "categoryId": CATEGORY_NEWS},
                    "status": {"privacyStatus": "private"}}
        _, headers, _ = self._request("POST", f"{self.api_base_url}/upload/youtube/v3/videos?" + urllib.parse.urlencode(
            {"uploadType": "resumable", "part": "snippet,status"}), body=json.dumps(metadata).encode(), headers={
            "Content-Type": "application/json; charset=UTF-8", "X-Upload-Content-Type": "video/mp4",
            "X-Upload-Content-Length": "1"})
        if not headers.get("Location"):
            raise YouTubeTransientError(t("YouTube tidak memberi alamat unggahan.", "YouTube gave no upload URL."))
        return str(t("YouTube menerima permintaan unggah (tidak ada video yang dibuat).",
                     "YouTube accepted an upload request (no video was made)."))

    def find(self, post: ChannelPost) -> Published | None:
        _, _, found = self._api("GET", "/youtube/v3/search", {
            "part": "id", "forMine": "true", "type": "video", "order": "date", "maxResults": "25"})
        ids = [item["id"]["videoId"] for item in found.get("items") or [] if item.get("id", {}).get("videoId")]
        if not ids:
            return None
        _, _, videos = self._api("GET", "/youtube/v3/videos", {"part": "snippet", "id": ",".join(ids)})
        for video in videos.get("items") or []:
            if post.marker in ((video.get("snippet") or {}).get("tags") or []):
                return Published(remote_id=video["id"], url=f"https://www.youtube.com/watch?v={video['id']}")
        return None

    @staticmethod
    def description_for(post: ChannelPost) -> str:
        text = (post.text or post.lead).strip()
        return f"{text}\n\nSelengkapnya: {post.link}" if post.link else text

    # -- the resumable upload -----------------------------------------------------------------------

    def _upload(self, session: str, key: str, size: int, content_type: str, post: ChannelPost) -> dict:
        offset = 0
        failures = 0
        while True:
            end = min(offset + self.chunk_size, size) - 1
            chunk = self.media.get_range(key, offset, end)
            try:
                status, headers, answer = self._request("PUT", session, body=chunk, headers={
                    "Content-Type": content_type, "Content-Range": f"bytes {offset}-{end}/{size}"}, auth=False)
            except YouTubeTransientError as err:
                failures += 1
                if failures > self.resume_attempts:
                    raise
                log.warning("youtube: chunk failed; asking the session where to resume", extra={"error": str(err)})
                status, headers, answer = self._session_status(session, size, post)
            if status in (200, 201):
                return answer
            offset = _next_offset(headers.get("Range"))

    def _session_status(self, session: str, size: int, post: ChannelPost) -> tuple[int, Message, dict]:
        try:
            return self._request("PUT", session, body=b"", headers={"Content-Range": f"bytes */{size}"}, auth=False)
        except YouTubeTransientError:
            found = self._find_quietly(post)
            if found:
                return 200, Message(), {"id": found.remote_id}
            raise

    def _find_quietly(self, post: ChannelPost) -> Published | None:
        try:
            return self.find(post)
        except (PermanentChannelError, TransientChannelError) as err:
            log.warning("youtube: could not look for the video", extra={"error": str(err)})
            return None

    # -- HTTP ---------------------------------------------------------------------------------------

    def _token(self) -> str:
        if self._access_token:
            return self._access_token
        client_id, client_secret, refresh_token = self._client
        form = urllib.parse.urlencode({"grant_type": "refresh_token", "client_id": client_id,
                                       "client_secret": client_secret, "refresh_token": refresh_token}).encode()
        request = urllib.request.Request(self.token_url, data=form, method="POST", headers={  # noqa: S310
            "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
        try:
            with send(request, self.timeout) as response:  # the channels' redirect rule
                self._access_token = json.loads(response.read())["access_token"]
        except urllib.error.HTTPError as err:
            body = json_object(err.read())
            reason = str(body.get("error") or "")
            if err.code in (400, 401) and reason in ("invalid_grant", "invalid_client", "unauthorized_client"):
                raise YouTubePermanentError(_explain_token(self.reconnect_url),
                                            f"[Google OAuth: HTTP {err.code}, {reason}]") from None
            raise YouTubeTransientError(_EXPLAIN_UNAVAILABLE, f"[Google OAuth: HTTP {err.code}]") from None
        except (*NO_ANSWER_ERRORS, KeyError, ValueError) as err:
            raise YouTubeTransientError(_EXPLAIN_NO_ANSWER, repr(err)) from None
        return self._access_token

    def _api(self, method: str, path: str, query: dict[str, str]) -> tuple[int, Message, dict]:
        return self._request(method, f"{self.api_base_url}{path}?{urllib.parse.urlencode(query)}")

    def _request(self, method: str, url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None,
                 auth: bool = True) -> tuple[int, Message, dict]:
        all_headers = {"Accept": "application/json", "User-Agent": "kabar", **(headers or {})}
        if auth:
            all_headers["Authorization"] = f"Bearer {self._token()}"
        request = urllib.request.Request(url, data=body, method=method, headers=all_headers)  # noqa: S310
        try:
            with send(request, self.timeout) as response:  # the channels' redirect rule
                return response.status, response.headers, json_object(response.read())
        except urllib.error.HTTPError as err:
            if err.code == 308:  # Resume Incomplete: not an error in a resumable upload
                return 308, err.headers, {}
            raise self._error(err.code, json_object(error_body(err))) from None
        except NO_ANSWER_ERRORS as err:
            raise YouTubeTransientError(_EXPLAIN_NO_ANSWER, repr(err), ambiguous=True) from None

    def _error(self, status: int, body: dict) -> Exception:
        error: dict = body["error"] if isinstance(body.get("error"), dict) else {}
        reasons = [e.get("reason") for e in error.get("errors") or [] if isinstance(e, dict)]
        reason = next((r for r in reasons if r), "") or str(error.get("status") or "")
        detail = f"[YouTube: HTTP {status}, {reason or '-'}: {str(error.get('message') or '')[:300]}]"
        log.warning("youtube: error", extra={"http_status": status, "reason": reason})
        if reason in QUOTA_REASONS or status == 429:
            return YouTubeTransientError(_EXPLAIN_QUOTA, detail, retry_after=self._seconds_to_quota_reset())
        if status == 401:
            self._access_token = None
            return YouTubePermanentError(_explain_token(self.reconnect_url), detail)
        if status == 403:
            return YouTubePermanentError(_EXPLAIN_PERMISSION, detail)
        if status >= 500:
            return YouTubeTransientError(_EXPLAIN_UNAVAILABLE, detail, ambiguous=True)
        return YouTubePermanentError(_EXPLAIN_REFUSED, detail)

    def _seconds_to_quota_reset(self) -> float:
        now = self._now().astimezone(PACIFIC)
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), PACIFIC)
        return max(60.0, (midnight - now).total_seconds())


def _next_offset(range_header: str | None) -> int:
    """``Range: bytes=0-524287`` -> 524288; no header: the session holds nothing yet."""
    if not range_header or "-" not in range_header:
        return 0
    return int(range_header.rsplit("-", 1)[1]) + 1


def _explain_token(reconnect_url: str | None) -> Bilingual:
    where = f": {reconnect_url}" if reconnect_url else ""
    return t(
        "Izin Kabar untuk kanal YouTube tidak berlaku lagi (dicabut atau kedaluwarsa). Admin: sambungkan ulang "
        f"YouTube dengan login Google di Pengaturan desa{where} , lalu terbitkan ulang.",
        "Kabar's access to the YouTube channel is no longer valid (revoked or expired). Admin: reconnect YouTube "
        f"by signing in with Google from the village settings{where} , then publish again.")


_EXPLAIN_PERMISSION = t(
    "Akun tidak berhak mengunggah ke kanal YouTube ini. Admin: pastikan akun yang dihubungkan adalah pemilik "
    "atau pengelola kanal dan izin youtube.upload diberikan.",
    "The account may not upload to this YouTube channel. Admin: connect the channel's owner or manager and "
    "grant the youtube.upload scope.")
_EXPLAIN_REFUSED = t(
    "YouTube menolak video ini. Admin: baca pesan YouTube di bawah, perbaiki, lalu terbitkan ulang.",
    "YouTube refused this video. Admin: read YouTube's message below, fix the cause, then publish again.")
_EXPLAIN_QUOTA = t(
    "Kuota harian YouTube habis; video diunggah setelah kuota pulih (tengah malam waktu Pasifik).",
    "YouTube's daily quota is used up; the video is uploaded once it resets (midnight Pacific time).")
_EXPLAIN_NOT_PROCESSED = t(
    "YouTube menolak atau gagal memproses video ini. Admin: baca alasan YouTube di bawah, perbaiki videonya, lalu "
    "terbitkan ulang.",
    "YouTube rejected or could not process this video. Admin: read YouTube's reason below, fix the video, then "
    "publish again.")
_EXPLAIN_THUMBNAIL = t(
    "Video sudah tayang di YouTube, tetapi sampulnya tidak dapat dipasang: kanal belum boleh memakai thumbnail "
    "sendiri. Admin: verifikasi kanal YouTube (nomor telepon) agar sampul dari video dipakai pada unggahan berikutnya.",
    "The video is online on YouTube, but its cover could not be set: the channel may not use custom thumbnails "
    "yet. Admin: verify the YouTube channel (phone number) so that the video's cover is used next time.")
_EXPLAIN_UNAVAILABLE = t("YouTube sedang bermasalah; dicoba lagi.", "YouTube is having trouble; trying again.")
_EXPLAIN_NO_ANSWER = t("YouTube tidak menjawab tepat waktu; dicoba lagi.",
                       "YouTube did not answer in time; trying again.")
