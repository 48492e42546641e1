"""SOP A5: comments and direct messages are answered within 1 day. Pure rules of the inbox.

Meta's webhook (object ``page``) brings comments (``changes[].field == "feed"``, ``item == "comment"``)
and messages (``messaging[]``). Whatever the Page itself writes marks an answer: its reply to a
comment (``from.id`` is the Page, ``parent_id`` the comment answered) or its message to a person
(an echo, ``is_echo``, sent to that person: subscribe to ``message_echoes`` to receive them).
The clock starts at arrival (when Kabar received it) and the limit is ``sop.batas_jawaban``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from statistics import median

from pydantic import BaseModel

from . import sop
from .clock import month_of, to_wib

#: A question is "close to the limit" in the daily digest when less than this is left.
NEAR_LIMIT = timedelta(hours=6)
#: Meta's time of an answer against Kabar's arrival time of the question: deliveries lag a little.
ARRIVAL_SLACK = timedelta(minutes=5)


class InquiryKind(StrEnum):
    COMMENT = "comment"
    MESSAGE = "message"


class Inquiry(BaseModel):
    """One comment or direct message from a person, and when the Page answered it."""

    tenant_id: str
    inquiry_id: str  # comment_id or message mid: the dedup key
    kind: InquiryKind
    page_id: str
    thread_id: str  # the post a comment is on, or the person (PSID) a message is from
    parent_id: str | None = None  # the comment a reply is under (None: on the post itself)
    author_id: str
    author_name: str = ""
    text: str = ""
    received_at: datetime  # arrival at Kabar: the SOP clock starts here
    answered_at: datetime | None = None
    answer_id: str | None = None

    @property
    def due(self) -> datetime:
        return sop.batas_jawaban(self.received_at)


class Answer(BaseModel):
    """Something the Page wrote: it answers ``answers`` (a comment id) or the person ``to``."""

    tenant_id: str
    kind: InquiryKind
    page_id: str
    answer_id: str
    answers: str | None = None  # comment: the comment replied to
    to: str | None = None  # message: the person written to
    at: datetime


# --- the webhook's authenticity ----------------------------------------------------------------


def signature_ok(app_secret: str, raw_body: bytes, header: str | None) -> bool:
    """``X-Hub-Signature-256: sha256=<hex>`` over the raw bytes as received, compared in constant time."""
    if not app_secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256=").strip().lower())


def handshake(params: Mapping[str, str], verify_token: str) -> str | None:
    """The subscription handshake: the challenge to echo back, or None (answer 403)."""
    token = params.get("hub.verify_token") or ""
    if (params.get("hub.mode") == "subscribe" and verify_token
            and hmac.compare_digest(token.encode(), verify_token.encode())):
        return params.get("hub.challenge") or ""
    return None


# --- the webhook's content ---------------------------------------------------------------------


def _when(value: object, fallback: datetime) -> datetime:
    """Meta's times: unix seconds (feed) or milliseconds (messaging); the arrival time otherwise."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return fallback
    return datetime.fromtimestamp(number / 1000 if number > 10**11 else number, UTC)


def parse_webhook(payload: dict, villages_by_page: Mapping[str, str], arrived: datetime) -> list[Inquiry | Answer]:
    """Comments and messages of the Pages Kabar knows; others (and edits, removals) are left out."""
    found: list[Inquiry | Answer] = []
    if not isinstance(payload, dict) or payload.get("object") != "page":
        return found
    for entry in payload.get("entry") or []:
        page_id = str(entry.get("id") or "")
        tenant = villages_by_page.get(page_id)
        if tenant is None:
            continue
        for change in entry.get("changes") or []:
            value = change.get("value") or {}
            if change.get("field") != "feed" or value.get("item") != "comment" or value.get("verb") != "add":
                continue
            author = value.get("from") or {}
            comment_id = str(value.get("comment_id") or "")
            post_id = str(value.get("post_id") or "")
            parent = str(value.get("parent_id") or "")
            if not comment_id:
                continue
            if str(author.get("id") or "") == page_id:
                found.append(Answer(tenant_id=tenant, kind=InquiryKind.COMMENT, page_id=page_id,
                                    answer_id=comment_id, answers=parent if parent != post_id else None,
                                    at=_when(value.get("created_time"), arrived)))
                continue
            found.append(Inquiry(
                tenant_id=tenant, inquiry_id=comment_id, kind=InquiryKind.COMMENT, page_id=page_id,
                thread_id=post_id, parent_id=parent if parent and parent != post_id else None,
                author_id=str(author.get("id") or ""), author_name=str(author.get("name") or "")[:200],
                text=str(value.get("message") or "")[:2000], received_at=arrived))
        for event in entry.get("messaging") or []:
            message = event.get("message") or {}
            mid = str(message.get("mid") or "")
            sender = str((event.get("sender") or {}).get("id") or "")
            recipient = str((event.get("recipient") or {}).get("id") or "")
            if not mid:
                continue  # deliveries, reads, postbacks
            if message.get("is_echo") or sender == page_id:
                found.append(Answer(tenant_id=tenant, kind=InquiryKind.MESSAGE, page_id=page_id, answer_id=mid,
                                    to=recipient, at=_when(event.get("timestamp"), arrived)))
                continue
            text = str(message.get("text") or ("[lampiran]" if message.get("attachments") else ""))
            found.append(Inquiry(
                tenant_id=tenant, inquiry_id=mid, kind=InquiryKind.MESSAGE, page_id=page_id, thread_id=sender,
                author_id=sender, text=text[:2000], received_at=arrived))
    return found


def answered_by(answer: Answer, candidates: Iterable[Inquiry]) -> list[Inquiry]:
    """The open inquiries an answer settles: the comment replied to (and the open replies under it
    that came before the answer), or every open message of the person written to, before it."""
    settled = []
    for inq in candidates:
        if inq.answered_at is not None or inq.tenant_id != answer.tenant_id:
            continue
        if answer.kind is InquiryKind.COMMENT and answer.answers and inq.kind is InquiryKind.COMMENT and (
                inq.inquiry_id == answer.answers
                or (inq.parent_id == answer.answers and inq.received_at <= answer.at + ARRIVAL_SLACK)):
            settled.append(inq)
        elif (answer.kind is InquiryKind.MESSAGE and inq.kind is InquiryKind.MESSAGE and inq.thread_id == answer.to
              and inq.received_at <= answer.at + ARRIVAL_SLACK):
            settled.append(inq)
    return settled


def answer_moment(inq: Inquiry, answer: Answer) -> datetime:
    """When the inquiry counts as answered: Meta's time of the answer, never before the inquiry arrived."""
    return max(answer.at, inq.received_at)


# --- the 1-day clock ---------------------------------------------------------------------------


class ClockState(StrEnum):
    ANSWERED = "answered"  # within the day
    ANSWERED_LATE = "answered_late"
    OPEN = "open"
    NEAR_LIMIT = "near_limit"  # open, less than NEAR_LIMIT left
    OVERDUE = "overdue"  # open past the limit


def clock_state(inq: Inquiry, as_of: datetime) -> ClockState:
    if inq.answered_at is not None:
        late = sop.is_late(inq.answered_at, inq.due)
        return ClockState.ANSWERED_LATE if late else ClockState.ANSWERED
    left = inq.due - to_wib(as_of)
    if left < timedelta(0):
        return ClockState.OVERDUE
    return ClockState.NEAR_LIMIT if left <= NEAR_LIMIT else ClockState.OPEN


class AnswerTimes(BaseModel):
    """The month's comments and messages against the 1-day standard (by arrival month, Jakarta time)."""

    received: int = 0
    comments: int = 0
    messages: int = 0
    met: int = 0
    missed: int = 0
    pending: int = 0
    median_hours: float | None = None

    #: Questions past their limit and still without an answer (among ``missed``).
    unanswered: int = 0

    @property
    def answered(self) -> int:
        return self.received - self.pending - self.unanswered

    @property
    def rate(self) -> int | None:
        """Percent of the month's questions answered within the day. A question still open is not
        answered: it counts against the rate, whether or not its day has run out."""
        return round(100 * self.met / self.received) if self.received else None


def answer_times(inquiries: Iterable[Inquiry], month: str, as_of: datetime | None = None) -> AnswerTimes:
    """``as_of``: an open question past its limit then counts as missed (otherwise pending)."""
    result = AnswerTimes()
    hours = []
    for inq in inquiries:
        if month_of(inq.received_at) != month:
            continue
        result.received += 1
        if inq.kind is InquiryKind.COMMENT:
            result.comments += 1
        else:
            result.messages += 1
        if inq.answered_at is not None:
            hours.append((inq.answered_at - inq.received_at).total_seconds() / 3600)
            if sop.is_late(inq.answered_at, inq.due):
                result.missed += 1
            else:
                result.met += 1
        elif as_of is not None and to_wib(as_of) > inq.due:
            result.missed += 1
            result.unanswered += 1
        else:
            result.pending += 1
    # minutes matter: an answer within minutes is not "0,0 hours" (the report formats it)
    result.median_hours = round(median(hours), 4) if hours else None
    return result
