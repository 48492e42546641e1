"""HTML pages and emails from Jinja2 templates, autoescaped: nothing a person typed runs."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .messages import Page

TEMPLATES = Path(__file__).parent / "templates"

#: called with (template name, output) after each render, and with ("subject: <purpose>", subject) for
#: each email sent: the tests hold every page, email and subject to the one date style and no raw codes
#: (tests/conftest.py); nothing is registered in production
observers: list[Callable[[str, str], None]] = []


@cache
def _env():  # noqa: ANN202 - jinja2 is imported only by the functions that render
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    from .domain.wording import filters

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "xml"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    from .domain.sop import BATAS_WAKTU, lama
    from .domain.workspace import SIGN_IN_LINK_TTL

    env.globals["batas"] = BATAS_WAKTU  # the SOP's limits in words, never a literal in a template
    env.globals["masa_tautan_masuk"] = lama(SIGN_IN_LINK_TTL)  # how long a sign-in link works
    env.filters.update(filters())
    return env


def render(name: str, **context: object) -> str:
    return seen(name, _env().get_template(name).render(**context))


def page_html(page: Page, lang: str | None = None) -> str:
    """A use case's page written out (its status is the handler's: ``kabar.http.shown``); ``lang="en"``: its
    root says English, and a page that holds its English beside the Indonesian shows it."""
    return render(page.template, **{**page.context, "page_lang": "en" if lang == "en" else "id"})


def written(page: Page | str) -> str:
    """A page as HTML: a use case's page written out, or one already written (the static site's article)."""
    return page if isinstance(page, str) else page_html(page)


def seen(name: str, output: str) -> str:
    """Hand a rendered page or email to the observers, if any (see ``observers``)."""
    for observe in observers:
        observe(name, output)
    return output
