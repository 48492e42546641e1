"""Every page and email a test renders is read as a person would read it: one date style
("2 Desember 2026, 09.44 WIB") and no raw codes (``social``, ``static_site``, ``published``, ISO times).

A page that shows one fails the test that rendered it, naming the template and what was seen.
``KABAR_WORDING_LOG=<file>`` writes what was seen to the file instead (a survey of the whole suite).
"""

from __future__ import annotations

import os

import pytest

from kabar import web
from kabar.domain.wording import raw_codes


def _check(name: str, output: str) -> None:
    found = raw_codes(output)
    if not found:
        return
    log = os.environ.get("KABAR_WORDING_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"{name}\t{sorted(set(found))}\n")
        return
    raise AssertionError(f"{name} shows raw codes or ISO times to its reader: {sorted(set(found))}")


@pytest.fixture(autouse=True)
def _words_people_read():
    web.observers.append(_check)
    yield
    web.observers.remove(_check)
