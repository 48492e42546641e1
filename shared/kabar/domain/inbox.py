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
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from statistics import median

from pydantic import BaseModel

from . import sop
from .clock import month_of, to_wib
from .text import Bilingual, t

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
    #: ``facebook`` (a Page's comment or Messenger message) or ``instagram`` (the account's comment or DM)
    channel: str = "facebook"
    #: how the answer was given: ``kabar`` (from the inbox) or ``meta`` (Meta's own tools, seen by webhook)
    answered_via: str | None = None
    answer_text: str = ""
    #: settled without an answer: ``thanks`` (classified), ``admin`` (marked with one tap), ``deleted``
    #: (the author removed it), ``hidden`` (spam hidden by the admin); None while it waits or was answered
    no_answer: str | None = None
    no_answer_at: datetime | None = None
    private_reply_id: str | None = None
    edited_at: datetime | None = None
    hidden_at: datetime | None = None

    @property
    def open(self) -> bool:
        """Still waiting for an answer (neither answered nor settled as needing none)."""
        return self.answered_at is None and self.no_answer is None

    @property
    def conversation(self) -> str:
        """The thread it belongs to: the top comment a reply is under, or the person who wrote."""
        if self.kind is InquiryKind.MESSAGE:
            return f"{self.channel}:m:{self.page_id}:{self.author_id}"
        return f"{self.channel}:c:{self.parent_id or self.inquiry_id}"

    @property
    def thread_key(self) -> str:
        return thread_key(self.conversation)

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
    channel: str = "facebook"
    text: str = ""


class Revision(BaseModel):
    """A change the author made to an inquiry already recorded: an edit (``text``) or its removal."""

    tenant_id: str
    inquiry_id: str
    at: datetime
    text: str | None = None  # the new text of an edit; None: the inquiry was removed (or hidden)
    verb: str = "edited"  # edited | remove | hide


def thread_key(conversation: str) -> str:
    """The thread's name in links (the digest's, the page's): short, and it shows no platform id."""
    return hashlib.sha256(conversation.encode()).hexdigest()[:20]


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


def parse_webhook(payload: dict, villages_by_page: Mapping[str, str],
                  arrived: datetime) -> list[Inquiry | Answer | Revision]:
    """Comments and messages of the Pages and Instagram accounts Kabar knows (``object`` ``page`` or
    ``instagram``), what the account itself wrote (answers, echoes), and edits, removals and hides of
    what was recorded. Anything else (deliveries, reads, reactions, other accounts) is left out."""
    found: list[Inquiry | Answer | Revision] = []
    if not isinstance(payload, dict) or payload.get("object") not in ("page", "instagram"):
        return found
    channel = "instagram" if payload.get("object") == "instagram" else "facebook"
    for entry in payload.get("entry") or []:
        page_id = str(entry.get("id") or "")
        tenant = villages_by_page.get(page_id)
        if tenant is None:
            continue
        for change in entry.get("changes") or []:
            value = change.get("value") or {}
            if channel == "facebook" and change.get("field") == "feed" and value.get("item") == "comment":
                found.extend(_facebook_comment(value, tenant, page_id, arrived))
            elif channel == "instagram" and change.get("field") == "comments":
                found.extend(_instagram_comment(value, tenant, page_id, arrived))
        for event in entry.get("messaging") or []:
            found.extend(_message(event, tenant, page_id, channel, arrived))
    return found


def _facebook_comment(value: dict, tenant: str, page_id: str, arrived: datetime) -> list:
    author = value.get("from") or {}
    comment_id = str(value.get("comment_id") or "")
    post_id = str(value.get("post_id") or "")
    parent = str(value.get("parent_id") or "")
    verb = value.get("verb")
    if not comment_id:
        return []
    if verb in ("edited", "remove", "hide"):
        text = str(value.get("message") or "")[:2000] if verb == "edited" else None
        return [Revision(tenant_id=tenant, inquiry_id=comment_id, at=_when(value.get("created_time"), arrived),
                         text=text, verb=verb)]
    if verb != "add":
        return []
    if str(author.get("id") or "") == page_id:
        return [Answer(tenant_id=tenant, kind=InquiryKind.COMMENT, page_id=page_id, answer_id=comment_id,
                       answers=parent if parent != post_id else None, at=_when(value.get("created_time"), arrived),
                       text=str(value.get("message") or "")[:2000])]
    return [Inquiry(
        tenant_id=tenant, inquiry_id=comment_id, kind=InquiryKind.COMMENT, page_id=page_id,
        thread_id=post_id, parent_id=parent if parent and parent != post_id else None,
        author_id=str(author.get("id") or ""), author_name=str(author.get("name") or "")[:200],
        text=str(value.get("message") or "")[:2000], received_at=arrived)]


def _instagram_comment(value: dict, tenant: str, account_id: str, arrived: datetime) -> list:
    """``{"id", "text", "from": {"id", "username"}, "media": {"id", ...}, "parent_id"?}``; the account's
    own comment under another is its reply."""
    author = value.get("from") or {}
    comment_id = str(value.get("id") or "")
    parent = str(value.get("parent_id") or "") or None
    media_id = str((value.get("media") or {}).get("id") or "")
    if not comment_id:
        return []
    if str(author.get("id") or "") == account_id:
        return [Answer(tenant_id=tenant, kind=InquiryKind.COMMENT, page_id=account_id, answer_id=comment_id,
                       answers=parent, at=arrived, channel="instagram", text=str(value.get("text") or "")[:2000])]
    return [Inquiry(
        tenant_id=tenant, inquiry_id=comment_id, kind=InquiryKind.COMMENT, page_id=account_id, thread_id=media_id,
        parent_id=parent, author_id=str(author.get("id") or ""),
        author_name=("@" + str(author.get("username"))[:200]) if author.get("username") else "",
        text=str(value.get("text") or "")[:2000], received_at=arrived, channel="instagram")]


def _message(event: dict, tenant: str, page_id: str, channel: str, arrived: datetime) -> list:
    sender = str((event.get("sender") or {}).get("id") or "")
    recipient = str((event.get("recipient") or {}).get("id") or "")
    at = _when(event.get("timestamp"), arrived)
    edit = event.get("message_edit")
    if isinstance(edit, dict) and edit.get("mid"):
        return [Revision(tenant_id=tenant, inquiry_id=str(edit["mid"]), at=at,
                         text=str(edit.get("text") or "")[:2000], verb="edited")]
    message = event.get("message") or {}
    mid = str(message.get("mid") or "")
    if not mid:
        return []  # deliveries, reads, postbacks, reactions
    if message.get("is_deleted"):  # Instagram: the person unsent it
        return [Revision(tenant_id=tenant, inquiry_id=mid, at=at, text=None, verb="remove")]
    if message.get("is_echo") or sender == page_id:
        return [Answer(tenant_id=tenant, kind=InquiryKind.MESSAGE, page_id=page_id, answer_id=mid, to=recipient,
                       at=at, channel=channel, text=str(message.get("text") or "")[:2000])]
    text = str(message.get("text") or ("[lampiran]" if message.get("attachments") else ""))
    return [Inquiry(
        tenant_id=tenant, inquiry_id=mid, kind=InquiryKind.MESSAGE, page_id=page_id, thread_id=sender,
        author_id=sender, text=text[:2000], received_at=arrived, channel=channel)]


def answered_by(answer: Answer, candidates: Iterable[Inquiry]) -> list[Inquiry]:
    """The open inquiries an answer settles: the comment replied to (and the open replies under it
    that came before the answer), or every open message of the person written to, before it."""
    settled = []
    for inq in candidates:
        if not inq.open or inq.tenant_id != answer.tenant_id or inq.channel != answer.channel:
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
    #: Comments and messages settled as needing no answer (thanks, emoji, removed, spam): not in ``received``.
    no_answer_needed: int = 0

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
        if inq.no_answer is not None and inq.answered_at is None:
            result.no_answer_needed += 1
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


# --- SOP A5 in the inbox: what needs an answer, what may still be answered, a thread's state -------

#: Words of thanks and praise that ask nothing ("Mantap, terima kasih!"): a comment or message made only
#: of these (and emoji, punctuation) needs no answer.
THANKS_WORDS = frozenset("""
terima kasih makasih makasi mksh trims trimakasih terimakasih thanks thank thx tq ty you nuwun matur suwun
maturnuwun mantap mantab mantul keren bagus hebat luar biasa top sip siip sippp oke ok okey okay baik siap
amin aamiin aamiin amiin semangat sukses selalu lancar berkah barakallah alhamdulillah good nice great
mas mbak pak bu bapak ibu min admin kak lur desa kalurahan pemdes untuk atas infonya info informasinya nya
sangat banyak sekali ya yaa yah dan juga semua semoga jaya terus the
""".split())
#: Meta's standard messaging window: a message may be answered through the Send API within 24 hours of
#: the person's last message (Messenger and Instagram alike).
MESSAGING_WINDOW = timedelta(hours=24)
#: A private reply to a commenter: once per comment, within 7 days of the comment.
PRIVATE_REPLY_WINDOW = timedelta(days=7)


def messaging_window_words() -> Bilingual:
    """Meta's window as Meta says it, in hours ("24 jam" / "24 hours"), from the one constant above."""
    hours = int(MESSAGING_WINDOW.total_seconds() // 3600)
    return t(f"{hours} jam", f"{hours} hours")


def butuh_jawaban(text: str) -> bool:
    """SOP A5 "menjawab komentar dan direct message": does this comment or message ask for an answer?
    Thanks, praise and emoji alone do not; a question mark, any other word or an attachment do."""
    if "?" in text or "[lampiran]" in text:
        return True
    words = re.findall(r"[^\W_]+", text.casefold())
    return any(w not in THANKS_WORDS and not re.fullmatch(r"(\w)\1*|(wk)+w?|(h[aeiu])+h?|\d+", w) for w in words)


def message_window_left(last_message_at: datetime | None, at: datetime) -> timedelta | None:
    """How long the person's thread may still be answered by message (None: the window has closed)."""
    if last_message_at is None:
        return None
    left = last_message_at + MESSAGING_WINDOW - at
    return left if left > timedelta(0) else None


def private_reply_allowed(inq: Inquiry, at: datetime) -> bool:
    return (inq.kind is InquiryKind.COMMENT and inq.private_reply_id is None and inq.hidden_at is None
            and at - inq.received_at < PRIVATE_REPLY_WINDOW)


class ThreadStatus(StrEnum):
    BARU = "baru"  # waiting, and nobody in Kabar has opened it since it last moved
    PERLU_DIJAWAB = "perlu_dijawab"  # waiting, opened (or given to someone)
    DIJAWAB = "dijawab"
    TIDAK_PERLU_DIJAWAB = "tidak_perlu_dijawab"


STATUS_WORDS = {
    ThreadStatus.BARU: ("Baru", "New"),
    ThreadStatus.PERLU_DIJAWAB: ("Perlu dijawab", "Needs an answer"),
    ThreadStatus.DIJAWAB: ("Dijawab", "Answered"),
    ThreadStatus.TIDAK_PERLU_DIJAWAB: ("Tidak perlu dijawab", "No answer needed"),
}


def thread_status(inquiries: Iterable[Inquiry], seen_at: datetime | None, assigned: bool = False) -> ThreadStatus:
    items = list(inquiries)
    waiting = [i for i in items if i.open]
    if waiting:
        newest = max(i.received_at for i in waiting)
        if not assigned and (seen_at is None or seen_at < newest):
            return ThreadStatus.BARU
        return ThreadStatus.PERLU_DIJAWAB
    if any(i.answered_at is not None for i in items):
        return ThreadStatus.DIJAWAB
    return ThreadStatus.TIDAK_PERLU_DIJAWAB


def thread_due(inquiries: Iterable[Inquiry]) -> datetime | None:
    """The thread's 1-day clock: the limit of its oldest inquiry still waiting (None: nothing waits)."""
    waiting = [i.due for i in inquiries if i.open]
    return min(waiting) if waiting else None
