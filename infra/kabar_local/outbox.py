"""The local outbox: the emails sent through SES, read back from the in-process moto server.

The system sends with SESv2 ``send_email`` and ``Content.Raw`` (a full MIME message); moto keeps every
message, v1 and v2 alike, in the SES *v1* backend of the account and region it was sent to. This module
only reads that list, so it needs the moto server to run in this same process (the local stack does).
"""

from __future__ import annotations

import builtins
import html
import json
import os
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, parsedate_to_datetime
from typing import Any

DEFAULT_ACCOUNT = "123456789012"  # moto's default account

_URL = re.compile(r"https?://[^\s\"'<>]+", re.IGNORECASE)
_TRAILING = ".,;:!?"
_LOOKS_LIKE_HTML = re.compile(r"<\s*(html|body|p|div|a|br|table|span|h[1-6])\b", re.IGNORECASE)


def find_links(text: str | None, *, is_html: bool = False) -> list[str]:
    """Every http(s) URL in a text or HTML part, in order of appearance, without duplicates."""
    if not text:
        return []
    found: list[str] = []
    for match in _URL.finditer(text):
        url = match.group(0)
        if is_html:
            url = html.unescape(url)  # an href holds "&amp;" for "&"
        url = _trim(url)
        if url not in found:
            found.append(url)
    return found


def _trim(url: str) -> str:
    # Sentence punctuation after a URL in prose is not part of it; a ")" is only when unbalanced.
    while url and (url[-1] in _TRAILING or (url[-1] == ")" and url.count("(") < url.count(")"))):
        url = url[:-1]
    return url


@dataclass(frozen=True)
class Part:
    """One leaf MIME part: the HTML part's inline images and the attachments are served from these."""

    index: int
    content_type: str
    filename: str | None
    content_id: str | None
    size: int


@dataclass(frozen=True)
class Email:
    id: str
    to: list[str]
    sender: str
    subject: str
    text: str | None
    html: str | None
    links: list[str]
    sent_at: datetime
    raw: bytes = field(repr=False)
    parts: list[Part] = field(default_factory=list, repr=False)

    @property
    def attachments(self) -> list[Part]:
        return [p for p in self.parts if p.filename]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "to": self.to,
            "from": self.sender,
            "subject": self.subject,
            "text": self.text,
            "html": self.html,
            "links": self.links,
            "sent_at": self.sent_at.isoformat(),
            "attachments": [
                {"filename": p.filename, "content_type": p.content_type, "size": p.size} for p in self.attachments
            ],
        }


class Outbox:
    """Read-only view of the mail that moto's SES accepted, newest first.

    ``list``/``get`` return plain dicts (the JSON the gateway serves); ``email`` returns the parsed
    :class:`Email`, ``raw`` the MIME bytes and ``part`` one leaf part's content.
    """

    def __init__(self, account_id: str = DEFAULT_ACCOUNT, region: str | None = None) -> None:
        self.account_id = account_id
        env = os.environ
        self.region = region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "ap-southeast-3"
        self._parsed: dict[str, Email] = {}
        self._first_seen: dict[str, datetime] = {}
        self._lock = threading.Lock()

    # -- public API ---------------------------------------------------------------------------------

    def list(self, to: str | None = None) -> builtins.list[dict[str, Any]]:
        return [e.as_json() for e in self.emails(to=to)]

    def get(self, id: str) -> dict[str, Any] | None:
        found = self.email(id)
        return found.as_json() if found else None

    def raw(self, id: str) -> bytes | None:
        found = self.email(id)
        return found.raw if found else None

    def emails(self, to: str | None = None) -> builtins.list[Email]:
        wanted = to.strip().lower() if to else None
        out = []
        for message in reversed(self._sent()):
            parsed = self._parse(message)
            if parsed and (wanted is None or wanted in (a.lower() for a in parsed.to)):
                out.append(parsed)
        return out

    def email(self, id: str) -> Email | None:
        for message in self._sent():
            if getattr(message, "id", None) == id:
                return self._parse(message)
        return None

    def part(self, id: str, index: int) -> tuple[str, bytes] | None:
        """The content type and decoded bytes of leaf part number ``index`` (see :class:`Part`)."""
        found = self.email(id)
        if not found:
            return None
        for i, leaf in enumerate(_leaves(_parse_mime(found.raw))):
            if i == index:
                payload = leaf.get_payload(decode=True)
                return leaf.get_content_type(), payload if isinstance(payload, bytes) else b""
        return None

    # -- moto ---------------------------------------------------------------------------------------

    def _sent(self) -> builtins.list[Any]:
        from moto.ses.models import ses_backends  # imported late: moto is heavy and only the stack has it

        return list(ses_backends[self.account_id][self.region].sent_messages)

    def _parse(self, message: Any) -> Email | None:
        msg_id = getattr(message, "id", None)
        if not isinstance(msg_id, str):  # BulkTemplateMessage keeps several ids; nothing sends those
            return None
        with self._lock:
            cached = self._parsed.get(msg_id)
            if cached:
                return cached
            seen = self._first_seen.setdefault(msg_id, datetime.now(UTC))
        if hasattr(message, "raw_data"):
            parsed = _from_raw(msg_id, message, seen)
        elif hasattr(message, "body"):
            parsed = _from_simple(msg_id, message, seen)
        elif hasattr(message, "template"):
            parsed = _from_template(msg_id, message, seen)
        else:
            return None
        with self._lock:
            self._parsed[msg_id] = parsed
        return parsed


# -- parsing ----------------------------------------------------------------------------------------


def _parse_mime(raw: bytes) -> EmailMessage:
    return message_from_bytes(raw, policy=policy.default)


def _leaves(msg: EmailMessage) -> list[EmailMessage]:
    return [p for p in msg.walk() if not p.is_multipart()]


def _addresses(values: Any) -> list[str]:
    """Bare addresses, unique (case-insensitively), from a list or moto's {"ToAddresses": [...]} dict."""
    if isinstance(values, dict):
        values = [a for key in ("ToAddresses", "CcAddresses", "BccAddresses") for a in values.get(key, [])]
    out: list[str] = []
    for _, address in getaddresses([str(v) for v in values or []]):
        if address and address.lower() not in (a.lower() for a in out):
            out.append(address)
    return out


def _sent_at(msg: EmailMessage, fallback: datetime) -> datetime:
    value = msg.get("date")
    if value:
        try:
            when = parsedate_to_datetime(str(value))
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)
    return fallback


def _text_of(msg: EmailMessage, subtype: str) -> str | None:
    body = msg.get_body(preferencelist=(subtype,))
    if body is None or body.get_content_type() != f"text/{subtype}":
        return None
    try:
        return str(body.get_content())
    except (LookupError, ValueError):  # an unknown charset: show what can be shown
        payload = body.get_payload(decode=True)
        return payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""


def _from_raw(msg_id: str, message: Any, seen: datetime) -> Email:
    raw = message.raw_data
    raw_bytes = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
    msg = _parse_mime(raw_bytes)
    text, html_part = _text_of(msg, "plain"), _text_of(msg, "html")
    parts = []
    for i, leaf in enumerate(_leaves(msg)):
        cid = leaf.get("content-id")
        parts.append(
            Part(
                index=i,
                content_type=leaf.get_content_type(),
                filename=leaf.get_filename(),
                content_id=str(cid).strip().strip("<>") if cid else None,
                size=len(leaf.get_payload(decode=True) or b""),
            )
        )
    return Email(
        id=msg_id,
        to=_addresses(message.destinations),
        sender=str(msg.get("from") or message.source or ""),
        subject=str(msg.get("subject") or ""),
        text=text,
        html=html_part,
        links=_merge(find_links(text), find_links(html_part, is_html=True)),
        sent_at=_sent_at(msg, seen),
        raw=raw_bytes,
        parts=parts,
    )


def _from_simple(msg_id: str, message: Any, seen: datetime) -> Email:
    # moto keeps only the HTML body when both were sent, so guess which one this is.
    body = message.body or ""
    is_html = bool(_LOOKS_LIKE_HTML.search(body))
    to = _addresses(message.destinations)
    mime = _synthesize(message.source, to, message.subject or "", body, "html" if is_html else "plain", seen)
    return Email(
        id=msg_id,
        to=to,
        sender=message.source or "",
        subject=message.subject or "",
        text=None if is_html else body,
        html=body if is_html else None,
        links=find_links(body, is_html=is_html),
        sent_at=seen,
        raw=mime,
        parts=[Part(0, f"text/{'html' if is_html else 'plain'}", None, None, len(body.encode()))],
    )


def _from_template(msg_id: str, message: Any, seen: datetime) -> Email:
    to = _addresses(message.destinations)
    subject = f"[template {message.template}]"
    text = json.dumps({"template": message.template, "data": message.template_data}, ensure_ascii=False)
    return Email(
        id=msg_id,
        to=to,
        sender=message.source or "",
        subject=subject,
        text=text,
        html=None,
        links=find_links(text),
        sent_at=seen,
        raw=_synthesize(message.source, to, subject, text, "plain", seen),
        parts=[Part(0, "text/plain", None, None, len(text.encode()))],
    )


def _synthesize(source: str, to: list[str], subject: str, body: str, subtype: str, when: datetime) -> bytes:
    mime = EmailMessage(policy=policy.SMTP)
    mime["From"] = source or ""
    mime["To"] = ", ".join(to)
    mime["Subject"] = subject
    mime["Date"] = format_datetime(when)
    mime.set_content(body, subtype=subtype, charset="utf-8")
    return mime.as_bytes()


def _merge(*lists: list[str]) -> list[str]:
    out: list[str] = []
    for items in lists:
        out.extend(i for i in items if i not in out)
    return out
