"""The privacy notice (``GET /privasi``): what Kabar keeps about people, why, how long, and how to ask.

Indonesian first, English on the switch (``?lang=en``, remembered on the device like the upload page's).
With ``?desa=<village>`` it names that village as the one responsible and its PPID as the contact.
"""

from __future__ import annotations

import re

from ..domain import retention
from ..domain.errors import NotFound
from ..messages import Page
from ..services import Services


def notice(*, village_id: str | None = None, lang: str | None = None, svc: Services) -> Page:
    village = None
    if village_id and re.fullmatch(r"[a-z0-9-]{2,40}", village_id):
        try:
            village = svc.store.get_village(village_id)
        except NotFound:
            village = None
    return Page.of(200, "privacy.html", village=village, lang="en" if lang == "en" else "id",
                   explicit=lang in ("id", "en"), r=retention, policy=retention.POLICY)
