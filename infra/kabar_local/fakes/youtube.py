"""A local fake of YouTube's resumable upload (Data API v3) and Google's OAuth token endpoint.

Routes: ``POST /token`` (``grant_type=refresh_token``; ``invalid_grant`` when revoked),
``POST /upload/youtube/v3/videos?uploadType=resumable&part=...`` (JSON metadata; ``200`` with a
``Location`` session URL), ``PUT /upload/session/{id}`` (``Content-Range: bytes a-b/size`` chunks:
``308`` with ``Range`` until the last, then ``200`` with the video resource; ``bytes */size`` asks the
session's state), ``GET /youtube/v3/search?forMine=true`` and ``GET /youtube/v3/videos?id=...`` (with
``part=status,processingDetails``: ``processing`` for ``processing_polls`` questions, then ``processed``,
or ``rejected``/``failed`` when ``next_videos_end`` says so), and ``POST /upload/youtube/v3/thumbnails/set
?videoId=...`` (a JPEG or PNG body of at most 2 MB; ``403 forbidden`` when the channel may not set custom
thumbnails, ``thumbnails_allowed = False``).
Errors have Google's shape ``{"error": {"code", "message", "errors": [{"domain", "reason"}]}}``.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request, Response

RANGE_RE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
STATUS_RE = re.compile(r"^bytes \*/(\d+)$")


class GoogleError(Exception):
    def __init__(self, status: int, reason: str, message: str, domain: str = "youtube.video") -> None:
        super().__init__(message)
        self.status, self.reason, self.message, self.domain = status, reason, message, domain

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.status, "message": self.message,
                          "errors": [{"message": self.message, "domain": self.domain, "reason": self.reason}]}}


QUOTA = GoogleError(403, "quotaExceeded", "The request cannot be completed because you have exceeded your "
                    "<a href=\"/youtube/v3/getting-started#quota\">quota</a>.", "youtube.quota")


@dataclass
class _Session:
    id: str
    metadata: dict[str, Any]
    size: int
    content_type: str
    data: bytearray = field(default_factory=bytearray)
    video_id: str | None = None


@dataclass
class _Fault:
    kind: str  # fail | after_success
    edge: str
    times: int
    error: GoogleError | None = None


class FakeYouTube:
    def __init__(self, client_id: str, client_secret: str, refresh_token: str) -> None:
        self.client = (client_id, client_secret, refresh_token)
        self.base_url = ""
        self.revoked = False
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._tokens: set[str] = set()
        self._sessions: dict[str, _Session] = {}
        self.videos: dict[str, dict[str, Any]] = {}
        self._faults: list[_Fault] = []
        self._lose_completion = False
        self._log: list[dict[str, Any]] = []
        #: how many status questions each new video answers ``processing`` before it is ``processed``
        self.processing_polls = 0
        self._next_end: list[tuple[str, str]] = []
        #: whether the channel may set custom thumbnails (YouTube requires a verified channel)
        self.thumbnails_allowed = True

    def fail_next(self, edge: str, error: GoogleError, times: int = 1) -> None:
        """Answer the next request to ``edge`` (``token``, ``init``, ``chunk``, ``search``) with ``error``."""
        with self._lock:
            self._faults.append(_Fault("fail", edge, times, error))

    def fail_after_success_next(self, edge: str = "chunk") -> None:
        """Store the next chunk, then answer 503 (for the last chunk: the video exists)."""
        with self._lock:
            self._faults.append(_Fault("after_success", edge, 1, GoogleError(503, "backendError", "Backend Error")))

    def lose_completion_answer_next(self) -> None:
        """The next upload that completes makes its video, then answers 503 (a timeout after success)."""
        with self._lock:
            self._lose_completion = True

    def next_videos_end(self, upload_status: str, reason: str, times: int = 1) -> None:
        """The next ``times`` videos end ``rejected`` (``rejectionReason``) or ``failed`` (``failureReason``)."""
        with self._lock:
            self._next_end.extend([(upload_status, reason)] * times)

    def thumbnail(self, video_id: str) -> bytes | None:
        with self._lock:
            return self.videos[video_id].get("_thumbnail")

    @property
    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(entry) for entry in self._log]

    def video_bytes(self, video_id: str) -> bytes:
        with self._lock:
            return bytes(self.videos[video_id]["_data"])

    def app(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        return self._handle(Request(environ))(environ, start_response)

    def _handle(self, request: Request) -> Response:
        path = request.path
        for prefix in ("/youtube-fake",):
            path = path.removeprefix(prefix)
        edge = _edge(request.method, path)
        with self._lock:
            self._log.append({"method": request.method, "edge": edge, "path": path, "query": dict(request.args),
                              "content_range": request.headers.get("Content-Range")})
            fault = next((f for f in self._faults if f.edge == edge), None)
            if fault:
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
        try:
            if fault and fault.kind == "fail" and fault.error is not None:
                raise fault.error
            response = self._route(edge, path, request)
            if fault and fault.kind == "after_success" and fault.error is not None:
                raise fault.error
            return response
        except GoogleError as err:
            return Response(json.dumps(err.body()), status=err.status, content_type="application/json")

    def _route(self, edge: str, path: str, request: Request) -> Response:
        if edge == "token":
            return self._token(request)
        self._check_bearer(request, edge)
        if edge == "init":
            return self._init(request)
        if edge == "chunk":
            return self._chunk(path.rsplit("/", 1)[1], request)
        if edge == "search":
            with self._lock:
                items = [{"kind": "youtube#searchResult", "id": {"kind": "youtube#video", "videoId": v}}
                         for v in list(self.videos)[::-1][:int(request.args.get("maxResults") or 5)]]
            return _json({"kind": "youtube#searchListResponse", "items": items})
        if edge == "videos":
            ids = (request.args.get("id") or "").split(",")
            asks_status = "processingDetails" in (request.args.get("part") or "")
            with self._lock:
                items = [self._resource(self.videos[v], asks_status) for v in ids if v in self.videos]
            return _json({"kind": "youtube#videoListResponse", "items": items})
        if edge == "thumbnail":
            return self._set_thumbnail(request)
        raise GoogleError(404, "notFound", "Not Found", "global")

    def _token(self, request: Request) -> Response:
        form = request.form
        if (form.get("client_id"), form.get("client_secret")) != self.client[:2]:
            return _json({"error": "invalid_client", "error_description": "Unauthorized"}, 401)
        if self.revoked or form.get("refresh_token") != self.client[2] or form.get("grant_type") != "refresh_token":
            return _json({"error": "invalid_grant", "error_description": "Token has been expired or revoked."}, 400)
        token = "ya29." + secrets.token_urlsafe(16)
        with self._lock:
            self._tokens.add(token)
        return _json({"access_token": token, "expires_in": 3599, "token_type": "Bearer",
                      "scope": "https://www.googleapis.com/auth/youtube.upload"})

    def _check_bearer(self, request: Request, edge: str) -> None:
        if edge == "chunk":
            return  # the session URL is the credential, as with Google
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        with self._lock:
            ok = scheme == "Bearer" and token in self._tokens and not self.revoked
        if not ok:
            raise GoogleError(401, "authError", "Invalid Credentials", "global")

    def _init(self, request: Request) -> Response:
        if request.args.get("uploadType") != "resumable":
            raise GoogleError(400, "invalidUploadType", "Use uploadType=resumable", "global")
        metadata = request.get_json(silent=True) or {}
        if not (metadata.get("snippet") or {}).get("title"):
            raise GoogleError(400, "invalidTitle", "The request metadata specifies an invalid or empty video title.")
        size = int(request.headers.get("X-Upload-Content-Length") or 0)
        with self._lock:
            session = _Session(secrets.token_urlsafe(12), metadata, size,
                               request.headers.get("X-Upload-Content-Type") or "video/*")
            self._sessions[session.id] = session
        location = f"{self.base_url}/upload/session/{session.id}"
        return Response(b"", status=200, headers={"Location": location, "X-GUploader-UploadID": session.id})

    def _chunk(self, session_id: str, request: Request) -> Response:
        with self._lock:
            session = self._sessions.get(session_id)
        if session is None:
            raise GoogleError(404, "notFound", "Upload session not found", "global")
        header = request.headers.get("Content-Range", "")
        data = request.get_data()
        with self._lock:
            status = STATUS_RE.match(header)
            if status is None:
                match = RANGE_RE.match(header)
                if not match or int(match.group(1)) != len(session.data) or int(match.group(3)) != session.size \
                        or int(match.group(2)) - int(match.group(1)) + 1 != len(data):
                    raise GoogleError(400, "badContent", f"Invalid Content-Range {header!r}", "global")
                session.data.extend(data)
            if len(session.data) >= session.size:
                if session.video_id is None:
                    session.video_id = f"vid{next(self._ids):08d}"
                    end = self._next_end.pop(0) if self._next_end else ("processed", "")
                    self.videos[session.video_id] = {"id": session.video_id, "_data": bytes(session.data),
                                                     "_polls_left": self.processing_polls, "_end": end,
                                                     **session.metadata}
                    if self._lose_completion:
                        self._lose_completion = False
                        raise GoogleError(503, "backendError", "Backend Error")
                return _json(self._resource(self.videos[session.video_id]))
            headers = {"Range": f"bytes=0-{len(session.data) - 1}"} if session.data else {}
            return Response(b"", status=308, headers=headers)

    def _set_thumbnail(self, request: Request) -> Response:
        video_id = request.args.get("videoId") or ""
        data = request.get_data()
        with self._lock:
            video = self.videos.get(video_id)
        if video is None:
            raise GoogleError(404, "videoNotFound", "The video that you are trying to update cannot be found.")
        if not self.thumbnails_allowed:
            raise GoogleError(403, "forbidden", "The authenticated user doesnt have permissions to upload and set "
                              "custom video thumbnails.", "youtube.thumbnail")
        if len(data) > 2 * 1024 * 1024:
            raise GoogleError(413, "mediaBodyTooLarge", "The thumbnail image file is too large.", "global")
        if not (data.startswith(b"\xff\xd8\xff") or data.startswith(b"\x89PNG")):
            raise GoogleError(400, "invalidImage", "The thumbnail image file you provided is invalid.")
        with self._lock:
            video["_thumbnail"] = data
        url = f"https://i.ytimg.com/vi/{video_id}/default.jpg"
        return _json({"kind": "youtube#thumbnailSetResponse",
                      "items": [{"default": {"url": url, "width": 120, "height": 90}}]})

    @staticmethod
    def _resource(video: dict[str, Any], asks_status: bool = False) -> dict[str, Any]:
        resource = {"kind": "youtube#video", "id": video["id"], "snippet": video.get("snippet", {}),
                    "status": {**video.get("status", {}), "uploadStatus": "uploaded"}}
        if not asks_status:
            return resource
        # one question about its processing: "processing" while polls are left, then how it ended
        if video.get("_polls_left", 0) > 0:
            video["_polls_left"] -= 1
            resource["processingDetails"] = {"processingStatus": "processing"}
            return resource
        upload_status, reason = video.get("_end", ("processed", ""))
        resource["status"]["uploadStatus"] = upload_status
        if upload_status == "rejected":
            resource["status"]["rejectionReason"] = reason
        elif upload_status == "failed":
            resource["status"]["failureReason"] = reason
        resource["processingDetails"] = {"processingStatus": "succeeded" if upload_status == "processed" else "failed"}
        return resource


def _edge(method: str, path: str) -> str:
    if path == "/token":
        return "token"
    if path.startswith("/upload/youtube/v3/videos") and method == "POST":
        return "init"
    if path.startswith("/upload/session/") and method == "PUT":
        return "chunk"
    if path.startswith("/upload/youtube/v3/thumbnails/set") and method == "POST":
        return "thumbnail"
    if path == "/youtube/v3/search":
        return "search"
    if path == "/youtube/v3/videos":
        return "videos"
    return "-"


def _json(value: Any, status: int = 200) -> Response:
    return Response(json.dumps(value), status=status, content_type="application/json")
