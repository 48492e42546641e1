"""Answering from Kabar's inbox through the Graph API (``InboxReplies``), with the village's own tokens.

- a Facebook comment: ``POST /{comment-id}/comments`` (``message``); an Instagram one:
  ``POST /{ig-comment-id}/replies`` (``message``)
- a private reply to a commenter: the Send API with ``recipient={"comment_id": …}`` (once per comment,
  within 7 days of it)
- a message: the Send API ``POST /me/messages`` with ``recipient={"id": PSID|IGSID}`` and
  ``messaging_type=RESPONSE`` (only within 24 hours of the person's last message; Meta answers code 10,
  subcode 2018278, "sent outside of allowed window" otherwise)
- hiding: Facebook ``POST /{comment-id}`` ``is_hidden=true``; Instagram ``POST /{ig-comment-id}`` ``hide=true``
- names: ``GET /{PSID}?fields=name`` (Messenger's user profile), ``GET /{IGSID}?fields=name,username``
- the post commented on: ``GET /{post-id}?fields=message,full_picture,permalink_url`` or
  ``GET /{ig-media-id}?fields=caption,media_url,thumbnail_url,permalink``

The Graph client, its token handling and error classification are the Facebook adapter's.
"""

from __future__ import annotations

import json

from ...domain.text import t
from ...ports import PermanentChannelError
from .facebook import FacebookPage, FacebookPermanentError

#: Meta's refusal of a message outside the messaging window.
OUTSIDE_WINDOW_SUBCODE = 2018278


class OutsideMessagingWindow(PermanentChannelError):
    """Meta refused the message: the person's last message is more than 24 hours old."""


class MetaInbox:
    """One village's Graph clients by channel (``facebook`` addressed at the Page, ``instagram`` at the
    IG user; both carry the Page token)."""

    def __init__(self, graphs: dict[str, FacebookPage]) -> None:
        self.graphs = graphs

    def _graph(self, channel: str) -> FacebookPage:
        graph = self.graphs.get(channel)
        if graph is None:
            raise PermanentChannelError(str(t(
                f"Kanal {channel.title()} belum tersambung untuk desa ini.",
                f"The {channel.title()} channel is not connected for this village.")))
        return graph

    def _post(self, channel: str, path: str, form: dict[str, str]) -> dict:
        try:
            return self._graph(channel)._call("POST", path, form=form)  # noqa: SLF001 - the shared Graph client
        except FacebookPermanentError as err:
            if err.error is not None and err.error.code == 10 and err.error.subcode == OUTSIDE_WINDOW_SUBCODE:
                raise OutsideMessagingWindow(str(err)) from err
            raise

    def reply_comment(self, channel: str, comment_id: str, text: str) -> str:
        edge = "replies" if channel == "instagram" else "comments"
        return str(self._post(channel, f"{comment_id}/{edge}", {"message": text}).get("id") or "")

    def private_reply(self, channel: str, comment_id: str, text: str) -> str:
        answer = self._post(channel, "me/messages", {"recipient": json.dumps({"comment_id": comment_id}),
                                                     "message": json.dumps({"text": text})})
        return str(answer.get("message_id") or "")

    def send_message(self, channel: str, person_id: str, text: str) -> str:
        answer = self._post(channel, "me/messages", {"recipient": json.dumps({"id": person_id}),
                                                     "messaging_type": "RESPONSE",
                                                     "message": json.dumps({"text": text})})
        return str(answer.get("message_id") or "")

    def hide_comment(self, channel: str, comment_id: str) -> None:
        self._post(channel, comment_id, {"hide": "true"} if channel == "instagram" else {"is_hidden": "true"})

    def person_name(self, channel: str, person_id: str) -> str | None:
        fields = "name,username" if channel == "instagram" else "name"
        answer = self._graph(channel).get(person_id, query={"fields": fields})
        if answer.get("name"):
            return str(answer["name"])[:200]
        return f"@{answer['username']}"[:200] if answer.get("username") else None

    def post_summary(self, channel: str, post_id: str) -> dict[str, str]:
        if channel == "instagram":
            answer = self._graph(channel).get(post_id, query={"fields": "caption,media_url,thumbnail_url,permalink"})
            found = {"title": answer.get("caption"), "link": answer.get("permalink"),
                     "thumbnail": answer.get("thumbnail_url") or answer.get("media_url")}
        else:
            answer = self._graph(channel).get(post_id, query={"fields": "message,full_picture,permalink_url"})
            found = {"title": answer.get("message"), "thumbnail": answer.get("full_picture"),
                     "link": answer.get("permalink_url")}
        return {k: str(v)[:300] for k, v in found.items() if v}
