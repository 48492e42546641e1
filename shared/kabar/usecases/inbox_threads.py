"""SOP A5 in the workspace: the inbox (Kotak masuk), where comments and messages are answered.

One list of threads (a comment and the replies under it, or a person's messages to the Page or the
Instagram account): who wrote, the post commented on, the thread, the time left on the 1-day clock and
its status (baru, perlu dijawab, dijawab, tidak perlu dijawab). From a thread the admin answers
(a public reply, a private reply to the commenter, or a message within Meta's messaging window), marks
it as needing no answer, hides a spam comment, or gives it to a colleague.

Use cases receive their ports: ``store`` (the DynamoDB store; its ``inbox`` repository) and
``replies`` (``ports.InboxReplies``, the village's Graph clients). Every change commits with its audit
entry (and the colleague's email) in one transaction; a repeated click changes nothing twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from ..domain.clock import month_of, previous_month, to_wib
from ..domain.errors import Conflict, InvalidInput, NotFound
from ..domain.inbox import (
    PRIVATE_REPLY_WINDOW,
    STATUS_WORDS,
    Inquiry,
    InquiryKind,
    ThreadStatus,
    message_window_left,
    messaging_window_words,
    private_reply_allowed,
    thread_due,
    thread_status,
)
from ..domain.models import AuditEntry, Role, Staff, Village
from ..domain.outbox import Change
from ..domain.sop import lama
from ..domain.text import t
from ..domain.wording import channel_name
from ..domain.workspace import Clock, read_clock, when_id
from ..ports import InboxReplies, PermanentChannelError, TransientChannelError
from .notices import promised

logger = Logger(child=True)

KEY_RE = re.compile(r"[0-9a-f]{20}")
#: The longest answer Kabar sends (Messenger's text limit is 2,000 characters; a comment's is longer).
MAX_ANSWER = 2000
#: At most this many names or posts are asked of Meta per list shown (the rest on the next view).
RESOLVE_PER_VIEW = 10
REASON_WORDS = {
    "thanks": ("Ucapan terima kasih atau emoji saja", "Thanks or emoji only"),
    "admin": ("Ditandai admin", "Marked by the admin"),
    "deleted": ("Dihapus penulisnya", "Removed by its author"),
    "hidden": ("Disembunyikan sebagai spam", "Hidden as spam"),
}


class NotAllowed(Conflict):
    status = 403
    code = "forbidden"

    def __init__(self) -> None:
        super().__init__(t("Peran Anda hanya dapat melihat, tidak dapat mengubah.",
                           "Your role can read but not change anything."))


class CannotAnswer(Conflict):
    """The platform would refuse this answer; the message says plainly why."""

    status = 409
    code = "cannot_answer"


def _require_actor(staff: Staff, village: Village) -> None:
    if staff.role is not Role.ADMIN or staff.tenant_id != village.id:
        raise NotAllowed()


# --- reading ----------------------------------------------------------------------------------------

@dataclass
class Thread:
    key: str
    channel: str
    kind: InquiryKind
    inquiries: list[Inquiry]
    record: dict
    status: ThreadStatus
    due: datetime | None
    clock: Clock | None
    author: str
    last: Inquiry
    answered_at: datetime | None

    @property
    def status_words(self) -> tuple[str, str]:
        return STATUS_WORDS[self.status]

    @property
    def channel_word(self) -> str:
        return channel_name(self.channel)

    @property
    def assigned_name(self) -> str:
        return str(self.record.get("assigned_name") or "")

    @property
    def post(self) -> dict:
        return {"title": self.record.get("post_title") or "", "thumbnail": self.record.get("post_thumb") or "",
                "link": self.record.get("post_link") or ""}


def _author_word(channel: str) -> str:
    return "Pengguna Instagram" if channel == "instagram" else "Pengguna Facebook"


def _group(inquiries: list[Inquiry]) -> dict[str, list[Inquiry]]:
    threads: dict[str, list[Inquiry]] = {}
    for inq in sorted(inquiries, key=lambda i: (i.received_at, i.inquiry_id)):
        threads.setdefault(inq.thread_key, []).append(inq)
    return threads


def _recent(store: Any, village_id: str, at: datetime) -> list[Inquiry]:
    """This month's and last month's inquiries (the inbox's horizon, as the digest's)."""
    local = to_wib(at)
    return store.inquiries_in_month(village_id, previous_month(local)) + store.inquiries_in_month(
        village_id, month_of(local))


def _thread(key: str, items: list[Inquiry], record: dict, at: datetime) -> Thread:
    first = items[0]
    due = thread_due(items)
    waiting = [i for i in items if i.open]
    clock = read_clock("jawaban", waiting[0].received_at, due, at) if waiting and due else None
    seen = record.get("seen_at")
    status = thread_status(items, datetime.fromisoformat(seen) if seen else None, bool(record.get("assigned_to")))
    answered = [i.answered_at for i in items if i.answered_at]
    return Thread(key=key, channel=first.channel, kind=first.kind, inquiries=items, record=record, status=status,
                  due=due, clock=clock,
                  author=str(record.get("author_name") or first.author_name or _author_word(first.channel)),
                  last=items[-1], answered_at=max(answered) if answered else None)


def inbox(village: Village, store: Any, at: datetime, replies: InboxReplies | None = None,
          status: str | None = None) -> list[Thread]:
    """The village's threads: waiting ones first (the nearest limit first), then the settled, newest first.
    ``replies``: names and posts not yet known are asked of Meta (a few per view) and kept."""
    records = store.inbox.threads(village.id)
    threads = [_thread(key, items, records.get(key) or {}, at)
               for key, items in _group(_recent(store, village.id, at)).items()]
    if replies is not None:
        for thread in [th for th in threads if not th.record.get("resolved_at")][:RESOLVE_PER_VIEW]:
            if not _resolve(village, thread, store, replies, at):
                break  # Meta is not answering now: the page is shown without waiting for it again
    if status:
        threads = [th for th in threads if th.status.value == status]
    waiting = sorted((th for th in threads if th.due), key=lambda th: th.due)  # type: ignore[arg-type, return-value]
    settled = sorted((th for th in threads if not th.due), key=lambda th: th.last.received_at, reverse=True)
    return waiting + settled


def counts(threads: list[Thread]) -> dict[str, int]:
    return {s.value: sum(1 for th in threads if th.status is s) for s in ThreadStatus}


def _resolve(village: Village, thread: Thread, store: Any, replies: InboxReplies, at: datetime) -> bool:
    """The author's name (a message's sender comes as a number) and the post commented on, asked of Meta
    once and kept on the thread; a failure leaves the words already shown and is tried on a later view."""
    first = thread.inquiries[0]
    fields: dict[str, Any] = {}
    try:
        if not thread.record.get("author_name") and not first.author_name:
            name = replies.person_name(first.channel, first.author_id)
            if name:
                fields["author_name"] = name
        if first.kind is InquiryKind.COMMENT and first.thread_id and not thread.record.get("post_title"):
            post = replies.post_summary(first.channel, first.thread_id)
            links = {k: v for k, v in (("post_thumb", post.get("thumbnail")), ("post_link", post.get("link")))
                     if v and re.match(r"https?://", v)}  # shown as a picture and a link: web addresses only
            fields.update({**({"post_title": post["title"]} if post.get("title") else {}), **links})
    except (PermanentChannelError, TransientChannelError) as err:
        logger.warning("inbox: could not ask Meta about a thread", extra={"error": type(err).__name__})
        return False
    fields["resolved_at"] = at
    if thread.record and store.inbox.update_thread(village.id, thread.key, fields):
        thread.record.update({k: (when_iso(v) if isinstance(v, datetime) else v) for k, v in fields.items()})
        if fields.get("author_name"):
            thread.author = str(fields["author_name"])
    return True


def when_iso(moment: datetime) -> str:
    return moment.isoformat()


@dataclass
class ThreadView:
    thread: Thread
    #: per inquiry id: whether a public reply / a private reply / hiding is possible
    can_reply: dict[str, bool] = field(default_factory=dict)
    can_private: dict[str, bool] = field(default_factory=dict)
    #: a message thread: the time left to answer by message, or the reason it can no longer be answered
    window_left: timedelta | None = None
    window_closed: tuple[str, str] | None = None
    colleagues: list[Staff] = field(default_factory=list)


def thread_view(staff: Staff, village: Village, key: str, store: Any, at: datetime,
                replies: InboxReplies | None = None) -> ThreadView:
    """One thread. Opening it (an admin of the village) moves it from "baru" to "perlu dijawab"."""
    if not KEY_RE.fullmatch(key or ""):
        raise NotFound("thread")
    items = _group(_recent(store, village.id, at)).get(key)
    record = store.inbox.thread(village.id, key)
    if not items or record is None:
        raise NotFound("thread")
    thread = _thread(key, items, record, at)
    if replies is not None and not record.get("resolved_at"):
        _resolve(village, thread, store, replies, at)
    if thread.status is ThreadStatus.BARU and staff.role is Role.ADMIN and staff.tenant_id == village.id:
        store.inbox.update_thread(village.id, key, {"seen_at": at})
        thread = _thread(key, items, {**thread.record, "seen_at": at.isoformat()}, at)
    view = ThreadView(thread=thread,
                      colleagues=[p for p in store.people(village.id) if p.role is Role.ADMIN and not p.revoked_at])
    for inq in items:
        view.can_reply[inq.inquiry_id] = inq.kind is InquiryKind.COMMENT and inq.hidden_at is None \
            and inq.no_answer != "deleted"
        view.can_private[inq.inquiry_id] = private_reply_allowed(inq, at) and inq.no_answer != "deleted"
    if thread.kind is InquiryKind.MESSAGE:
        last = max(i.received_at for i in items)
        view.window_left = message_window_left(last, at)
        if view.window_left is None:
            view.window_closed = _window_words(thread.channel, last)
    return view


def _window_words(channel: str, last: datetime) -> tuple[str, str]:
    app = "Instagram" if channel == "instagram" else "Messenger"
    window = messaging_window_words()
    return (f"Percakapan ini tidak dapat dibalas lagi dari Kabar: Meta hanya mengizinkan balasan pesan dalam "
            f"{window.id} sejak pesan terakhir orang itu ({when_id(last)}). Balas lewat {app} bila orang itu menulis "
            "lagi, atau hubungi lewat saluran lain.",
            f"This conversation can no longer be answered from Kabar: Meta allows a reply to a message only within "
            f"{window.en} of the person's last message ({when_id(last)}). Answer in {app} when the person writes "
            "again, or reach them another way.")


# --- acting -----------------------------------------------------------------------------------------

def _load(village: Village, key: str, store: Any, at: datetime) -> tuple[list[Inquiry], dict]:
    if not KEY_RE.fullmatch(key or ""):
        raise NotFound("thread")
    items = _group(_recent(store, village.id, at)).get(key)
    record = store.inbox.thread(village.id, key)
    if not items or record is None:
        raise NotFound("thread")
    return items, record


def _audit(staff: Staff, village: Village, action: str, key: str, at: datetime, note: str | None = None,
           from_state: str | None = None, to_state: str | None = None, notices: list | None = None) -> Change:
    return Change(audit=AuditEntry(tenant_id=village.id, submission_id="workspace", at=at,
                                   actor=f"{staff.role.value}:{staff.email}", action=action, subject=f"thread:{key}",
                                   note=note, from_state=from_state, to_state=to_state),
                  notices=notices or [])


def _text(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise InvalidInput(t("Tulis jawabannya dulu.", "Write the answer first."))
    if len(text) > MAX_ANSWER:
        raise InvalidInput(t(f"Jawaban terlalu panjang (paling banyak {MAX_ANSWER} karakter).",
                             f"The answer is too long (at most {MAX_ANSWER} characters)."))
    return text


def _refused(err: Exception) -> CannotAnswer:
    return CannotAnswer(t(f"Meta menolak jawaban ini: {err}", f"Meta refused this answer: {err}"))


def _later(err: Exception) -> CannotAnswer:
    """Meta did not answer (a timeout, a 5xx, a rate limit): nothing was recorded; the text stays to send again.
    A timeout may still have posted it: Meta's webhook then records the answer, once."""
    logger.warning("inbox: Meta did not answer", extra={"error": type(err).__name__})
    return CannotAnswer(t("Meta sedang tidak menjawab; jawaban belum tercatat terkirim. Coba lagi sebentar lagi "
                          "(bila ternyata sudah muncul di Facebook/Instagram, Kabar mencatatnya sendiri).",
                          "Meta is not answering right now; the answer is not recorded as sent. Try again in a "
                          "moment (if it did appear on Facebook/Instagram, Kabar records it by itself)."))


def reply(staff: Staff, village: Village, key: str, how: str, text: str, store: Any, replies: InboxReplies,
          at: datetime, inquiry_id: str | None = None) -> str:
    """Answer the thread from Kabar: ``how`` is ``comment`` (a public reply under the comment),
    ``private`` (a private message to the commenter) or ``message`` (a message in the conversation).
    The inquiries it answers stop their clocks now; Meta's echo of the same answer changes nothing."""
    _require_actor(staff, village)
    text = _text(text)
    items, _ = _load(village, key, store, at)
    first = items[0]
    if how == "message":
        if first.kind is not InquiryKind.MESSAGE:
            raise NotFound("thread")
        if message_window_left(max(i.received_at for i in items), at) is None:
            raise CannotAnswer(t(*_window_words(first.channel, max(i.received_at for i in items))))
        try:
            answer_id = replies.send_message(first.channel, first.author_id, text)
        except TransientChannelError as err:
            raise _later(err) from err
        except PermanentChannelError as err:
            if type(err).__name__ == "OutsideMessagingWindow":
                raise CannotAnswer(t(*_window_words(first.channel, max(i.received_at for i in items)))) from err
            raise _refused(err) from err
        settled = [i for i in items if i.open]
    elif how in ("comment", "private"):
        target = next((i for i in items if i.inquiry_id == inquiry_id), None)
        if target is None or target.kind is not InquiryKind.COMMENT:
            raise NotFound("comment")
        if target.no_answer == "deleted":
            raise CannotAnswer(t("Komentar ini sudah dihapus penulisnya.", "Its author removed this comment."))
        if how == "private":
            if not private_reply_allowed(target, at):
                days = lama(PRIVATE_REPLY_WINDOW)
                raise CannotAnswer(t(
                    f"Balasan pribadi hanya sekali untuk satu komentar dan paling lambat {days.id} setelah komentar "
                    "ditulis (aturan Meta). Balas di bawah komentarnya saja.",
                    f"A private reply is allowed once per comment and within {days.en} of it (Meta's rule). Reply "
                    "under the comment instead."))
            try:
                answer_id = replies.private_reply(first.channel, target.inquiry_id, text)
            except TransientChannelError as err:
                raise _later(err) from err
            except PermanentChannelError as err:
                raise _refused(err) from err
            store.inbox.private_replied(target, at, answer_id or f"private:{target.inquiry_id}", text,
                                        _audit(staff, village, "inbox_private_reply", key, at, note=text[:200]))
            return answer_id
        if target.hidden_at is not None:
            raise CannotAnswer(t("Komentar yang disembunyikan tidak dapat dibalas.",
                                 "A hidden comment cannot be replied to."))
        top = target.parent_id or target.inquiry_id  # Instagram answers only under top-level comments
        try:
            answer_id = replies.reply_comment(first.channel, top if first.channel == "instagram" else target.inquiry_id,
                                              text)
        except TransientChannelError as err:
            raise _later(err) from err
        except PermanentChannelError as err:
            raise _refused(err) from err
        settled = [i for i in items if i.open and (i.inquiry_id == target.inquiry_id or
                                                   (i.parent_id == top and i.received_at <= target.received_at)
                                                   or i.inquiry_id == top)]
    else:
        raise NotFound("answer")
    answer_id = answer_id or f"kabar:{key}:{int(at.timestamp())}"
    change = _audit(staff, village, "inbox_answered", key, at, note=text[:200], to_state="dijawab")
    audited = False
    for inq in settled:
        # the audit entry goes with the first answer written; each answer is its own conditional write
        audited = store.inbox.answered(inq, at, answer_id, "kabar", text, None if audited else change) or audited
    if not audited:  # nothing was waiting (or a webhook's echo was first): the answer is still on record
        store.commit_change(change)
    return answer_id


def mark_no_answer(staff: Staff, village: Village, key: str, store: Any, at: datetime) -> int:
    """"Tidak perlu dijawab" with one tap: every inquiry of the thread still waiting is settled."""
    _require_actor(staff, village)
    items, _ = _load(village, key, store, at)
    waiting = [i for i in items if i.open]
    if not waiting:
        return 0
    done = store.inbox.settle_without_answer(waiting, "admin", at, _audit(
        staff, village, "inbox_no_answer", key, at, to_state="tidak_perlu_dijawab"))
    return len(waiting) if done else 0


def hide(staff: Staff, village: Village, key: str, inquiry_id: str, store: Any, replies: InboxReplies,
         at: datetime) -> bool:
    """Hide a spam comment on Facebook or Instagram; it then needs no answer."""
    _require_actor(staff, village)
    items, _ = _load(village, key, store, at)
    target = next((i for i in items if i.inquiry_id == inquiry_id and i.kind is InquiryKind.COMMENT), None)
    if target is None:
        raise NotFound("comment")
    if target.hidden_at is not None:
        return False
    try:
        replies.hide_comment(target.channel, target.inquiry_id)
    except TransientChannelError as err:
        raise _later(err) from err
    except PermanentChannelError as err:
        raise _refused(err) from err
    return store.inbox.hide(target, at, _audit(staff, village, "inbox_hidden", key, at, note=target.text[:200]))


def assign(staff: Staff, village: Village, key: str, staff_id: str, store: Any, at: datetime,
           public_url: str) -> str:
    """Give the thread to a colleague (an admin of the village); they get an email with its link."""
    _require_actor(staff, village)
    items, record = _load(village, key, store, at)
    colleague = store.get_staff(village.id, staff_id) if staff_id else None
    if colleague is None or colleague.role is not Role.ADMIN or colleague.revoked_at is not None:
        raise InvalidInput(t("Pilih admin desa ini.", "Choose an admin of this village."))
    if record.get("assigned_to") == colleague.staff_id:
        return colleague.name
    link = f"{public_url.rstrip('/')}/app/{village.id}/kotak-masuk/{key}"
    thread = _thread(key, items, record, at)
    # what the email shows of the thread, as it is now
    shown = {"kind": thread.kind, "channel_word": thread.channel_word, "author": thread.author,
             "last": {"text": thread.last.text}}
    context = {"village": village, "thread": shown, "link": link, "by": staff.name, "due": thread.due}
    notices = [] if colleague.staff_id == staff.staff_id else promised(
        village.id, "inbox_assigned", f"thread:{key}:{colleague.staff_id}:{at.isoformat()}", [str(colleague.email)],
        f"[Kabar {village.name}] {staff.name} meminta Anda menjawab {thread.author}",
        "email/inbox_assigned", context)
    if not store.inbox.update_thread(village.id, key, {"assigned_to": colleague.staff_id,
                                                       "assigned_name": colleague.name},
                                     _audit(staff, village, "inbox_assigned", key, at, note=colleague.name,
                                            notices=notices),
                                     expected={"assigned_to": record.get("assigned_to")}):
        raise CannotAnswer(t("Percakapan ini baru saja diserahkan orang lain. Muat ulang halaman lalu coba lagi.",
                             "Someone else just assigned this thread. Reload the page and try again."))
    return colleague.name


def due_words(thread: Thread, at: datetime) -> tuple[str, str] | None:
    """Time left on the thread's 1-day clock, in words ("sisa 5 jam 20 menit" / "lewat 2 jam")."""
    if thread.due is None:
        return None
    left = thread.due - to_wib(at)
    minutes = int(abs(left.total_seconds()) // 60)
    hours, mins = divmod(minutes, 60)
    span_id = f"{hours} jam {mins} menit" if hours else f"{mins} menit"
    span_en = f"{hours} h {mins} min" if hours else f"{mins} min"
    if left >= timedelta(0):
        return f"sisa {span_id}", f"{span_en} left"
    return f"lewat {span_id}", f"{span_en} over"


__all__ = ["REASON_WORDS", "STATUS_WORDS"]
