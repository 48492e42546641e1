"""SOP A5: comments and direct messages, answered within 1 day. The Meta webhook and the daily digest."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from ..domain import sop
from ..domain.clock import month_of, now, previous_month, to_wib
from ..domain.errors import InvalidInput, KabarError
from ..domain.inbox import (
    Answer,
    ClockState,
    Inquiry,
    Revision,
    answer_moment,
    answered_by,
    butuh_jawaban,
    clock_state,
    handshake,
    parse_webhook,
    signature_ok,
)
from ..domain.models import Village
from ..domain.outbox import Change
from ..domain.text import t
from ..domain.wording import when_id
from ..services import Services
from .notices import promised

logger = Logger(child=True)

#: How long a Page id -> village answer is kept in a warm function (a Page connected since is
#: routed within this time).
PAGE_MAP_SECONDS = 60
_page_cache: dict[str, tuple[float, str | None]] = {}


class Forbidden(KabarError):
    """The request is not from Meta (no or a wrong signature, or a wrong verify token)."""

    status = 403
    code = "forbidden"


def _secret(svc: Services) -> dict:
    return svc.secrets.json(svc.settings.meta_webhook_secret)


def verify_subscription(params: dict[str, str], svc: Services) -> str:
    """The hub.challenge to answer, when the verify token matches; Forbidden otherwise."""
    challenge = handshake(params, str(_secret(svc).get("verify_token") or ""))
    if challenge is None:
        raise Forbidden(t("Token verifikasi tidak cocok.", "The verify token does not match."))
    return challenge


class PageLookup(Mapping[str, str]):
    """Page id -> village id, one lookup item per Page (written with the village's channel settings),
    never a list of every village. Answers are kept briefly."""

    def __init__(self, svc: Services) -> None:
        self._svc = svc

    def get(self, page_id: str, default: str | None = None) -> str | None:  # type: ignore[override]
        stamp, tenant = _page_cache.get(page_id, (0.0, None))
        if time.monotonic() - stamp >= PAGE_MAP_SECONDS:
            tenant = self._svc.store.village_for_page(page_id) if page_id else None
            _page_cache[page_id] = (time.monotonic(), tenant)
        return tenant if tenant is not None else default

    def __getitem__(self, page_id: str) -> str:
        tenant = self.get(page_id)
        if tenant is None:
            raise KeyError(page_id)
        return tenant

    def __iter__(self) -> Iterator[str]:
        return iter([k for k, (_, v) in _page_cache.items() if v is not None])

    def __len__(self) -> int:
        return sum(1 for _, v in _page_cache.values() if v is not None)


def villages_by_page(svc: Services) -> PageLookup:
    """Facebook Page / Instagram account id -> village id, by lookup item."""
    return PageLookup(svc)


def forget_pages() -> None:
    _page_cache.clear()


_MALFORMED = t("Isi webhook tidak sesuai bentuk dari Meta.", "The webhook body does not have Meta's shape.")


def receive(raw_body: bytes, signature: str | None, svc: Services,
            arrived: datetime | None = None) -> dict[str, int]:
    """Check the signature over the raw bytes, then record each comment and message once and mark
    what the Page answered. A redelivery records nothing new."""
    if not signature_ok(str(_secret(svc).get("app_secret") or ""), raw_body, signature):
        raise Forbidden(t("Tanda tangan X-Hub-Signature-256 tidak sah.", "Invalid X-Hub-Signature-256 signature."))
    try:
        payload = json.loads(raw_body)
    except ValueError:
        return {"recorded": 0, "duplicates": 0, "answered": 0}
    except RecursionError as err:
        raise InvalidInput(_MALFORMED) from err
    arrived = arrived or now()
    counts = {"recorded": 0, "duplicates": 0, "answered": 0}
    try:  # everything is read before anything is written: a malformed delivery records nothing
        found_all = parse_webhook(payload, villages_by_page(svc), arrived)
    except (AttributeError, TypeError, ValueError, OverflowError, RecursionError) as err:
        logger.warning("signed webhook body is malformed", extra={"error": type(err).__name__})
        raise InvalidInput(_MALFORMED) from err
    for found in found_all:
        if isinstance(found, Inquiry):
            if not butuh_jawaban(found.text):  # thanks or emoji alone: settled as it arrives
                found = found.model_copy(update={"no_answer": "thanks", "no_answer_at": arrived})
            counts["recorded" if svc.store.inbox.record(found) else "duplicates"] += 1
        elif isinstance(found, Revision):
            # edits, removals and hides: counted only when there are some (the answer's shape stays)
            if svc.store.inbox.revise(found.tenant_id, found.inquiry_id, found.at, found.verb, found.text):
                counts["revised"] = counts.get("revised", 0) + 1
        else:
            counts["answered"] += _settle(found, svc)
    logger.info("webhook", extra=counts)
    return counts


def _settle(answer: Answer, svc: Services) -> int:
    if answer.answers:
        direct = svc.store.get_inquiry(answer.tenant_id, answer.answers)
        candidates = [direct] if direct else []
        if direct is not None:  # open replies under the same comment
            candidates += [i for i in svc.store.inquiries_in_month(answer.tenant_id, month_of(direct.received_at))
                           if i.parent_id == answer.answers]
    else:
        at = to_wib(answer.at)
        candidates = (svc.store.inquiries_in_month(answer.tenant_id, previous_month(at))
                      + svc.store.inquiries_in_month(answer.tenant_id, month_of(at)))
    settled = 0
    for inq in answered_by(answer, candidates):
        # an answer written in Meta's own tools (Business Suite, the app) counts as one from Kabar does
        settled += svc.store.inbox.answered(inq, answer_moment(inq, answer), answer.answer_id, "meta", answer.text)
    return settled


def open_inquiries(tenant_id: str, as_of: datetime, svc: Services) -> list[Inquiry]:
    """Unanswered comments and messages of this month and the one before, oldest first."""
    local = to_wib(as_of)
    found = (svc.store.inquiries_in_month(tenant_id, previous_month(local))
             + svc.store.inquiries_in_month(tenant_id, month_of(local)))
    return sorted((i for i in found if i.open), key=lambda i: (i.received_at, i.inquiry_id))


def _when(moment: datetime) -> str:
    return when_id(moment)


def author_word(channel: str) -> str:
    """Who wrote, before Kabar has the person's name: never a raw platform id."""
    return "Pengguna Instagram" if channel == "instagram" else "Pengguna Facebook"


def send_digests(*, as_of: datetime | None = None, svc: Services) -> dict[str, int]:
    """Every village in turn (tests and small deployments); the schedule fans out :func:`send_digest`."""
    return {"sent": sum(send_digest(v, as_of=as_of, svc=svc)["sent"] for v in svc.store.list_villages())}


def send_digest(village: Village, *, as_of: datetime | None = None, svc: Services) -> dict[str, int]:
    """A village's admins get one email a day listing what is unanswered, overdue first."""
    as_of = as_of or now()
    waiting = open_inquiries(village.id, as_of, svc)
    if not waiting:
        return {"sent": 0}
    base = svc.settings.public_url.rstrip("/")
    threads = svc.store.inbox.threads(village.id)
    rows: list[dict[str, Any]] = [
        {"inq": i, "state": clock_state(i, as_of), "received": _when(i.received_at), "due": _when(i.due),
         "link": f"{base}/app/{village.id}/kotak-masuk/{i.thread_key}",
         "author": (threads.get(i.thread_key) or {}).get("author_name") or i.author_name or author_word(i.channel)}
        for i in waiting]
    order = {ClockState.OVERDUE: 0, ClockState.NEAR_LIMIT: 1, ClockState.OPEN: 2}
    rows.sort(key=lambda r: (order[r["state"]], r["inq"].received_at))
    counts = {state: sum(1 for r in rows if r["state"] is state) for state in order}
    # what the email shows of each comment or message, as it stands today (the notice keeps it)
    shown = [{**r, "inq": {"kind": r["inq"].kind, "text": r["inq"].text}} for r in rows]
    context = {"village": village, "rows": shown, "counts": counts, "states": ClockState,
               "inbox_link": f"{base}/app/{village.id}/kotak-masuk"}
    # one digest a day per admin: the day's notice is promised once, whatever the retries
    return {"sent": svc.store.enqueue(Change(notices=promised(
        village.id, "inbox_digest", f"digest:{to_wib(as_of).date().isoformat()}",
        [str(a.email) for a in village.admins],
        (f"[Kabar {village.name}] {len(rows)} komentar/pesan belum dijawab "
         f"({counts[ClockState.OVERDUE]} lewat batas {sop.BATAS_WAKTU['jawaban'].id})"),
        "email/inbox_digest", context)))}
