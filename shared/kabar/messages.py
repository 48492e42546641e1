"""What people read, before it is written out: emails (:class:`Mail`, :class:`Letter`) and pages
(:class:`Page`). Use cases answer with these; the edge writes them out (``kabar.mail_composer``,
``kabar.http.shown``). Kept apart from ``kabar.ports`` (and re-exported there) so that a page's
handler does not load every port's Protocol at cold start.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Attachment", "Letter", "Mail", "Page"]


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Mail:
    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    reply_to: tuple[str, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class Letter:
    """An email before it is written out: who gets it, its subject, and the facts its template shows.

    ``template`` names both parts (``email/rejected``: ``.txt`` and ``.html``). Use cases say what an
    email tells; a :class:`MailComposer` at the edge writes it.
    """
    to: tuple[str, ...]
    subject: str
    template: str
    facts: Mapping[str, Any]
    reply_to: tuple[str, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    """A page for a person before it is written out: its HTTP status, its template and what it shows.

    Use cases answer with one; the handler writes it out at the edge (``kabar.http.shown``).
    """
    status: int
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, status: int, template: str, **context: Any) -> Page:  # noqa: ANN401 - what a template shows
        return cls(status, template, context)
