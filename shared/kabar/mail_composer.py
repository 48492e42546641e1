"""Emails written out at the edge: a use case's :class:`~kabar.ports.Letter` (facts) into a ``Mail``.

Use cases decide what an email tells and promise it as a notice; the notice sender hands the letter
here when it sends, so no use case renders HTML (``tests/unit/test_architecture.py``).
"""

from __future__ import annotations

from . import web
from .messages import Letter, Mail


class TemplateMailComposer:
    """Each letter's two templates (``<template>.txt``, ``<template>.html``) rendered with its facts."""

    def compose(self, letter: Letter) -> Mail:
        facts = dict(letter.facts)
        web.seen(f"subject: {letter.tags.get('kind', letter.template)}", letter.subject)  # read first
        return Mail(to=letter.to, subject=letter.subject, text=web.render(f"{letter.template}.txt", **facts),
                    html=web.render(f"{letter.template}.html", **facts), reply_to=letter.reply_to,
                    tags=dict(letter.tags))
