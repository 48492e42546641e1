"""The Facebook Graph fake's inbox: comments on a Page's posts and messages to it, as Meta serves them.

Knobs make what a visitor does (``visitor_comment``, ``visitor_message``) and return the webhook
delivery Meta would send for it (object ``page``, or ``instagram`` for an Instagram DM). What the Page
does through the API is served in the real shapes, and Meta's own webhook for it (the Page's reply as a
``feed`` comment, a message echo) is kept in ``webhooks`` for a test to deliver:

- ``POST /{comment-id}/comments`` ``message`` -> ``{"id"}``: the Page's reply under the comment
- ``POST /{comment-id}`` ``is_hidden=true`` -> ``{"success": true}``
- ``POST /me/messages`` (or ``/{page-id}/messages``) with ``recipient={"id"}`` -> ``{"recipient_id",
  "message_id"}`` only within 24 hours of the person's last message (else code 10, subcode 2018278), or
  with ``recipient={"comment_id"}`` (a private reply: once per comment, within 7 days)
- ``GET /{psid}?fields=name`` (a person who wrote to the Page), ``GET /{comment-id}``
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from werkzeug.wrappers import Request

MESSAGING_WINDOW = timedelta(hours=24)
PRIVATE_REPLY_WINDOW = timedelta(days=7)
OUTSIDE_WINDOW = 2018278


@dataclass
class _Comment:
    id: str
    page_id: str
    post_id: str
    parent_id: str | None
    author_id: str
    author_name: str
    message: str
    created: datetime
    hidden: bool = False
    private_reply: str | None = None


class InboxFakeMixin:
    """Mixed into ``FakeGraph`` (which holds ``_lock``, ``_ids``, ``_pages``, ``_posts``, ``clock``)."""

    def _inbox_init(self) -> None:
        self._comments: dict[str, _Comment] = {}
        self._people: dict[str, str] = {}  # PSID/IGSID -> name
        self._last_inbound: dict[tuple[str, str], datetime] = {}  # (page id, person) -> their last message
        self.sent_messages: list[dict[str, Any]] = []
        #: deliveries Meta would send about what the Page did through the API (replies, echoes)
        self.webhooks: list[dict[str, Any]] = []

    # -- knobs: what visitors do ------------------------------------------------------------------

    def visitor_comment(self, post_id: str, author_id: str, name: str, text: str,
                        parent_id: str | None = None, at: datetime | None = None) -> dict[str, Any]:
        """A person comments on the Page's post (or replies under a comment): the ``feed`` delivery."""
        GraphFault = _fault()
        with self._lock:  # type: ignore[attr-defined]
            post = self._posts.get(post_id)  # type: ignore[attr-defined]
            if post is None:
                raise GraphFault(100, message=f"no post {post_id}")
            at = at or self.clock()  # type: ignore[attr-defined]
            comment = _Comment(f"{post_id}_{next(self._ids)}", post.page_id, post_id, parent_id,  # type: ignore[attr-defined]
                               author_id, name, text, at)
            self._comments[comment.id] = comment
            self._people[author_id] = name
        return _feed_delivery(comment, "add")

    def comment_edited(self, comment_id: str, text: str, at: datetime | None = None) -> dict[str, Any]:
        with self._lock:  # type: ignore[attr-defined]
            comment = self._comments[comment_id]
            comment.message = text
        return _feed_delivery(comment, "edited", at or self.clock())  # type: ignore[attr-defined]

    def comment_removed(self, comment_id: str) -> dict[str, Any]:
        with self._lock:  # type: ignore[attr-defined]
            comment = self._comments.pop(comment_id)
        return _feed_delivery(comment, "remove")

    def visitor_message(self, page_id: str, person_id: str, name: str, text: str, at: datetime | None = None,
                        instagram_account: str | None = None) -> dict[str, Any]:
        """A person writes to the Page (or, with ``instagram_account``, to its Instagram account): the
        ``messaging`` delivery; it opens the 24-hour window for answers."""
        at = at or self.clock()  # type: ignore[attr-defined]
        with self._lock:  # type: ignore[attr-defined]
            mid = f"m_{next(self._ids)}"  # type: ignore[attr-defined]
            self._people[person_id] = name
            last = self._last_inbound.get((page_id, person_id))
            self._last_inbound[(page_id, person_id)] = max(at, last) if last else at
        entry_id = instagram_account or page_id
        return {"object": "instagram" if instagram_account else "page", "entry": [{
            "id": entry_id, "time": int(at.timestamp() * 1000), "messaging": [{
                "sender": {"id": person_id}, "recipient": {"id": entry_id}, "timestamp": int(at.timestamp() * 1000),
                "message": {"mid": mid, "text": text}}]}]}

    def message_edited(self, delivery: dict[str, Any], text: str) -> dict[str, Any]:
        """Meta's ``message_edit`` delivery for a message made by ``visitor_message``."""
        entry = delivery["entry"][0]
        event = entry["messaging"][0]
        return {"object": delivery["object"], "entry": [{"id": entry["id"], "time": entry["time"], "messaging": [{
            "sender": event["sender"], "recipient": event["recipient"], "timestamp": event["timestamp"] + 1000,
            "message_edit": {"mid": event["message"]["mid"], "text": text, "num_edit": 1}}]}]}

    # -- the API ----------------------------------------------------------------------------------

    def _inbox_route(self, method: str, parts: list[str], request: Request, token: str | None) -> dict | None:
        """Answer an inbox request, or None when it is not one (the Graph fake's own routes go on)."""
        if method == "POST" and len(parts) == 2 and parts[1] == "messages":
            owner = self._check_token(token)  # type: ignore[attr-defined]
            if parts[0] not in ("me", owner.id):
                raise _fault()(200)
            return self._send(owner.id, request)
        with self._lock:  # type: ignore[attr-defined]
            comment = self._comments.get(parts[0]) if parts else None
            person = self._people.get(parts[0]) if parts and len(parts) == 1 else None
        if comment is not None:
            owner = self._check_token(token)  # type: ignore[attr-defined]
            if comment.page_id != owner.id:
                raise _fault()(200)
            if method == "POST" and parts[1:] == ["comments"]:
                return self._page_reply(comment, request.form.get("message", ""))
            if method == "POST" and len(parts) == 1 and "is_hidden" in request.form:
                with self._lock:  # type: ignore[attr-defined]
                    comment.hidden = request.form["is_hidden"].lower() == "true"
                return {"success": True}
            if method == "GET" and len(parts) == 1:
                return {"id": comment.id, "message": comment.message, "from": {"id": comment.author_id,
                                                                               "name": comment.author_name},
                        "created_time": comment.created.strftime("%Y-%m-%dT%H:%M:%S+0000"), "is_hidden": comment.hidden}
        if person is not None and method == "GET":
            self._check_token(token)  # type: ignore[attr-defined]
            return {"id": parts[0], "name": person}
        return None

    def _page_reply(self, comment: _Comment, message: str) -> dict[str, Any]:
        GraphFault = _fault()
        if not message.strip():
            raise GraphFault(100, message="(#100) Missing message")
        with self._lock:  # type: ignore[attr-defined]
            page = self._pages[comment.page_id]  # type: ignore[attr-defined]
            reply = _Comment(f"{comment.post_id}_{next(self._ids)}", comment.page_id, comment.post_id,  # type: ignore[attr-defined]
                             comment.parent_id or comment.id, page.id, page.name, message, self.clock())  # type: ignore[attr-defined]
            self._comments[reply.id] = reply
            self.webhooks.append(_feed_delivery(reply, "add"))
        return {"id": reply.id}

    def _send(self, page_id: str, request: Request) -> dict[str, Any]:
        GraphFault = _fault()
        try:
            recipient = json.loads(request.form.get("recipient") or "{}")
            message = json.loads(request.form.get("message") or "{}")
        except ValueError:
            raise GraphFault(100, message="(#100) param recipient and message must be JSON objects") from None
        text = str((message or {}).get("text") or "")
        if not text.strip():
            raise GraphFault(100, subcode=2018034, message="(#100) Message cannot be empty, must provide valid "
                                                           "attachment or text")
        now = self.clock()  # type: ignore[attr-defined]
        commented: _Comment | None = None
        with self._lock:  # type: ignore[attr-defined]
            if recipient.get("comment_id"):
                comment = commented = self._comments.get(str(recipient["comment_id"]))
                if comment is None or comment.page_id != page_id:
                    raise GraphFault(100, subcode=2018001, message="(#100) No matching user found")
                if comment.private_reply or now - comment.created > PRIVATE_REPLY_WINDOW:
                    raise GraphFault(10, subcode=2018278, message="(#10) This message is sent outside of allowed "
                                                                   "window.")
                person = comment.author_id
            else:
                person = str(recipient.get("id") or "")
                last = self._last_inbound.get((page_id, person))
                if last is None:
                    raise GraphFault(100, subcode=2018001, message="(#100) No matching user found")
                if now - last > MESSAGING_WINDOW:
                    raise GraphFault(10, subcode=OUTSIDE_WINDOW, message="(#10) This message is sent outside of "
                                                                         "allowed window. Learn more about the new "
                                                                         "policy here: https://developers.facebook"
                                                                         ".com/docs/messenger-platform/policy-overview")
            mid = f"m_{next(self._ids)}"  # type: ignore[attr-defined]
            if commented is not None:
                commented.private_reply = mid
            self.sent_messages.append({"page_id": page_id, "recipient": recipient, "text": text, "mid": mid,
                                       "messaging_type": request.form.get("messaging_type")})
            self.webhooks.append({"object": "page", "entry": [{"id": page_id, "time": int(now.timestamp() * 1000),
                                  "messaging": [{"sender": {"id": page_id}, "recipient": {"id": person},
                                                 "timestamp": int(now.timestamp() * 1000),
                                                 "message": {"mid": mid, "text": text, "is_echo": True}}]}]})
        return {"recipient_id": person, "message_id": mid}


def _feed_delivery(comment: _Comment, verb: str, at: datetime | None = None) -> dict[str, Any]:
    value: dict[str, Any] = {"item": "comment", "verb": verb, "comment_id": comment.id, "post_id": comment.post_id,
                             "parent_id": comment.parent_id or comment.post_id,
                             "from": {"id": comment.author_id, "name": comment.author_name},
                             "created_time": int((at or comment.created).timestamp())}
    if verb != "remove":
        value["message"] = comment.message
    return {"object": "page", "entry": [{"id": comment.page_id, "time": int((at or comment.created).timestamp()),
                                         "changes": [{"field": "feed", "value": value}]}]}


def _fault() -> Any:
    from .graph import GraphFault

    return GraphFault
