"""An Instagram professional account (Instagram API with Facebook Login) behind the Channel port.

Publishing is Meta's container flow: one container per photo (``is_carousel_item=true``) and a parent
``CAROUSEL`` container, or a single ``image_url`` container, or a ``REELS`` container for a video (the
9:16 copy when there is one, with the draft video's cover frame as ``cover_url``); then
``media_publish`` once the container is ``FINISHED``. Nothing waits inside the function: a container
still ``IN_PROGRESS`` raises ``ChannelProcessing`` with its id, the publication records it and asks
again from a delayed queue message (``check``); ``ERROR`` is permanent, ``EXPIRED`` starts over.
A container is never published before the publication recorded it: one made ``FINISHED`` in this call
raises ``ChannelReady`` with its id, and the publication stores it, then calls ``check``, which publishes.
The account's 24-hour quota is read at run time from ``content_publishing_limit``
before anything is created, because Meta's documented number (50) and what integrators see differ.

The Graph calls, token handling and error classification are the Facebook adapter's: the token is a
Page token and the error body is the Graph API's.

Finding an earlier post: captions on Instagram carry no clickable link, so the marker is not written
into the caption, and a caption is text another item can share (two submissions with the same caption
on one day). So a post is recognised only through what its attempt made: its container, which Meta
reports as ``PUBLISHED`` once ``media_publish`` took it. The Graph API does not say which media a
container became, so the media is then the newest with the caption that was posted no earlier than the
attempt began (``made_at`` on the state, a minute's leeway for clocks) and that no other item recorded
(``post.taken_remote_ids``): another submission's post with the same caption, before or after ours, is
never taken. The container is on the publication record before ``media_publish`` is called, so a fresh process
after a crash asks about that container (``check``): ``PUBLISHED`` is recorded as online, ``FINISHED`` is
published (that container, not a new one), ``EXPIRED`` is made again. ``find`` alone, without a known
container, finds nothing rather than record another item's post as this one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from ...domain.text import t
from ...ports import (
    ChannelPost,
    ChannelProcessing,
    ChannelReady,
    PermanentChannelError,
    Published,
    TransientChannelError,
)
from .facebook import FacebookPage, FacebookPermanentError, FacebookTransientError, GraphError

log = logging.getLogger(__name__)

CAPTION_LIMIT = 2200
CAROUSEL_MAX = 10
#: Subcodes Meta puts in a container's ``status`` when it could not fetch the media.
FETCH_SUBCODES = frozenset({2207052, 2207003})
#: The publishing limit was reached between our quota check and ``media_publish``.
QUOTA_SUBCODE = 2207042
#: How far Meta's clock and ours may disagree when a media's timestamp is compared with an attempt's start.
CLOCK_LEEWAY_SECONDS = 60


class InstagramQuotaExceeded(TransientChannelError):
    """The 24-hour publishing quota is used up; ``retry_after`` is a safe wait in seconds."""

    def __init__(self, usage: int, total: int, retry_after: float) -> None:
        id_count = f" ({usage} dari {total})" if total else ""
        en_count = f" ({usage} of {total})" if total else ""
        super().__init__(str(t(
            f"Kuota publikasi Instagram 24 jam sudah terpakai{id_count}; dicoba lagi nanti.",
            f"Instagram's 24-hour publishing quota is used up{en_count}; trying again later.")))
        self.retry_after = retry_after
        self.ambiguous = False


class InstagramAccount:
    """Publishes one approved social draft as one Instagram post (carousel, photo or Reel)."""

    name = "instagram"
    #: a post is told from another item's only by its caption (and time): the publication gives a redelivery
    #: the ids other items recorded (``ChannelPost.taken_remote_ids``)
    recognises_by_text = True

    def __init__(self, ig_user_id: str, access_token: str, base_url: str = "https://graph.facebook.com",
                 version: str = "v24.0", timeout: float = 20, *, secret_name: str | None = None,
                 find_limit: int = 25, on_token_refused: Callable[[], None] | None = None,
                 reconnect_url: str | None = None) -> None:
        self.ig_user_id = ig_user_id
        # The Graph client of the Facebook adapter, addressed at the IG user instead of a Page.
        self._graph = FacebookPage(ig_user_id, access_token, base_url, version, timeout, secret_name=secret_name,
                                   on_token_refused=on_token_refused, reconnect_url=reconnect_url)
        self.base_url = self._graph.base_url
        self.find_limit = find_limit
        #: marker -> the container this object asked Meta to publish for it: the proof that a post is ours.
        self._attempt_containers: dict[str, str] = {}
        #: marker -> when that attempt made its first container (seconds): its media is no older.
        self._attempt_began: dict[str, float] = {}
        #: marker -> the media this object published for it.
        self._made: dict[str, Published] = {}

    def debug_token(self) -> dict:
        """As ``FacebookPage.debug_token``: the same Graph call for this account's token."""
        return self._graph.debug_token()

    @property
    def token_fingerprint(self) -> str:
        return self._graph.token_fingerprint

    def __repr__(self) -> str:
        return f"InstagramAccount(ig_user_id={self.ig_user_id!r}, base_url={self.base_url!r})"

    # -- the Channel port ---------------------------------------------------------------------------

    def publish(self, post: ChannelPost) -> Published:
        caption = self.caption_for(post)
        if not post.photo_urls and not post.video_url:
            raise PermanentChannelError(str(t(
                "Instagram membutuhkan sedikitnya satu foto atau video; draf ini tidak punya keduanya.",
                "Instagram needs at least one photo or a video; this draft has neither.")))
        self._check_quota()
        return self._advance(post, self._start(post, caption), recorded=False)

    def check(self, post: ChannelPost, state: dict[str, str]) -> Published:
        """Where the containers of an earlier attempt (``state``, recorded on the publication) stand: the
        media when Meta already published them, published now when they are ``FINISHED``,
        ``ChannelProcessing`` again while Meta works, from the start when they expired."""
        try:
            return self._advance(post, state, recorded=True)
        except _Expired:
            log.info("instagram: the container expired; making it again")
            return self.publish(post)

    def _advance(self, post: ChannelPost, state: dict[str, str], *, recorded: bool) -> Published:
        """``recorded``: whether the publication holds ``state`` already; a container it does not hold is
        handed back (``ChannelReady``) before ``media_publish``, never published unrecorded."""
        state = dict(state)
        if "container" not in state:  # a carousel: its items first, then the parent
            children = [c for c in state.get("children", "").split(",") if c]
            if not all(self._ready(child) for child in children):
                raise _processing(state)
            state["container"] = self._create({"media_type": "CAROUSEL", "children": ",".join(children),
                                               "caption": self.caption_for(post)})
            recorded = False
        container = state["container"]
        self._attempt_containers[post.marker] = container
        if "made_at" in state:
            self._attempt_began[post.marker] = float(state["made_at"])
        status = self._status(container)
        if status == "PUBLISHED":  # an earlier attempt's media_publish went through: find that media
            found = self.find(post)
            if found:
                return found
        if status != "FINISHED":
            raise _processing(state)
        if not recorded:
            raise ChannelReady(str(t("Media Instagram siap; dicatat lalu diterbitkan.",
                                     "The Instagram media is ready; recorded, then published.")), state)
        try:
            answer = self._call("POST", f"{self.ig_user_id}/media_publish", form={"creation_id": container})
        except FacebookTransientError as err:
            if not err.ambiguous:
                raise
            found = self._find_quietly(post)
            if found:
                log.info("instagram: published despite the error", extra={"media_id": found.remote_id})
                return found
            raise
        media_id = str(answer.get("id") or "")
        if not media_id:
            raise FacebookTransientError(t("Instagram tidak mengembalikan nomor media.",
                                           "Instagram returned no media id."), ambiguous=True)
        self._made[post.marker] = Published(remote_id=media_id, url=self._permalink(media_id))
        return self._made[post.marker]

    def find(self, post: ChannelPost) -> Published | None:
        if post.marker in self._made:
            return self._made[post.marker]
        container = self._attempt_containers.get(post.marker)
        if container is None:
            log.info("instagram: a post is recognised only by this attempt's container; none known")
            return None
        if self._call("GET", container, query={"fields": "status_code"}).get("status_code") != "PUBLISHED":
            return None  # Meta did not publish this attempt's container: nothing of ours is online
        answer = self._call("GET", f"{self.ig_user_id}/media", query={
            "fields": "id,caption,permalink,timestamp", "limit": str(self.find_limit)})
        expected = self.caption_for(post).strip()
        began = self._attempt_began.get(post.marker)
        for item in answer.get("data") or []:  # newest first
            if (item.get("caption") or "").strip() != expected or str(item.get("id")) in post.taken_remote_ids:
                continue
            if began is not None and _posted_at(item) < began - CLOCK_LEEWAY_SECONDS:
                continue  # posted before this attempt made its container: another item's
            return Published(remote_id=str(item["id"]), url=item.get("permalink"))
        return None

    @staticmethod
    def caption_for(post: ChannelPost) -> str:
        return (post.text or post.title).strip()[:CAPTION_LIMIT]

    # -- the container flow -------------------------------------------------------------------------

    def quota(self) -> tuple[int, int, int]:
        """(used, total, window seconds) of the account's API publishing quota, as Meta reports it now."""
        answer = self._call("GET", f"{self.ig_user_id}/content_publishing_limit",
                            query={"fields": "quota_usage,config"})
        entry = (answer.get("data") or [{}])[0]
        config = entry.get("config") or {}
        return (int(entry.get("quota_usage") or 0), int(config.get("quota_total") or 50),
                int(config.get("quota_duration") or 86400))

    def _check_quota(self) -> None:
        used, total, window = self.quota()
        if used >= total:
            # Meta does not say when the oldest post leaves the rolling window; an hour is a fair wait.
            raise InstagramQuotaExceeded(used, total, retry_after=min(3600.0, float(window)))

    def _start(self, post: ChannelPost, caption: str) -> dict[str, str]:
        """The containers of a new attempt, as the state to advance: a Reel or a single photo is one
        container; a carousel's items come first (the parent is made once they are ready)."""
        began = f"{time.time():.0f}"
        if post.video_url:
            # Reels are 9:16: the vertical copy when the video step made one; the cover is the frame it chose
            form = {"media_type": "REELS", "video_url": post.video_vertical_url or post.video_url,
                    "caption": caption, "share_to_feed": "true"}
            cover = post.video_cover_url or (post.photo_urls[0] if post.photo_urls else None)
            if cover:
                form["cover_url"] = cover
            return {"container": self._create(form), "made_at": began}
        photos = post.photo_urls[:CAROUSEL_MAX]
        if len(photos) == 1:
            return {"container": self._create({"image_url": photos[0], "caption": caption,
                                               "alt_text": post.title[:1000]}), "made_at": began}
        return {"children": ",".join(self._create({"image_url": url, "is_carousel_item": "true"}) for url in photos),
                "made_at": began}

    def _create(self, form: dict[str, str]) -> str:
        answer = self._call("POST", f"{self.ig_user_id}/media", form=form)
        container = str(answer.get("id") or "")
        if not container:
            raise FacebookTransientError(t("Instagram tidak mengembalikan nomor kontainer.",
                                           "Instagram returned no container id."))
        return container

    def _status(self, container: str) -> str:
        """One look at a container (no waiting): ``FINISHED``, ``PUBLISHED`` or ``IN_PROGRESS``;
        ``ERROR`` raises the permanent refusal, ``EXPIRED`` means starting over."""
        answer = self._call("GET", container, query={"fields": "status_code,status"})
        code = str(answer.get("status_code") or "IN_PROGRESS")
        if code == "ERROR":
            raise _container_error(container, str(answer.get("status") or ""))
        if code == "EXPIRED":
            raise _Expired(container)
        return code

    def _ready(self, container: str) -> bool:
        return self._status(container) in ("FINISHED", "PUBLISHED")

    def _permalink(self, media_id: str) -> str | None:
        try:
            return self._call("GET", media_id, query={"fields": "permalink"}).get("permalink")
        except (PermanentChannelError, TransientChannelError) as err:
            log.warning("instagram: no permalink", extra={"error": str(err)})
            return None

    def _find_quietly(self, post: ChannelPost) -> Published | None:
        try:
            return self.find(post)
        except (PermanentChannelError, TransientChannelError) as err:
            log.warning("instagram: could not look for the post after an error", extra={"error": str(err)})
            return None

    def _call(self, method: str, path: str, **kwargs) -> dict:
        try:
            return self._graph._call(method, path, **kwargs)  # noqa: SLF001 - the shared Graph client
        except FacebookPermanentError as err:
            if err.error is not None and err.error.subcode == QUOTA_SUBCODE:
                raise InstagramQuotaExceeded(0, 0, retry_after=3600.0) from err
            raise


def _posted_at(item: dict) -> float:
    """A media's ``timestamp`` (``2026-12-04T04:05:06+0000``) as seconds; unknown counts as now."""
    try:
        return datetime.strptime(str(item.get("timestamp")), "%Y-%m-%dT%H:%M:%S%z").timestamp()
    except ValueError:
        return datetime.now(UTC).timestamp()


class _Expired(TransientChannelError):
    """A container Meta let expire (24 hours unpublished): the attempt starts over with new containers."""


def _processing(state: dict[str, str]) -> ChannelProcessing:
    return ChannelProcessing(str(t("Instagram masih memproses media; diperiksa lagi nanti.",
                                   "Instagram is still processing the media; checked again later.")), state)


def _container_error(container: str, status: str) -> PermanentChannelError:
    error = GraphError(http_status=None, code=None, subcode=None, type="container", is_transient=False,
                       message=f"container {container}: {status}"[:500], fbtrace_id=None)
    if any(str(code) in status for code in FETCH_SUBCODES):
        return FacebookPermanentError(t(
            "Instagram tidak dapat mengambil foto/video dari tautannya (tautan kedaluwarsa atau tidak dapat "
            "diakses publik). Admin: terbitkan ulang agar tautan yang baru dibuat.",
            "Instagram could not fetch the photo/video from its link (expired or not publicly reachable). "
            "Admin: publish again so that fresh links are made."), error)
    return FacebookPermanentError(t(
        "Instagram menolak media ini (format, ukuran atau rasio tidak didukung). Admin: periksa foto/video "
        "(foto JPEG; Reels MP4 H.264 9:16), lalu terbitkan ulang.",
        "Instagram refused this media (unsupported format, size or aspect ratio). Admin: check the photos/video "
        "(JPEG photos; Reels as 9:16 H.264 MP4), then publish again."), error)
