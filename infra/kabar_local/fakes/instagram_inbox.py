"""The Instagram fake's comments and insights, as the Instagram API with Facebook Login serves them.

Comments: ``visitor_comment`` makes a person's comment on a media and returns Meta's ``comments``
delivery (object ``instagram``); ``POST /{ig-comment-id}/replies`` (``message``; only under a top-level
comment, never a hidden one) answers it and keeps Meta's delivery of the account's own reply in
``webhooks``; ``POST /{ig-comment-id}`` ``hide=true`` hides it; ``GET /{igsid}?fields=name,username``.

Insights: ``GET /{ig-user}?fields=followers_count,media_count``, ``GET /{ig-user}/insights?metric=views,
reach&period=day&metric_type=total_value&since&until`` (``total_value``), ``GET /{media}/insights?metric=
views,reach,likes,comments,shares,saved,total_interactions`` (lifetime ``values``). A retired metric
(``impressions``, ``plays``, ``video_views``, or one ``retire_metric`` names) fails the whole request
with code 100, as Meta does; a metric with no data comes back as an empty ``data`` list, not 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kabar.domain.clock import WIB

MEDIA_METRICS = ("views", "reach", "likes", "comments", "shares", "saved", "total_interactions")
ACCOUNT_METRICS = ("views", "reach", "total_interactions", "follower_count", "accounts_engaged")
RETIRED = frozenset({"impressions", "plays", "video_views", "clips_replays_count",
                     "ig_reels_aggregated_all_plays_count"})


@dataclass
class _IgComment:
    id: str
    user_id: str  # the account whose media it is on
    media_id: str
    parent_id: str | None
    author_id: str
    username: str
    text: str
    hidden: bool = False


class InstagramInboxMixin:
    """Mixed into ``FakeInstagram`` (``_lock``, ``_ids``, ``_users``, ``_media``)."""

    def _inbox_init(self) -> None:
        self._comments: dict[str, _IgComment] = {}
        self._people: dict[str, str] = {}
        self._ig_followers: dict[str, int] = {}
        self._ig_days: dict[tuple[str, str], dict[str, int]] = {}
        self._ig_media_insights: dict[str, dict[str, int]] = {}
        self._ig_retired: set[str] = set()
        self.webhooks: list[dict[str, Any]] = []

    # -- knobs --------------------------------------------------------------------------------------

    def visitor_comment(self, media_id: str, person_id: str, username: str, text: str,
                        parent_id: str | None = None) -> dict[str, Any]:
        with self._lock:  # type: ignore[attr-defined]
            media = self._media[media_id]  # type: ignore[attr-defined]
            comment = _IgComment(str(next(self._ids)), media.user_id, media_id, parent_id, person_id,  # type: ignore[attr-defined]
                                 username, text)
            self._comments[comment.id] = comment
            self._people[person_id] = username
        return _comments_delivery(comment)

    def add_person(self, person_id: str, username: str) -> None:
        with self._lock:  # type: ignore[attr-defined]
            self._people[person_id] = username

    def set_account_metrics(self, user_id: str, *, followers: int | None = None, day: str | None = None,
                            **values: int) -> None:
        with self._lock:  # type: ignore[attr-defined]
            if followers is not None:
                self._ig_followers[user_id] = followers
            if day is not None:
                self._ig_days.setdefault((user_id, day), {}).update(values)

    def set_media_insights(self, media_id: str, **values: int) -> None:
        with self._lock:  # type: ignore[attr-defined]
            self._ig_media_insights.setdefault(media_id, {}).update(values)

    def retire_metric(self, name: str) -> None:
        with self._lock:  # type: ignore[attr-defined]
            self._ig_retired.add(name)

    def _inbox_owns(self, node: str) -> bool:
        return node in self._comments or node in self._people

    # -- the API ------------------------------------------------------------------------------------

    def _inbox_route(self, method: str, parts: list[str], values: Any, token: str | None) -> dict | None:
        from .graph import GraphFault

        node = parts[0] if parts else ""
        with self._lock:  # type: ignore[attr-defined]
            comment = self._comments.get(node)
            person = self._people.get(node)
            media = self._media.get(node)  # type: ignore[attr-defined]
            user = self._users.get(node)  # type: ignore[attr-defined]
        if comment is not None:
            self._user(comment.user_id, token)  # type: ignore[attr-defined]
            if method == "POST" and parts[1:] == ["replies"]:
                return self._reply(comment, str(values.get("message") or ""))
            if method == "POST" and len(parts) == 1 and "hide" in values:
                with self._lock:  # type: ignore[attr-defined]
                    comment.hidden = str(values["hide"]).lower() == "true"
                return {"success": True}
            if method == "GET" and len(parts) == 1:
                return {"id": comment.id, "text": comment.text, "username": comment.username, "hidden": comment.hidden}
        if person is not None and method == "GET" and len(parts) == 1:
            if not token:
                raise GraphFault(190)
            return {"id": node, "username": person}
        if user is not None and method == "GET" and len(parts) == 1 and "followers_count" in str(values.get("fields")):
            self._user(node, token)  # type: ignore[attr-defined]
            with self._lock:  # type: ignore[attr-defined]
                count = self._ig_followers.get(node)
                media_count = len([m for m in self._media.values() if m.user_id == node])  # type: ignore[attr-defined]
            answer: dict[str, Any] = {"id": node, "media_count": media_count}
            if count is not None:
                answer["followers_count"] = count
            return answer
        if parts[1:] == ["insights"] and method == "GET":
            metrics = [m.strip() for m in str(values.get("metric") or "").split(",") if m.strip()]
            if not metrics:
                raise GraphFault(100, message="(#100) The parameter metric is required")
            allowed = ACCOUNT_METRICS if user is not None else MEDIA_METRICS
            for metric in metrics:
                if metric in RETIRED or metric in self._ig_retired or metric not in allowed:
                    raise GraphFault(100, message=f"(#100) metric[0] must be one of the following values: "
                                                  f"{', '.join(allowed)}")
            if user is not None:
                self._user(node, token)  # type: ignore[attr-defined]
                since = datetime.fromtimestamp(int(values.get("since") or 0), UTC).astimezone(WIB).date()
                with self._lock:  # type: ignore[attr-defined]
                    day = self._ig_days.get((node, since.isoformat()), {})
                return {"data": [{"name": m, "period": "day", "title": m, "id": f"{node}/insights/{m}/day",
                                  "total_value": {"value": day[m]}} for m in metrics if m in day]}
            if media is not None:
                self._user(media.user_id, token)  # type: ignore[attr-defined]
                with self._lock:  # type: ignore[attr-defined]
                    known = dict(self._ig_media_insights.get(node, {}))
                return {"data": [{"name": m, "period": "lifetime", "title": m, "id": f"{node}/insights/{m}/lifetime",
                                  "values": [{"value": known[m]}]} for m in metrics if m in known]}
        return None

    def _reply(self, comment: _IgComment, message: str) -> dict[str, Any]:
        from .graph import GraphFault

        if not message.strip():
            raise GraphFault(100, message="(#100) The parameter message is required")
        if comment.hidden:
            raise GraphFault(100, message="(#100) Cannot reply to a hidden comment")
        if comment.parent_id:
            raise GraphFault(100, message="(#100) You can only reply to top-level comments")
        with self._lock:  # type: ignore[attr-defined]
            owner = self._users[comment.user_id]  # type: ignore[attr-defined]
            reply = _IgComment(str(next(self._ids)), comment.user_id, comment.media_id, comment.id,  # type: ignore[attr-defined]
                               owner.id, owner.username, message)
            self._comments[reply.id] = reply
            self.webhooks.append(_comments_delivery(reply))
        return {"id": reply.id}


def _comments_delivery(comment: _IgComment) -> dict[str, Any]:
    value: dict[str, Any] = {"id": comment.id, "text": comment.text,
                             "from": {"id": comment.author_id, "username": comment.username},
                             "media": {"id": comment.media_id, "media_product_type": "FEED"}}
    if comment.parent_id:
        value["parent_id"] = comment.parent_id
    now = int(datetime.now(UTC).timestamp())
    return {"object": "instagram", "entry": [{"id": comment.user_id, "time": now,
                                              "changes": [{"field": "comments", "value": value}]}]}
